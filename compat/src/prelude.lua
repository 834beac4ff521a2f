-- Runs in every Lua state before the script: LuaJIT's extras, and the sandbox's limits made explicit.
-- Everything that cannot exist inside the wasm sandbox fails with "not supported by tswasm: <name>",
-- at the call (so at load time when a script uses it at its top level).

-- The base functions this prelude's functions call, as they are now: a script may change the base
-- globals (getfenv(0)), never these.
local type, error, tostring, select, unpack, pairs, ipairs = type, error, tostring, select, unpack, pairs, ipairs
local rawget, rawset, setmetatable, pcall, xpcall = rawget, rawset, setmetatable, pcall, xpcall

local function unsupported(name, why)
  return function()
    error("not supported by tswasm: " .. name .. " (" .. why .. ")", 2)
  end
end

-- The debug library, but for what reaches the binding's own state, which scripts could otherwise
-- change for every later transaction of the state: the registry (the guest's references), and the
-- upvalues, locals, environments and metatables of the binding's functions and objects (this
-- prelude's, and every C function). A script keeps all of it for its own functions and tables.
do
  local d = debug
  local getinfo, getlocal, setlocal = d.getinfo, d.getlocal, d.setlocal
  local getmetatable, setmetatable = d.getmetatable, d.setmetatable
  local running = coroutine.running
  local ours_source = { ["=tswasm prelude"] = true, ["=tswasm"] = true }
  local function ours(f)
    if type(f) ~= "function" then return false end
    local info = getinfo(f, "S")
    return info.what == "C" or ours_source[info.source] == true
  end
  -- `level`: the script's frame, counted from here (default: the caller of a wrapper).
  local function refuse(name, level)
    error("not supported by tswasm: " .. name .. " on the binding's own functions and objects", level or 3)
  end
  -- Whether the frame a caller names by `level` (from its own frame, as Lua counts) runs one of
  -- the binding's functions. `depth` is how many frames of ours lie between the caller and here.
  local function frame_is_ours(level, depth)
    local info = getinfo(level + depth + 1, "f")
    return info ~= nil and ours(info.func)
  end
  -- A function taking `[thread,] level, ...`: a level on another thread is that thread's own;
  -- on the running one (also when named), it counts from the caller, one frame out from here.
  local function on_stack(name, real)
    local wrapper
    wrapper = function(a, ...)
      if type(a) == "thread" and a == running() then return wrapper(...) end
      if type(a) == "thread" then
        local level = ...
        if type(level) == "number" then
          local info = getinfo(a, level, "f")
          if info ~= nil and ours(info.func) then refuse(name) end
        elseif ours(level) then
          refuse(name)
        end
        return real(a, ...)
      end
      if type(a) == "function" then
        if ours(a) then refuse(name) end
        return real(a, ...)
      end
      if type(a) == "number" then
        if frame_is_ours(a, 1) then refuse(name) end
        return real(a + 1, ...)
      end
      return real(a, ...)
    end
    return wrapper
  end
  d.getregistry = unsupported("debug.getregistry", "the registry holds the binding's own state")
  for _, name in ipairs({ "getupvalue", "setupvalue", "upvalueid", "getfenv", "setfenv" }) do
    local real = d[name]
    if real then
      d[name] = function(f, ...)
        if ours(f) then refuse("debug." .. name) end
        return real(f, ...)
      end
    end
  end
  local upvaluejoin = d.upvaluejoin
  if upvaluejoin then
    d.upvaluejoin = function(f1, n1, f2, n2)
      if ours(f1) or ours(f2) then refuse("debug.upvaluejoin") end
      return upvaluejoin(f1, n1, f2, n2)
    end
  end
  d.getlocal = on_stack("debug.getlocal", getlocal)
  d.setlocal = on_stack("debug.setlocal", setlocal)
  -- getinfo keeps working everywhere, but does not hand out the binding's functions.
  local function hide(info)
    if info and info.func ~= nil and ours(info.func) then info.func = nil end
    return info
  end
  d.getinfo = function(a, ...)
    if type(a) == "thread" and a == running() then return d.getinfo(...) end
    if type(a) == "number" then return hide(getinfo(a + 1, ...)) end
    if type(a) == "function" then return getinfo(a, ...) end
    return hide(getinfo(a, ...))
  end
  -- The base library's environment functions, guarded alike: a level counts from the caller, one
  -- frame out from here; 0 is the thread's global environment.
  local getfenv, setfenv = getfenv, setfenv
  local function env_target(name, f)
    if type(f) ~= "number" then
      if ours(f) then refuse(name, 4) end
      return f
    end
    if f > 0 and frame_is_ours(f, 2) then refuse(name, 4) end
    return f > 0 and f + 1 or f
  end
  _G.getfenv = function(f)
    return getfenv(env_target("getfenv", f == nil and 1 or f))
  end
  _G.setfenv = function(f, t)
    return setfenv(env_target("setfenv", f), t)
  end
  -- A protected metatable (the binding protects its own) reads as base getmetatable reads it;
  -- metatables shared by a whole type (strings, numbers, functions...) stay as they are.
  d.getmetatable = function(v)
    local mt = getmetatable(v)
    if type(mt) == "table" and rawget(mt, "__metatable") ~= nil then return rawget(mt, "__metatable") end
    return mt
  end
  d.setmetatable = function(v, mt)
    if type(v) ~= "table" then refuse("debug.setmetatable of a " .. type(v)) end
    local old = getmetatable(v)
    if type(old) == "table" and rawget(old, "__metatable") ~= nil then refuse("debug.setmetatable") end
    return setmetatable(v, mt)
  end
end

-- LuaJIT's `jit` module: scripts carry jit.off(true, true) as a workaround for the JIT's mmap storm;
-- there is no JIT here, so these are harmless no-ops.
local noop = function() end
jit = {
  on = noop, off = noop, flush = noop,
  status = function() return false end,
  version = "LuaJIT 2.1.0-beta3 compatible (tswasm: Lua 5.1 interpreter, no JIT)",
  version_num = 20100,
  os = "Linux", arch = "wasm32",
  opt = { start = noop },
}
package.loaded.jit = jit
package.loaded.bit = bit

package.preload.ffi = unsupported("ffi", "LuaJIT's FFI calls native code, which the wasm sandbox cannot")

-- C modules: no native code can be loaded. Lua modules load from granted directories only (WASI).
package.loadlib = unsupported("package.loadlib", "C modules cannot load in the wasm sandbox")
local loaders = package.loaders
loaders[3] = function(name) return "\n\tno C module '" .. name .. "' (not supported by tswasm: C modules)" end
loaders[4] = loaders[3]
rawset(package, "cpath", nil)
setmetatable(package, {
  __metatable = false,
  __index = function(_, key) if key == "cpath" then return "" end end,
  __newindex = function(t, key, value)
    if key == "cpath" then
      error("not supported by tswasm: package.cpath (C modules cannot load in the wasm sandbox)", 2)
    end
    rawset(t, key, value)
  end,
})

-- No processes, no environment changes, no writable files.
os.execute = unsupported("os.execute", "no processes in the sandbox")
os.exit = unsupported("os.exit", "a plugin cannot stop the proxy")
os.remove = unsupported("os.remove", "granted directories are read-only")
os.rename = unsupported("os.rename", "granted directories are read-only")
os.tmpname = unsupported("os.tmpname", "no writable files in the sandbox")
io.popen = unsupported("io.popen", "no processes in the sandbox")
io.tmpfile = unsupported("io.tmpfile", "no writable files in the sandbox")

-- What the guest (compat/src/dispatch.rs) and the functions below share about the entry point or
-- closure running now: its context's tables (tslua's http_ctx: `ts.ctx`'s table, and the `env` where
-- `ts.hook` keeps the closures it registers; made on first use, since most calls need neither),
-- whether a call is running, whether it registered closures, and an intercept it asked for. An array
-- of fixed size whose slots are never nil, so the guest can write it without allocating.
local ENV, CTX, IN_CALL, HOOKED, PENDING = 1, 2, 3, 4, 5
local now = { false, false, false, false, false }

