-- ts.vconn in do_global_vconn_start, which Traffic Server runs as a TLS connection starts: the
-- client's address (its port checked against the transaction's), the connection's descriptor
-- (checked against the transaction's) and disable_h2, which keeps the connection from
-- negotiating HTTP/2. Each response reports what its connection's start saw.
local last = nil

function do_global_vconn_start()
  local ip, port, family = ts.vconn.get_remote_addr()
  local fd = ts.vconn.get_fd()
  local returned = select('#', ts.vconn.disable_h2())
  last = { ip = ip, port = port, family = family, fd = fd, returned = returned }
  return 0
end

function do_global_send_response()
  local seen = 'none'
  if last then
    local _, port = ts.client_request.client_addr.get_addr()
    seen = table.concat({
      tostring(last.ip), tostring(last.port == port), tostring(last.family), type(last.fd),
      tostring(last.fd == ts.http.get_client_fd()), tostring(last.returned),
    }, ',')
  end
  ts.client_response.header['X-Vconn'] = seen
  last = nil
  return 0
end
