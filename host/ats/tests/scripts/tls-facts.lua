-- The client connection's TLS facts, in a response header: reused, protocol, cipher, curve.
function do_remap()
  local cr = ts.client_request
  local facts = table.concat({ tostring(cr.get_ssl_reused()), tostring(cr.get_ssl_protocol()),
                               tostring(cr.get_ssl_cipher()), tostring(cr.get_ssl_curve()) }, ',')
  ts.hook(TS_LUA_HOOK_SEND_RESPONSE_HDR, function()
    ts.client_response.header['X-Tls'] = facts
  end)
  return 0
end
