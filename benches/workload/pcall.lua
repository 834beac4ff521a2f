-- Benchmark: the cost of a Lua error caught by pcall (100 per transaction; the report divides).
local fail = function() error('boom') end
function do_remap()
  for _ = 1, 100 do pcall(fail) end
  return 0
end
