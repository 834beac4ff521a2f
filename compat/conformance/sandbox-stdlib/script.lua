local here = ''
local settings = {}
function __init__(argtb)
  here = string.match(argtb[0], '^(.*)/[^/]+$')
  settings = dofile(here .. '/settings.lua')
  return 0
end

local function outcome(f, ...)
  local ok, err = pcall(f, ...)
  if ok then return 'ok' end
  return string.match(tostring(err), 'not supported by tswasm: [%w%.]+') or tostring(err)
end

function do_global_read_request()
  local h = ts.client_request.header
  h['X-Setting'] = settings.greeting
  h['X-Execute'] = outcome(os.execute, 'ls')
  h['X-Popen'] = outcome(io.popen, 'ls')
  h['X-Exit'] = outcome(os.exit, 1)
  h['X-Read-Outside'] = tostring(io.open('/etc/passwd', 'r'))
  h['X-Write-Inside'] = tostring(io.open(here .. '/new-file.txt', 'w'))
  h['X-Write-Config-Dir'] = tostring(io.open(ts.get_config_dir() .. '/tswasm-probe.txt', 'w'))
  h['X-Read-Beside'] = tostring(io.open(here .. '/../misc-api/script.lua', 'r'))
  local f = io.open(here .. '/settings.lua', 'r')
  h['X-Read-Inside'] = f and 'readable' or 'not readable'
  if f then f:close() end
  h['X-Jit'] = tostring(jit.status()) .. ',' .. type(jit.version)
  local started = os.clock()
  h['X-Clock'] = type(started) .. ',' .. tostring(started >= 0 and os.clock() >= started)
  h['X-Getenv'] = tostring(os.getenv('HOME'))
  return 0
end
