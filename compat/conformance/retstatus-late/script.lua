-- After remap a status alone changes nothing (Traffic Server 9.2 takes it only from a hook that
-- fails the transaction), nor does an error body when the proxy sends no error.
function do_remap()
  ts.http.set_retbody('only a body')
  ts.hook(TS_LUA_HOOK_POST_REMAP, function()
    ts.http.set_retstatus(403)
  end)
  ts.hook(TS_LUA_HOOK_READ_RESPONSE_HDR, function()
    ts.http.set_retstatus(403)
  end)
  return 0
end
