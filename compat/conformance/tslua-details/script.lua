-- Details where a port could easily differ from tslua.
local ctx = ts.ctx                     -- a reference kept at load time still reaches each transaction's ctx
ts.http.intercept(function() ts.say('HTTP/1.1 500 Wrong\r\n\r\n') end) -- no transaction: never served

local function caller_line()
  local ok, err = pcall(function() ts.fetch('http://x/') end)
  return string.match(err, 'script%.lua:(%d+): not supported by tswasm: ts%.fetch') or err
end

function do_remap()
  local req = ts.client_request
  req.header['X-Ctx-Before'] = tostring(ctx.mark)
  ctx.mark = 'set'
  req.header['X-Ctx-After'] = ts.ctx.mark
  req.header['X-Error-Line'] = caller_line()
  req.header['X-Latin1'] = '\233t\233'
  req.header['X-Latin1-Len'] = #req.header['X-Latin1']
  local before = package.path
  ts.add_package_path('/nowhere/?.lua')
  ts.add_package_path('/nowhere/?.lua')
  req.header['X-Path-Growth'] = #package.path - #before
  req.header['X-Md5-Nil'] = ts.md5(nil) == ts.md5('') and 'same' or 'different'
  req.header['X-Stat-Consts'] = TS_LUA_RECORDDATATYPE_INT .. ',' .. TS_LUA_STAT_PERSISTENT .. ',' .. TS_LUA_STAT_SYNC_COUNT
  return 0
end

function do_os_response()
  ts.server_response.header['X-Os-Response'] = 'ran'
  return 1 -- ignored by tslua: no error response
end
