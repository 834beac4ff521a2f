function do_remap()
  if ts.client_request.get_uri() == '/blocked' then
    ts.http.set_resp(403, 'Denied by policy\n')
    return TS_LUA_REMAP_DID_REMAP_STOP
  end
  return 0
end
