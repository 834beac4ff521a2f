-- Pushes two resources to an HTTP/2 client from the page's remap (one of them twice: a
-- connection gets a URL once), reporting the calls' results and argument errors in the page's
-- response. The pushed requests come back through the same rule, and push nothing.
local function show(ok, ...)
  local parts = { tostring(ok), select('#', ...) }
  for i = 1, select('#', ...) do
    parts[#parts + 1] = tostring((select(i, ...))):gsub('^.*: bad', 'bad')
  end
  return table.concat(parts, ',')
end

function do_remap()
  if ts.client_request.get_uri() ~= '/page' then
    return 0
  end
  local seen = {}
  seen[#seen + 1] = show(pcall(ts.http.server_push, 'https://push.test/style.css'))
  seen[#seen + 1] = show(pcall(ts.http.server_push, 'https://push.test/style.css'))
  seen[#seen + 1] = show(pcall(ts.http.server_push, 'https://other.test/app.js?v=1'))
  seen[#seen + 1] = show(pcall(ts.http.server_push))
  seen[#seen + 1] = show(pcall(ts.http.server_push, {}))
  local report = table.concat(seen, ' | ')
  ts.hook(TS_LUA_HOOK_SEND_RESPONSE_HDR, function()
    ts.client_response.header['X-Pushed'] = report
  end)
  return 0
end
