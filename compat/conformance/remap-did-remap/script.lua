function do_remap()
  local req = ts.client_request
  req.header['X-From'] = ts.remap.get_from_url_host() .. ts.remap.get_from_uri()
  req.header['X-To'] = ts.remap.get_to_url_scheme() .. '://' .. ts.remap.get_to_url_host() .. ':' .. ts.remap.get_to_url_port()
  req.set_url_host('shard-2.internal')
  req.set_url_port(8443)
  req.set_url_scheme('https')
  return TS_LUA_REMAP_DID_REMAP
end
