-- A transaction a hook failed gets Traffic Server's error response; at send-response the script
-- changes it as tslua.so does: set_error_resp gives status and body (without a body, the
-- status's reason phrase), set_resp only the body. Only requests that ask for it (X-Fail-Me:
-- the variant), so the script can run next to others on every request. The fail-twice variants
-- fail the transaction again at send-response: Traffic Server makes its error response again,
-- from the status and body it kept.
function do_global_read_request()
  local variant = ts.client_request.header['X-Fail-Me']
  if not variant then
    return 0
  end
  if variant == 'fail-twice-resp' then
    ts.http.set_resp(403, 'first failure\n')
  elseif variant == 'fail-twice-retstatus' then
    ts.http.set_retbody('kept body\n')
    ts.http.set_retstatus(451)
  end
  return 1
end

function do_global_send_response()
  local variant = ts.client_request.header['X-Fail-Me']
  if variant == 'error-resp' then
    ts.client_response.set_error_resp(418, 'replaced error body\n')
  elseif variant == 'error-resp-no-body' then
    ts.client_response.set_error_resp(503)
  elseif variant == 'set-resp' then
    ts.http.set_resp(404, 'set_resp body\n')
  elseif variant and variant:sub(1, 10) == 'fail-twice' then
    ts.client_response.header['X-Lost'] = 'made before the response was made again'
    return 1
  end
  return 0
end
