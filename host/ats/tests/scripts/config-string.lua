-- A per-transaction override of a string record: the Server header Traffic Server adds to the
-- response, named by the request.
function do_remap()
  local name = ts.client_request.header['X-Server-Name']
  if name then
    ts.http.config_string_set(TS_LUA_CONFIG_HTTP_RESPONSE_SERVER_STR, name)
  end
  ts.hook(TS_LUA_HOOK_SEND_RESPONSE_HDR, function()
    ts.client_response.header['X-Config-Seen'] =
      ts.http.config_string_get(TS_LUA_CONFIG_HTTP_RESPONSE_SERVER_STR)
  end)
  return 0
end
