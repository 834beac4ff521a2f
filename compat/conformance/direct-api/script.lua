-- The per-request calls (compat/src/raw.rs) coerce values and raise errors as the rest of the API
-- does: tslua's plain strings with the caller's line in front, catchable by pcall.
local function caught(f)
  local ok, err = pcall(f)
  if ok then return 'no error' end
  return type(err) .. ' ' .. (string.match(err, 'script%.lua:(%d+): ') or err)
end

function do_remap()
  local req = ts.client_request
  req.header['X-Table-Value'] = caught(function() req.header['X-T'] = {} end)
  req.header['X-Nil-Uri'] = caught(function() req.set_uri(nil) end)
  req.header['X-Bad-Status'] = caught(function() ts.server_response.set_status('abc') end)
  local _, message = pcall(req.set_uri)
  req.header['X-Message'] = message
  req.header['X-Float'] = 1.5
  req.header['X-Method'] = req.get_method()
  req.header['X-No-Status-Yet'] = tostring(ts.server_response.get_status() == nil)
  req.header['X-No-Lookup-Yet'] = tostring(ts.http.get_cache_lookup_status() == nil)
  req.set_uri(12345)
  req.header['X-Uri'] = req.get_uri()
  ts.hook(TS_LUA_HOOK_SEND_RESPONSE_HDR, function()
    ts.client_response.set_status('201')
    ts.client_response.header['X-Status'] = ts.client_response.get_status()
    ts.client_response.header['X-Lookup'] = ts.http.get_cache_lookup_status()
  end)
  return 0
end
