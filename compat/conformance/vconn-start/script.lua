-- do_global_vconn_start runs as a TLS connection starts (host/ats/tests/vconn.rs compares it with
-- tslua.so's in Traffic Server); the in-memory proxy's clients do not use TLS, so it never runs
-- here, as in Traffic Server for a plain connection. ts.vconn outside it raises (tslua.so aborts
-- Traffic Server there).
local started = 'no'

function do_global_vconn_start()
  started = 'yes'
  return 0
end

function do_global_read_request()
  local ok, err = pcall(ts.vconn.get_fd)
  local h = ts.client_request.header
  h['X-Started'] = started
  h['X-Vconn-In-Txn'] = tostring(ok) .. ':' .. tostring(err):gsub('^.*: ts%.vconn', 'ts.vconn')
  return 0
end
