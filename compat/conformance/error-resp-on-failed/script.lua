-- A transaction a hook failed gets Traffic Server's error response; at send-response the script
-- replaces it with set_error_resp: status and body (as tslua.so does). Only requests that ask
-- for it (X-Fail-Me), so the script can run next to others on every request.
function do_global_read_request()
  if ts.client_request.header['X-Fail-Me'] then
    return 1
  end
  return 0
end

function do_global_send_response()
  if ts.client_request.header['X-Fail-Me'] then
    ts.client_response.set_error_resp(418, 'replaced error body\n')
  end
  return 0
end
