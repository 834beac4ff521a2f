-- Sends the request to the origin whose port is in X-Origin-Port (the remap rule names a port
-- nobody listens on) and marks the client connection's packets with the type of service 0x38.
function do_remap()
  local port = tonumber(ts.client_request.header['X-Origin-Port'])
  ts.server_request.server_addr.set_addr('127.0.0.1', port, TS_LUA_AF_INET)
  ts.http.client_packet_tos_set(0x38)
  return 0
end
