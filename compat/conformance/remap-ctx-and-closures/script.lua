jit.off(true, true)

local function send_response()
  ts.client_response.header['X-Rhost'] = ts.ctx['rhost']
  ts.client_response.header['X-Seen-Agent'] = ts.ctx.agent
  return 0
end

function do_remap()
  local captured = 'captured-' .. ts.client_request.get_method()
  ts.ctx['rhost'] = string.reverse(ts.client_request.header.Host)
  ts.ctx.agent = ts.client_request.header['user-agent']
  ts.hook(TS_LUA_HOOK_SEND_RESPONSE_HDR, send_response)
  ts.hook(TS_LUA_HOOK_READ_RESPONSE_HDR, function()
    ts.server_response.header['X-Closure'] = captured
  end)
  return 0
end
