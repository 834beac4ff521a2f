-- A transaction a hook failed gets Traffic Server's error response; at send-response the script
-- changes it as tslua.so does: set_error_resp gives status and body (without a body, the
-- status's reason phrase), set_resp only the body. Only requests that ask for it (X-Fail-Me:
-- the variant), so the script can run next to others on every request.
function do_global_read_request()
  if ts.client_request.header['X-Fail-Me'] then
    return 1
  end
  return 0
end

function do_global_send_response()
  local variant = ts.client_request.header['X-Fail-Me']
  if variant == 'error-resp' then
    ts.client_response.set_error_resp(418, 'replaced error body\n')
  elseif variant == 'error-resp-no-body' then
    ts.client_response.set_error_resp(503)
  elseif variant == 'set-resp' then
    ts.http.set_resp(404, 'set_resp body\n')
  end
  return 0
end
