-- A global tslua script: marks every request on its way to the origin and every response on its
-- way back, and counts transactions in a per-state global.
seen = 0

function do_global_read_request()
  seen = seen + 1
  ts.client_request.header['X-Lua-Global'] = 'read-request'
  return 0
end

function do_global_send_response()
  ts.client_response.header['X-Lua-Seen'] = seen
  ts.client_response.header['X-Lua-Status'] = ts.client_response.get_status()
  return 0
end