-- ts.http.intercept / server_intercept: the handler runs right after the hook that asked for it and
-- writes a complete raw HTTP response with ts.say; tswasm then serves it to the client (intercept) or
-- in place of the origin (server_intercept). ts.flush has nothing to flush: the response is sent whole.
local said
local select, unpack, xpcall, traceback, concat = select, unpack, xpcall, debug.traceback, table.concat
local function intercept_with(kind)
  return function(handler, ...)
    if type(handler) ~= 'function' then
      error('bad argument #1 to intercept (function expected, got ' .. type(handler) .. ')', 2)
    end
    now[PENDING] = { kind = kind, handler = handler, n = select('#', ...), ... }
  end
end
ts.http.intercept = intercept_with(0)
ts.http.server_intercept = intercept_with(1)
ts.say = function(data)
  if not said then error('ts.say is only available in an intercept handler', 2) end
  said[#said + 1] = tostring(data)
end
ts.flush = function() end

-- Runs a pending intercept handler and returns the intercept kind and the response it wrote, or
-- nothing. Called with `false` once after load, it discards a handler asked for at the top level;
-- one asked for inside a handler is discarded after it: neither has a transaction to answer.
local function run_intercept(run)
  local p = now[PENDING]
  now[PENDING] = false
  if not p or not run then return nil end
  said = {}
  local ok, err = xpcall(function() return p.handler(unpack(p, 1, p.n)) end, traceback)
  local response = concat(said)
  said, now[PENDING] = nil, false
  if not ok then error(err, 0) end
  return p.kind, response
end

local rawget, rawset, setmetatable, pcall = rawget, rawset, setmetatable, pcall
ts.ctx = setmetatable({}, {
  __metatable = false,
  __index = function(_, key)
    local ctx = now[CTX]
    if ctx then return rawget(ctx, key) end
  end,
  __newindex = function(_, key, value)
    if not now[IN_CALL] then error('ts.ctx can only be written during a transaction', 2) end
    local ctx = now[CTX]
    if not ctx then
      ctx = {}
      now[CTX] = ctx
    end
    rawset(ctx, key, value)
  end,
})
local add_hook = ts.hook
local TXN_CLOSE = TS_LUA_HOOK_TXN_CLOSE
ts.hook = function(id, f)
  if not now[IN_CALL] then return add_hook(id, f, nil) end
  -- The closures share this call's ts.ctx, so it must outlive the call too.
  now[ENV] = now[ENV] or {}
  now[CTX] = now[CTX] or {}
  add_hook(id, f, now[ENV])
  -- As tslua.so counts them: a txn-close closure alone keeps nothing (see finish).
  if id ~= TXN_CLOSE then now[HOOKED] = true end
end

-- Contexts kept for transactions, by the id the guest gives them: do_remap's (do_os_response and
-- the closures share it) and those of calls that registered closures.
local envs, ctxs = {}, {}

