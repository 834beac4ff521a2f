-- goto and labels at run time and their errors: the patched Lua 5.1 must print what luajit prints.
-- continue in every loop kind, closures capturing per-iteration locals
local out = {}
for i = 1, 6 do
  local v = i * 10
  out[#out + 1] = function() return v end
  if i % 2 == 0 then goto continue end
  out[#out + 1] = function() return -v end
  ::continue::
end
local s = {} for _, f in ipairs(out) do s[#s + 1] = f() end print("for", table.concat(s, " "))

local i, acc = 0, {}
while i < 5 do
  i = i + 1
  local captured = i
  acc[#acc + 1] = function() return captured end
  if i == 3 then goto next end
  acc[#acc + 1] = function() return captured * 100 end
  ::next::
end
s = {} for _, f in ipairs(acc) do s[#s + 1] = f() end print("while", table.concat(s, " "))

local n, fs = 0, {}
repeat
  n = n + 1
  local x = n
  fs[#fs + 1] = function() return x end
  if n < 4 then goto cont end
  do break end
  ::cont::
until false
s = {} for _, f in ipairs(fs) do s[#s + 1] = f() end print("repeat", table.concat(s, " "))

for k, v in pairs({a = 1}) do
  if v == 1 then goto skip end
  print("not reached")
  ::skip::
end

-- backward goto re-creating a local each time round, captured by closures
local fns, j = {}, 1
::again::
local y = j
fns[j] = function() return y end
j = j + 1
if j <= 4 then goto again end
s = {} for _, f in ipairs(fns) do s[#s + 1] = f() end print("backward", table.concat(s, " "))

-- out of nested loops and blocks, with upvalues to close on the way
local keep = {}
for a = 1, 3 do
  for b = 1, 3 do
    local ab = a * 10 + b
    keep[#keep + 1] = function() return ab end
    if ab == 22 then goto done end
  end
end
::done::
s = {} for _, f in ipairs(keep) do s[#s + 1] = f() end print("nested", table.concat(s, " "))

-- a goto inside a nested function, its own labels
local function inner(t)
  local r = {}
  for _, v in ipairs(t) do
    if v < 0 then goto skip end
    r[#r + 1] = v
    ::skip::
  end
  return table.concat(r, ",")
end
print("inner", inner({1, -2, 3, -4, 5}))

-- goto as a name elsewhere
local goto = 7
local t = {goto = goto}
print("names", goto, t.goto)

-- many gotos to the same label, and labels shadowing outer ones
local hits = 0
do
  for q = 1, 10 do
    if q == 2 then goto out end
    if q == 3 then goto out end
    hits = hits + 1
  end
  ::out::
end
print("shared", hits)
local depth = 0
::l::
depth = depth + 1
do
  if depth < 3 then goto l end
end
print("outer label", depth)


-- errors with their lines
local errs = {
  "local a\n\ngoto nowhere\n",
  "do\n  goto x\n  local z = 1\n  ::x::\n  print(z)\nend",
  "::a::\n\n::a::",
  "for i=1,2 do\n goto continue\n local q = 1\n ::continue::\n q = 2\nend",
  "goto\n",
  "::1::",
  ":: a ::",
  "local x = 1 :: a",
}
for _, e in ipairs(errs) do print("error", select(2, loadstring(e, "=e"))) end

-- A goto takes the label of the innermost block that has one, even one further on; `goto goto`
-- is not a goto; many labels in a row are fine.
do
  local trail = {}
  local n = 0
  ::a::
  n = n + 1
  if n > 2 then trail[#trail + 1] = 'outer' else
    do
      goto a
      ::a::
      trail[#trail + 1] = 'inner ' .. n
    end
  end
  print('innermost', table.concat(trail, ','))
end
print('goto goto', select(2, loadstring('goto goto ::goto::', '=g')))
local many = {}
for i = 1, 150 do many[i] = '::l' .. i .. '::' end
print('labels in a row', (loadstring(table.concat(many, ' ') .. ' return "ok"', '=m'))())
