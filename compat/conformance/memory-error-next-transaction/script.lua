-- A transaction that runs out of memory and catches the error leaves the next one nothing to pay:
-- what filled the memory is garbage once pcall returns, and the binding keeps a reserve to finish
-- the hook with. No collectgarbage() here (memory-error-catchable has one).
local served = 0

-- Small blocks, so memory fills up to the last few bytes, all of it garbage once this returns.
local function grow_forever()
  local list
  for i = 1, 1e9 do
    list = { next = list, i }
  end
end

function do_global_read_request()
  served = served + 1
  local ok, err = pcall(grow_forever)
  ts.client_request.header['X-Caught'] = tostring(not ok)
  ts.client_request.header['X-Error'] = tostring(err)
  ts.client_request.header['X-Served'] = served
  return 0
end
