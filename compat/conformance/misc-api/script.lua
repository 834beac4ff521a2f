local dir = ''
local greeter
function __init__(argtb)
  dir = string.match(argtb[0], '^(.*)/[^/]+$')
  ts.add_package_path(dir .. '/lib/?.lua')
  greeter = require 'greeter'
  return 0
end

function do_remap()
  local req = ts.client_request
  local ip, port, family = req.client_addr.get_addr()
  req.header['X-Client'] = ip .. ' ' .. port .. ' ' .. family
  req.header['X-Version'] = req.get_version()
  req.set_version('1.1')
  req.header['X-Remap-Urls'] = ts.http.get_remap_from_url() .. ' ' .. ts.http.get_remap_to_url()
  req.header['X-Greeting'] = greeter.greet('tswasm')
  req.header['X-Config-Dir'] = ts.get_config_dir()
  req.header['X-Uuid-Shape'] = tostring(string.match(ts.process.uuid(), '^%x+%-%x+%-4%x+%-[89ab]%x+%-%x+$') ~= nil)
  req.header['X-Uuid-Stable'] = tostring(ts.process.uuid() == ts.process.uuid())
  local ok, err = pcall(ts.fetch, 'http://example.com/')
  req.header['X-Fetch'] = string.match(err, 'not supported by tswasm: [%w%.]+')
  ts.hook(TS_LUA_HOOK_SEND_RESPONSE_HDR, function()
    ts.client_response.set_error_resp(503, 'maintenance\n')
  end)
  return 0
end
