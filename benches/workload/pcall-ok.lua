-- Baseline of pcall.lua: the same 100 protected calls, none raising.
local pass = function() end
function do_remap()
  for _ = 1, 100 do pcall(pass) end
  return 0
end
