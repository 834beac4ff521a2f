-- A script that catches running out of memory but keeps what filled it leaves its state unable to
-- serve anyone: the state is given up at the end of that transaction's hook (a memory-cap fault of
-- that transaction), and the next transaction gets a fresh state instead of the fault.
local served = 0
hoard = nil

-- Small blocks, so memory fills up to the last few bytes.
local function grow_forever()
  for i = 1, 1e9 do
    hoard = { next = hoard, i }
  end
end

function do_global_read_request()
  served = served + 1
  if ts.http.id() == 1 then
    pcall(grow_forever)
  end
  ts.client_request.header['X-Served'] = served
  return 0
end
