-- The client request's raw header block: each field as received, in order and spelled as sent,
-- the blank line, and (as tslua.so 9.2 gives it) the terminating NUL byte.
local function bytes(s)
  local out = {}
  for i = 1, #s do out[i] = s:byte(i) end
  return table.concat(out, ' ')
end

function do_remap()
  local block = ts.client_request.get_header_block()
  local h = ts.client_request.header
  h['X-Block'] = bytes(block)
  h['X-Block-Ends'] = bytes(block:sub(-5))
  return 0
end
