-- Running out of memory is a Lua error the script can catch, as in tslua, and the state lives on:
-- the second transaction sees the first one's count.
local served = 0

local function grow_forever()
  local t = {}
  for i = 1, 1e9 do
    t[i] = i
  end
end

function do_global_read_request()
  served = served + 1
  local ok, err = pcall(grow_forever)
  collectgarbage()
  ts.client_request.header['X-Caught'] = tostring(not ok)
  ts.client_request.header['X-Error'] = tostring(err)
  ts.client_request.header['X-Served'] = served
  return 0
end
