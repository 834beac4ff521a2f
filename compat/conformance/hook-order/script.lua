-- Traffic Server runs every plugin's global hook at a point before the hooks added for the
-- transaction: a ts.hook closure runs after every do_global_* function of that hook, its own
-- script's and other plugins' (the differential test loads this script twice), and a closure
-- added for the hook that is running runs in the same pass. Checked against tslua.so 9.2.
local function append(message, name, what)
  local seen = message.header[name] or ''
  message.header[name] = seen .. what .. ','
end

function do_global_read_request()
  append(ts.client_request, 'X-Read-Order', 'global')
  ts.hook(TS_LUA_HOOK_READ_REQUEST_HDR, function()
    append(ts.client_request, 'X-Read-Order', 'closure')
  end)
  ts.hook(TS_LUA_HOOK_SEND_RESPONSE_HDR, function()
    append(ts.client_response, 'X-Send-Order', 'closure')
  end)
  return 0
end

function do_global_send_response()
  append(ts.client_response, 'X-Send-Order', 'global')
  return 0
end
