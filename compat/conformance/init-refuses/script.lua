local HOST = ''
local SCRIPT = ''
function __init__(argtb)
  if #argtb < 2 then
    return -1
  end
  SCRIPT = string.match(argtb[0], '[^/]+$')
  HOST = argtb[1] .. '/' .. argtb[2]
  return 0
end
function do_remap()
  ts.client_request.header['X-Init'] = SCRIPT .. ' ' .. HOST
  return 0
end
