-- set_retbody gives the proxy's error response its body, whether it comes before or after
-- set_retstatus.
function do_remap()
  ts.http.set_retbody('custom body')
  ts.http.set_retstatus(404)
  return 0
end
