-- LuaJIT 2.1's library additions to Lua 5.1, which tslua scripts use: each header is one
-- function's result (the expected values are LuaJIT's; the differential test checks them against
-- tslua.so).

local here = string.match(debug.getinfo(1, 'S').source, '^@(.*)/[^/]+$')

local function bytes(s)
  local out = {}
  for i = 1, #s do out[i] = s:byte(i) end
  return table.concat(out, ' ')
end

local function pack(...)
  return { n = select('#', ...), ... }
end

-- Every result of a call, as text (errors too).
local function show(f, ...)
  local r = pack(pcall(f, ...))
  local parts = {}
  for i = 2, r.n do parts[#parts + 1] = tostring(r[i]) end
  return (r[1] and '' or 'error: ') .. table.concat(parts, ',')
end

local results = {}

-- Base library.
results['X-Xpcall-Args'] = show(xpcall, function(a, b) return a + b end, debug.traceback, 20, 22)
results['X-Load-String'] = show(function() return load('return 6 * 7')() end)
results['X-Load-Env'] = show(function() return load('return x', 'chunk', 't', { x = 'from env' })() end)
results['X-Load-Mode'] = show(load, 'return 1', 'chunk', 'b')
results['X-Loadstring-Is-Load'] = tostring(loadstring == load)
results['X-Loadfile-Env'] = show(function()
  return loadfile(here .. '/data-chunk.lua', 't', { value = 'loaded with env' })()
end)
results['X-Collectgarbage'] = show(collectgarbage, 'isrunning')
results['X-Isyieldable'] = show(coroutine.isyieldable) .. ';' ..
  tostring(select(2, coroutine.resume(coroutine.create(function() return coroutine.isyieldable() end))))
results['X-Tostring-Specials'] = table.concat({ tostring(1 / 0), tostring(-1 / 0), tostring(0 / 0),
  tostring(-(0 / 0)), tostring(-0.0), tostring(10 / 2), tostring(2 ^ 53) }, ',')
results['X-Tonumber'] = table.concat({ tostring(tonumber('0x1p4')), tostring(tonumber('inf')),
  tostring(tonumber('nan')), tostring(tonumber('0b101')), tostring(tonumber(' 10 ')),
  tostring(tonumber('1e')), tostring(tonumber('0x')) }, ',')
results['X-Unpack-Setfenv'] = type(unpack) .. ',' .. type(setfenv) .. ',' .. type(getfenv)

-- String library.
results['X-Rep-Sep'] = string.rep('ab', 3, '-') .. '|' .. string.rep('x', 1, '-') .. '|' .. string.rep('x', 0, '-')
results['X-Format-Q'] = bytes(string.format('%q', 'a\nb\0c\r\1' .. '9"\\'))
results['X-Format-A'] = string.format('%a', 1) .. ',' .. string.format('%A', 0.5)
results['X-Format-S'] = string.format('%s|%5s|%-3s|', setmetatable({}, { __tostring = function() return 'T' end }), nil, true)
results['X-Format-D'] = string.format('%d %i %x %X %o', 2 ^ 40, -7, 2 ^ 40, 255, 8)
results['X-Format-D-Frac'] = show(string.format, '%d', 3.7)
results['X-Format-C-Nul'] = bytes(string.format('%c%c', 0, 65))
results['X-Pattern-G'] = tostring(string.find('  x', '%g')) .. ',' .. (string.gsub('a b\tc', '%G', '_'))
results['X-Gfind'] = type(string.gfind)

-- Math and table libraries.
results['X-Log-Base'] = table.concat({ math.log(8, 2), math.log(100, 10), math.log(1) }, ',')
results['X-Random-Range'] = show(math.random, 3, 3) .. ';' .. (pcall(math.random, 2, 1) and 'no error' or 'error')
results['X-Math-Mod'] = type(math.mod) .. ',' .. type(math.fmod) .. ',' .. type(math.pow)
results['X-Table-New'] = show(function()
  local new = require 'table.new'
  local t = new(4, 2)
  t[1] = 'x'
  return type(new), #t, type(table.new)
end)
results['X-Table-Clear'] = show(function()
  local clear = require 'table.clear'
  local t = { 1, 2, a = 3 }
  local same = t
  clear(t)
  return next(t) == nil, rawequal(t, same)
end)
results['X-Table-Move'] = show(function()
  local t = table.move({ 1, 2, 3 }, 1, 3, 2)
  local other = table.move({ 'a', 'b' }, 1, 2, 1, {})
  return table.concat(t, ','), table.concat(other, ',')
end)
results['X-Table-Compat'] = type(table.getn) .. ',' .. type(table.maxn) .. ',' .. type(table.foreach) .. ',' .. type(table.setn)

-- Package and debug libraries.
results['X-Searchpath'] = show(function()
  local found = package.searchpath('data', here .. '/?.txt')
  local missing, err = package.searchpath('nothing', here .. '/?.none')
  local shown = err:gsub(here:gsub('%p', '%%%0'), 'HERE'):gsub('%c', ' '):match('^%s*(.-)%s*$')
  return found == here .. '/data.txt', missing, shown
end)
results['X-Upvalue-Id'] = show(function()
  local a, b = 1, 2
  local function f() return a end
  local function g() return a end
  local function h() return b end
  return debug.upvalueid(f, 1) == debug.upvalueid(g, 1), debug.upvalueid(f, 1) == debug.upvalueid(h, 1)
end)
results['X-Upvalue-Join'] = show(function()
  local a, b = 'a', 'b'
  local function f() return a end
  local function g() return b end
  debug.upvaluejoin(f, 1, g, 1)
  return f()
end)
results['X-Getinfo-Params'] = show(function()
  local info = debug.getinfo(function(x, y, ...) end, 'u')
  return info.nups, info.nparams, info.isvararg
end)

-- I/O formats without the leading '*'.
results['X-Read-Formats'] = show(function()
  local f = assert(io.open(here .. '/data.txt'))
  local a = f:read('l')
  local b = f:read('L')
  local n = f:read('n')
  local rest = f:read('a')
  f:close()
  return a, bytes(b), n, bytes(rest)
end)
results['X-Lines-Formats'] = show(function()
  local out = {}
  for line in io.lines(here .. '/data.txt', 'L') do out[#out + 1] = #line end
  return table.concat(out, ',')
end)

-- In name order: the order of pairs() is not the same in LuaJIT.
local names = {}
for name in pairs(results) do
  names[#names + 1] = name
end
table.sort(names)

function do_global_read_request()
  local h = ts.client_request.header
  for _, name in ipairs(names) do
    h[name] = results[name]
  end
  return 0
end
