-- Where tswasm differs from tslua.so by design (MIGRATING.md): a nil or out-of-range mode raises
-- an error pcall catches (tslua.so fails the whole hook), a name that is not a plain file name is
-- refused (tslua.so hands it to Traffic Server, which crashes on an empty one), a process keeps
-- at most 64 logs open, a log opened again keeps its first mode, and a destroyed log takes no
-- more lines.
local function failure(f, ...)
  local ok, err = pcall(f, ...)
  return tostring(ok) .. ':' .. tostring(err):gsub('^runtime error: ', '')
end

function do_remap()
  local seen = {}
  seen['X-Nil-Mode'] = failure(ts.log.object_creat, nil, 'x', nil)
  seen['X-Big-Mode'] = failure(ts.log.object_creat, nil, 'x', 4)
  seen['X-Negative-Mode'] = failure(ts.log.object_creat, nil, 'x', -1)
  seen['X-Path'] = failure(ts.log.object_creat, nil, '../escape', 0)
  seen['X-Empty'] = failure(ts.log.object_creat, nil, '', 0)
  seen['X-Hidden'] = failure(ts.log.object_creat, nil, '.hidden', 0)
  local opened = 0
  for i = 1, 70 do
    if pcall(ts.log.object_creat, nil, 'many' .. i, 0) then
      opened = opened + 1
    end
  end
  seen['X-Opened'] = opened
  seen['X-One-More'] = failure(ts.log.object_creat, nil, 'one_more', 0)
  ts.log:object_creat('many1', 1)
  ts.log.object_write('first mode kept')
  ts.log.object_destroy()
  ts.log.object_write('after destroy')
  ts.log.object_destroy()
  seen['X-Reopened'] = failure(ts.log.object_creat, nil, 'one_more', 0)
  -- In name order: the two Luas iterate a table in different orders.
  local names = {}
  for name in pairs(seen) do
    names[#names + 1] = name
  end
  table.sort(names)
  for _, name in ipairs(names) do
    ts.client_request.header[name] = seen[name]
  end
  return 0
end
