-- A txn-close closure that do_remap registers alone never runs: tslua.so releases do_remap's
-- context when it returns unless it added another hook (compare remap-close-closure). The
-- second transaction sees no close.
function do_remap()
  ts.client_request.header['X-Closed-Before'] = tostring(closed or 0)
  ts.ctx.n = (closed or 0) + 1
  ts.hook(TS_LUA_HOOK_TXN_CLOSE, function() closed = ts.ctx.n end)
  return 0
end
