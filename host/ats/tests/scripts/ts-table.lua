-- Answers every request with tslua's API as this plugin has it: one line per entry of the `ts`
-- table (recursively: `ts.http.set_resp function`) and per TS_* constant with its value. With the
-- argument `probe`, each function is also called without arguments, and one that answers "not
-- supported by tswasm" is listed as `unsupported`: only for tswasm, whose calls cannot harm the
-- proxy (some of tslua.so's stop Traffic Server when called out of place).
local probe = false

-- Calls with effects on this transaction's answer, never probed.
local unprobed = {
  ['ts.http.intercept'] = true,
  ['ts.http.server_intercept'] = true,
  ['ts.hook'] = true,
  ['ts.say'] = true,
  ['ts.flush'] = true,
}

local function kind(name, value)
  if type(value) == 'function' and probe and not unprobed[name] then
    local ok, err = pcall(value)
    if not ok and tostring(err):find('not supported by tswasm', 1, true) then
      return 'function unsupported'
    end
  end
  return type(value)
end

local function walk(lines, prefix, t, seen)
  seen[t] = true
  for key, value in pairs(t) do
    local name = prefix .. '.' .. tostring(key)
    if type(value) == 'table' and not seen[value] then
      lines[#lines + 1] = name .. ' table'
      walk(lines, name, value, seen)
    elseif type(value) == 'table' then
      lines[#lines + 1] = name .. ' table (seen)'
    else
      lines[#lines + 1] = name .. ' ' .. kind(name, value)
    end
  end
end

local function list()
  local lines = {}
  walk(lines, 'ts', ts, {})
  -- The constants: in the script's environment or what it falls back to.
  local constants, env = {}, getfenv(1)
  while type(env) == 'table' do
    for key, value in pairs(env) do
      if type(key) == 'string' and key:match('^TS_') and constants[key] == nil then
        constants[key] = value
        lines[#lines + 1] = key .. ' = ' .. tostring(value)
      end
    end
    local meta = getmetatable(env)
    env = meta and meta.__index
  end
  table.sort(lines)
  return table.concat(lines, '\n') .. '\n'
end

function __init__(argtb)
  probe = argtb[1] == 'probe'
  return 0
end

function do_remap()
  local listing = list()
  ts.http.intercept(function()
    ts.say('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ' .. #listing .. '\r\n\r\n')
    ts.say(listing)
  end)
  return 0
end
