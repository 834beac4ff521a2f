-- A closure do_remap registers for txn-close runs when the transaction closes, though the script
-- declares no txn-close function of its own (the Lua guest then asks for txn-close for this
-- transaction only), when do_remap added another hook too (as tslua.so: remap-close-alone). The
-- second transaction sees the first one's close.
function do_remap()
  ts.client_request.header['X-Closed-Before'] = tostring(closed or 0)
  ts.ctx.n = (closed or 0) + 1
  ts.hook(TS_LUA_HOOK_SEND_RESPONSE_HDR, function() end)
  ts.hook(TS_LUA_HOOK_TXN_CLOSE, function() closed = ts.ctx.n end)
  return 0
end
