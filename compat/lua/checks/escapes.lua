-- String escapes and numerals: the patched Lua 5.1 must print what luajit prints.
local cases = {[["\?"]], [["\'\"\\"]], [["\/"]], [["ab\q"]], [["ab\x4g"]], [["\u{10FFFF}"]], [["\u{110000}"]], [["\u{D7FF}\u{E000}"]], [["\u{DFFF}"]], [["\u{0000041}"]], [["\u{7f}\u{80}\u{7ff}\u{800}\u{ffff}\u{10000}"]], [["\u{41"]], [["\u{g}"]], [["\x"]], [["\xAf"]], "'a\\\nb'", "'a\\z\n\n  b'", [["\z"]], [["\255\0\00x"]], [["ab\256"]], "'\\z  \\x41'"}
for i, s in ipairs(cases) do
  local f, e = loadstring("return " .. s, "=c")
  if f then local v = f() local b = {} for k = 1, #v do b[#b+1] = v:byte(k) end print(i, "ok", table.concat(b, " ")) else print(i, e) end
end
for i, s in ipairs({"return 1e+1", "return 0x1e+1", "return 0xep+1", "return 1.5e", "return 0x", "return .5", "return 5.", "return 0b101", "return 0B11", "return 0b102", "return 1é", "return 08", "return 1e1.5", "return 0x1p4.5", "local t = {} t.x1=2 return t.x1", "return 1..2", "return 0x1.8p1", "return 1_000", "return 3 .. 2"}) do
  local f, e = loadstring(s, "=c")
  if f then print(s, "ok", f()) else print(s, e) end
end
local f, e = loadstring("local caf\195\169 = 1 return caf\195\169") print(f and f() or e)
local f, e = loadstring("local \128x = 2 return \128x") print(f and f() or e)
