-- The debug library cannot reach the binding's own state, which would let a script break it for
-- every later transaction of its state: the registry, the upvalues of the binding's functions,
-- its metatables, the metatables a whole type shares. A script's own functions and tables keep
-- the whole library.
local function try(f)
  local ok, err = pcall(f)
  if ok then return 'allowed' end
  local refused = string.match(tostring(err), 'not supported by tswasm: [%w%._ ]+')
  return refused and (refused:gsub('%s+$', '')) or tostring(err)
end

function do_global_read_request()
  local h = ts.client_request.header
  h['X-Registry'] = try(function() return debug.getregistry() end)
  h['X-Hook-Upvalue'] = try(function() return debug.getupvalue(ts.hook, 1) end)
  h['X-C-Upvalue'] = try(function() return debug.setupvalue(ts.now, 1, nil) end)
  h['X-Join'] = try(function() debug.upvaluejoin(function() return h end, 1, ts.hook, 1) end)
  h['X-Ctx-Mt'] = tostring(getmetatable(ts.ctx)) .. ',' .. tostring(debug.getmetatable(ts.ctx))
  h['X-Header-Mt'] = tostring(getmetatable(h))
  h['X-Set-Ctx-Mt'] = try(function() debug.setmetatable(ts.ctx, nil) end)
  h['X-String-Mt'] = try(function() debug.setmetatable('', {}) end)
  local secret = 'mine'
  local own = function() return secret end
  h['X-Own-Upvalue'] = select(2, debug.getupvalue(own, 1))
  local mt = {}
  h['X-Own-Mt'] = tostring(debug.getmetatable(setmetatable({}, mt)) == mt)
  h['X-Local'] = (debug.getlocal(1, 1))
  -- The running coroutine named as the thread, from a line hook sitting on a binding frame.
  h['X-Running-Thread'] = try(function()
    local co = coroutine.create(function()
      return debug.getlocal(coroutine.running(), 1, 1)
    end)
    local ok, name = coroutine.resume(co)
    return assert(ok and name == nil or name)
  end)
  h['X-Fenv-Binding'] = try(function() return getfenv(ts.hook) end)
  h['X-Fenv-Own'] = tostring(getfenv(1) == getfenv(own))
  local _, where = pcall(function() local env = getfenv(ts.hook); return env end)
  h['X-Refusal-Where'] = tostring(string.match(where, 'script%.lua:%d+:') ~= nil)
  -- After all that the binding works as before.
  ts.ctx.mark = 'kept'
  ts.hook(TS_LUA_HOOK_SEND_RESPONSE_HDR, function()
    ts.client_response.header['X-Ctx-Mark'] = ts.ctx.mark
  end)
  return 0
end
