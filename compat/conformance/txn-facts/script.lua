-- Facts about the transaction and its connections, with tslua's return conventions, at remap and
-- at send-response (values that change from run to run are compared, not shown).
local function swapped(port)
  return (port % 256) * 256 + math.floor(port / 256)
end

local function facts(h, at)
  local ip, port, family = ts.client_request.client_addr.get_addr()
  h['X-Ip-' .. at] = ts.client_request.client_addr.get_ip()
  -- tslua.so 9.2 swaps the port's bytes in get_port (not in get_addr).
  h['X-Port-Swapped-' .. at] = tostring(ts.client_request.client_addr.get_port() == swapped(port))
  local sip, sport, sfamily = ts.http.get_ssn_remote_addr()
  h['X-Ssn-Remote-' .. at] = sip .. ',' .. tostring(sport == port) .. ',' .. sfamily
  h['X-Websocket-' .. at] = tostring(ts.http.is_websocket())
  h['X-Txn-Count-' .. at] = ts.http.transaction_count()
  h['X-Server-State-' .. at] = ts.http.get_server_state()
  local errors = {}
  for _, f in ipairs({ ts.http.get_client_received_error, ts.http.get_client_sent_error,
                       ts.http.get_server_received_error, ts.http.get_server_sent_error }) do
    local class, code = f()
    errors[#errors + 1] = class .. ':' .. code
  end
  h['X-Errors-' .. at] = table.concat(errors, ',')
  h['X-Server-Stack-' .. at] = table.concat({ ts.http.get_server_protocol_stack() }, ',')
  local info = {}
  for key = 0, 6 do
    info[#info + 1] = tostring((ts.http.txn_info_get(key)))
  end
  h['X-Txn-Info-' .. at] = table.concat(info, ',')
  h['X-Client-Sizes-' .. at] = ts.client_request.get_header_size() .. ',' .. ts.client_request.get_body_size()
  local server_header = ts.server_request.get_header_size()
  h['X-Server-Sizes-' .. at] = (server_header > 0 and 'sent' or server_header) .. ',' .. ts.server_request.get_body_size()
end

function do_remap()
  local at_remap = {}
  facts(at_remap, 'Remap')
  at_remap['X-Server-Txn-Count-Remap'] = ts.http.server_transaction_count()
  ts.hook(TS_LUA_HOOK_SEND_RESPONSE_HDR, function()
    local h = ts.client_response.header
    local names = {}
    for name in pairs(at_remap) do
      names[#names + 1] = name
    end
    table.sort(names)  -- the order of pairs() is not the same in LuaJIT
    for _, name in ipairs(names) do
      h[name] = at_remap[name]
    end
    facts(h, 'Send')
  end)
  return 0
end