-- The guest calls this after an entry point or closure ran in context `id`, if the call left
-- something to do: runs a pending intercept handler (still in the call's context), then keeps the
-- context under `id` if it has a table and `always`, or if the call registered closures. Returns
-- whether the context is kept, and run_intercept's pcall results.
local function finish(id, always)
  local served, kind, response = true, nil, nil
  if now[PENDING] then served, kind, response = pcall(run_intercept, true) end
  local env, ctx = now[ENV], now[CTX]
  -- tslua.so releases an entry point's context when it returns unless it added a hook other than
  -- txn-close, and a txn-close closure registered alone then never runs.
  if env and not now[HOOKED] and envs[id] == nil then env.do_txn_close = nil end
  local kept = (env or ctx) and (always or now[HOOKED]) and true or false
  if kept then envs[id], ctxs[id] = env or nil, ctx or nil end
  return kept, served, kind, response
end

-- The guest calls this when a transaction that kept context `id` closes.
local function forget(id)
  envs[id], ctxs[id] = nil, nil
end

-- Errors raised by tswasm's own (Rust) API functions reach scripts as strings with the caller's
-- "script.lua:LINE:" in front, exactly like tslua's C functions' errors, so code that inspects a
-- pcall error (string.match(err, ...)) keeps working. The functions in `direct` (compat/src/raw.rs,
-- the per-request calls) raise such strings themselves; the others get a wrapper.
local direct = ...
local pcall, error, tostring, type, pairs = pcall, error, tostring, type, pairs
local function pass(ok, ...)
  if ok then return ... end
  local err = ...
  if type(err) ~= 'string' then err = tostring(err) end
  -- mlua appends a Rust-side traceback; tslua's errors are the message alone.
  err = err:gsub('^runtime error: ', ''):gsub('\nstack traceback:.*$', '')
  -- Level 3: `pass` runs as a tail call of the wrapper, so the script's frame is one further up.
  error(err, 3)
end
local wrapped = {}
local function wrap_all(t)
  if wrapped[t] then return end
  wrapped[t] = true
  for k, v in pairs(t) do
    if type(v) == 'function' and not direct[v] then
      t[k] = function(...) return pass(pcall(v, ...)) end
    elseif type(v) == 'table' then
      wrap_all(v)
    end
  end
end
wrap_all(ts)
wrap_all(bit)

return {
  now = now, envs = envs, ctxs = ctxs, finish = finish, forget = forget,
  run_intercept = run_intercept, traceback = traceback, tostring = tostring,
}
