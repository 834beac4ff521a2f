-- Runs in every Lua state before the script: LuaJIT's extras, and the sandbox's limits made explicit.
-- Everything that cannot exist inside the wasm sandbox fails with "not supported by tswasm: <name>",
-- at the call (so at load time when a script uses it at its top level).

local function unsupported(name, why)
  return function()
    error("not supported by tswasm: " .. name .. " (" .. why .. ")", 2)
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

-- ts.http.intercept / server_intercept: the handler runs right after the hook that asked for it and
-- writes a complete raw HTTP response with ts.say; tswasm then serves it to the client (intercept) or
-- in place of the origin (server_intercept). ts.flush has nothing to flush: the response is sent whole.
local pending, said
local select, unpack, xpcall, traceback, concat = select, unpack, xpcall, debug.traceback, table.concat
local function intercept_with(kind)
  return function(handler, ...)
    if type(handler) ~= 'function' then
      error('bad argument #1 to intercept (function expected, got ' .. type(handler) .. ')', 2)
    end
    pending = { kind = kind, handler = handler, n = select('#', ...), ... }
  end
end
ts.http.intercept = intercept_with(0)
ts.http.server_intercept = intercept_with(1)
ts.say = function(data)
  if not said then error('ts.say is only available in an intercept handler', 2) end
  said[#said + 1] = tostring(data)
end
ts.flush = function() end

-- The guest calls this after every hook function: it runs a pending intercept handler and returns
-- the intercept kind and the response it wrote, or nothing. Called with `false` once after load, it
-- discards a handler asked for at the top level; one asked for inside a handler is discarded after
-- it: neither has a transaction to answer.
local function run_intercept(run)
  local p = pending
  pending = nil
  if not p or not run then return nil end
  said = {}
  local ok, err = xpcall(function() return p.handler(unpack(p, 1, p.n)) end, traceback)
  local response = concat(said)
  said, pending = nil, nil
  if not ok then error(err, 0) end
  return p.kind, response
end

-- Errors raised by tswasm's own (Rust) API functions reach scripts as strings with the caller's
-- "script.lua:LINE:" in front, exactly like tslua's C functions' errors, so code that inspects a
-- pcall error (string.match(err, ...)) keeps working.
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
    if type(v) == 'function' then
      t[k] = function(...) return pass(pcall(v, ...)) end
    elseif type(v) == 'table' then
      wrap_all(v)
    end
  end
end
wrap_all(ts)
wrap_all(bit)

return run_intercept
