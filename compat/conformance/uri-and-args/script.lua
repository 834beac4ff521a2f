function do_remap()
  local req = ts.client_request
  req.header['X-Uri'] = req.get_uri()
  req.header['X-Args'] = req.get_uri_args()
  req.header['X-Url-Host'] = req.get_url_host()
  req.header['X-Url-Port'] = req.get_url_port()
  req.header['X-Url-Scheme'] = req.get_url_scheme()
  req.set_uri('/new/path')
  req.set_uri_args('c=3')
  req.header['X-After'] = req.get_uri() .. '?' .. req.get_uri_args()
  return TS_LUA_REMAP_NO_REMAP
end
