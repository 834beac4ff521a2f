-- A hot loop for LuaJIT's trace compiler (the seed's reproduction in the report): run by Debian's
-- `luajit` with and without the hostile layout, with the JIT on and off.
local s = 0
for i = 1, 2000 do
  local t = {}
  for j = 1, 100 do t[j] = (j * i) % 7 end
  s = s + #t + string.len(tostring(i))
end
print(s)
