-- tslua's text log objects. tslua.so reads the name from the second-to-last argument and the mode
-- from the third, so `ts.log:object_creat(name, mode)` is the call that works; object_write's text
-- is read as a printf format (`%%` is written `%`, a NUL ends it), one line per call, none for an
-- empty text. The argument errors are tslua.so's.
local function failure(f, ...)
  local ok, err = pcall(f, ...)
  return tostring(ok) .. ':' .. tostring(err):gsub('^.*: bad', 'bad')
end

function do_remap()
  local seen = {}
  seen['X-Write-Before'] = select('#', ts.log.object_write('nowhere'))
  seen['X-Two-Args'] = failure(ts.log.object_creat, 'conformance_text', 0)
  seen['X-No-Args'] = failure(ts.log.object_creat)
  seen['X-Name-Table'] = failure(ts.log.object_creat, nil, {}, 0)
  seen['X-Mode-Word'] = failure(ts.log.object_creat, nil, 'conformance_text', 'one')
  seen['X-Created'] = select('#', ts.log:object_creat('conformance_text', '0'))
  seen['X-Write-None'] = failure(ts.log.object_write)
  seen['X-Write-Table'] = failure(ts.log.object_write, {})
  ts.log.object_write('100%% sure')
  ts.log.object_write(42)
  ts.log.object_write('')
  ts.log.object_write('cut\0here')
  ts.log.object_write('extra', 'arguments')
  seen['X-Written'] = select('#', ts.log.object_write('last'))
  seen['X-Stamped'] = select('#', ts.log.object_creat(nil, 'conformance_stamped', 1.9))
  ts.log.object_write('with the time')
  seen['X-Destroyed'] = select('#', ts.log.object_destroy())
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
