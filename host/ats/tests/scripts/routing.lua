-- Sends the request to the origin whose port is in X-Origin-Port (the remap rule names a port
-- nobody listens on) and marks the client connection's packets with the type of service 0x38.
-- With X-Parent-Port, names a parent proxy on that port and reports what the proxy kept.
function do_remap()
  local port = tonumber(ts.client_request.header['X-Origin-Port'])
  ts.server_request.server_addr.set_addr('127.0.0.1', port, TS_LUA_AF_INET)
  ts.http.client_packet_tos_set(0x38)
  local parent_port = ts.client_request.header['X-Parent-Port']
  if parent_port then
    ts.http.set_parent_proxy('parent.example', tonumber(parent_port))
    local host, kept = ts.http.get_parent_proxy()
    ts.ctx.parent = tostring(host) .. ',' .. kept
    ts.hook(TS_LUA_HOOK_SEND_RESPONSE_HDR, function()
      ts.client_response.header['X-Parent'] = ts.ctx.parent
    end)
  end
  return 0
end
