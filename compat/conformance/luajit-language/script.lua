-- LuaJIT 2.1's language, which tslua scripts are written in: each header is one feature's result
-- (the expected values are LuaJIT's; the differential test checks them against tslua.so).

local function bytes(s)
  local out = {}
  for i = 1, #s do out[i] = s:byte(i) end
  return table.concat(out, ' ')
end

-- The load error of `source`, with the chunk name LuaJIT and Lua both give loadstring's chunks.
local function load_error(source)
  local f, err = loadstring(source)
  return f and 'loaded' or err
end

local results = {}

-- goto as `continue`, in every kind of loop; closures keep their own iteration's locals.
local odd = {}
for i = 1, 6 do
  if i % 2 == 0 then goto continue end
  odd[#odd + 1] = i
  ::continue::
end
results['X-Goto-Continue'] = table.concat(odd, ',')

local closures, n = {}, 0
while n < 3 do
  n = n + 1
  local mine = n
  closures[n] = function() return mine end
  if mine < 3 then goto next end
  ::next::
end
results['X-Goto-Closures'] = closures[1]() .. closures[2]() .. closures[3]()

local again, made = 0, {}
::top::
again = again + 1
local captured = again * 10
made[again] = function() return captured end
if again < 3 then goto top end
results['X-Goto-Backward'] = made[1]() .. ',' .. made[2]() .. ',' .. made[3]()

for a = 1, 3 do
  for b = 1, 3 do
    if a * b == 4 then
      results['X-Goto-Nested'] = a .. 'x' .. b
      goto found
    end
  end
end
::found::

local r = 0
repeat
  r = r + 1
  if r < 3 then goto cont end
  do break end
  ::cont::
until false
results['X-Goto-Repeat'] = r

-- `goto` is still a name where no label name follows it.
local goto = 'a name'
local t = { goto = goto }
results['X-Goto-As-Name'] = t.goto

results['X-Goto-Undefined'] = load_error('goto nowhere')
results['X-Goto-Into-Scope'] = load_error('goto skip local x = 1 ::skip:: print(x)')
results['X-Goto-Duplicate'] = load_error('::a:: ::a::')
results['X-Goto-Other-Function'] = load_error('::out:: local f = function() goto out end')

-- String escapes: \x, \z, \u{...}; anything else after a backslash is an error.
results['X-Escape-Hex'] = bytes('\x41\x7a\xff')
results['X-Escape-Z'] = 'one\z
                         two'
results['X-Escape-Unicode'] = bytes('\u{41}\u{e9}\u{20AC}\u{10FFFF}')
results['X-Escape-Invalid'] = load_error('return "\\q"')
results['X-Escape-Surrogate'] = load_error('return "\\u{D800}"')
results['X-Escape-Too-Large'] = load_error('return "\\256"')

-- Numerals: hexadecimal fractions and binary exponents, binary literals, malformed ones.
results['X-Hex-Float'] = table.concat({ 0x1p4, 0x.8, 0xA.8p1, 0x1P-2, 0x1e+1 }, ',')
results['X-Binary'] = 0b101 + 0B11
results['X-Malformed'] = load_error('return 0x1p')

-- Bytes 0x80 and above are letters in names (UTF-8 identifiers).
local café = 'accents'
results['X-Utf8-Name'] = café

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
