-- set_retstatus at remap: the proxy answers with that status and its own error page (its body
-- factory's default template), without asking the origin, as tslua.so in Traffic Server 9.2.
function do_remap()
  ts.http.set_retstatus(403)
  return 0
end
