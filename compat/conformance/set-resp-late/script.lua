-- ts.http.set_resp after remap. Traffic Server reads a status set there only when the hook fails the
-- transaction, so tswasm then fails it for the script and the client gets the response the hook
-- set (tslua.so ignores it; and a read-response hook returning 1 gets the client no response at
-- all from tslua.so in Traffic Server 9.2). Only an error status (400 and up) can be given then.
-- Once the response is on its way (send-response), set_resp keeps its status and replaces the body
-- of the proxy's own response only (as tslua.so does on Traffic Server's error responses), and
-- set_error_resp changes the status of any response, the body of the proxy's own only.
function do_remap()
  local path = ts.client_request.get_uri()
  if path == '/late' then
    ts.hook(TS_LUA_HOOK_OS_DNS, function()
      ts.http.set_resp(302, 'not after remap\n')
    end)
    ts.hook(TS_LUA_HOOK_READ_RESPONSE_HDR, function()
      ts.http.set_resp(403, 'answered at read-response\n')
    end)
  elseif path == '/error' then
    -- A hook failing after remap, no response set: Traffic Server's own error response (tslua.so
    -- leaves the client without any response here).
    ts.hook(TS_LUA_HOOK_READ_RESPONSE_HDR, function()
      return 1
    end)
  elseif path == '/post-remap' then
    ts.hook(TS_LUA_HOOK_POST_REMAP, function()
      ts.http.set_resp(429, 'answered at post-remap\n')
    end)
  end
  ts.hook(TS_LUA_HOOK_SEND_RESPONSE_HDR, function()
    ts.http.set_resp(404, 'too late\n')
    ts.client_response.header['X-Seen-Status'] = ts.client_response.get_status()
    if path == '/error-resp' then
      -- As tslua.so: the status of the response being sent; its body stays.
      ts.client_response.set_error_resp(503, 'maintenance\n')
    end
  end)
  return 0
end
