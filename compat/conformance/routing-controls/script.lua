-- Controls of the origin connection at remap, as tslua.so takes them: the parent proxy and the
-- parent selection URL (reported back; this proxy has no parent.config, so the origin is still
-- asked), the six packet options (no value returned), and the origin's address set by the script
-- (then the proxy does not resolve the name: no os-dns hook), with tslua's argument errors.
local function show(...)
  local parts = {}
  for i = 1, select('#', ...) do
    parts[i] = tostring((select(i, ...)))
  end
  return table.concat(parts, ',')
end

local function failure(f, ...)
  local ok, err = pcall(f, ...)
  return tostring(ok) .. ':' .. tostring(err):gsub('^.*: ', '')
end

function do_remap()
  local seen = {}
  seen['X-Parent-Before'] = show(ts.http.get_parent_proxy())
  ts.http.set_parent_proxy('parent.example', 8081)
  seen['X-Parent-After'] = show(ts.http.get_parent_proxy())
  seen['X-Parent-Arity'] = failure(ts.http.set_parent_proxy, 'parent.example')
  seen['X-Selection-Before'] = show(ts.http.get_parent_selection_url())
  ts.http.set_parent_selection_url('http://parent.example:8080/some/path?q=1')
  seen['X-Selection-After'] = show(ts.http.get_parent_selection_url())
  local returned = {}
  for _, f in ipairs({ 'client_packet_mark_set', 'client_packet_tos_set', 'client_packet_dscp_set',
                       'server_packet_mark_set', 'server_packet_tos_set', 'server_packet_dscp_set' }) do
    returned[#returned + 1] = select('#', ts.http[f](8))
  end
  seen['X-Packet-Returns'] = table.concat(returned, ',')

  local sa = ts.server_request.server_addr
  local port = ts.client_request.get_url_port()
  seen['X-Set-Addr-Arity'] = failure(sa.set_addr, '127.0.0.1', port)
  seen['X-Set-Addr-Bad'] = failure(sa.set_addr, 'nonsense', port, TS_LUA_AF_INET)
  sa.set_addr('127.0.0.1', port, TS_LUA_AF_INET)
  local ip, set_port, family = sa.get_addr()
  seen['X-Addr-After-Set'] = show(ip, set_port == port, family)
  sa.set_outgoing_addr('127.0.0.1', 0, TS_LUA_AF_INET)

  ts.hook(TS_LUA_HOOK_OS_DNS, function()
    seen['X-Os-Dns'] = 'ran'
  end)
  ts.hook(TS_LUA_HOOK_SEND_RESPONSE_HDR, function()
    local h = ts.client_response.header
    local names = {}
    for name in pairs(seen) do
      names[#names + 1] = name
    end
    table.sort(names)
    for _, name in ipairs(names) do
      h[name] = seen[name]
    end
    local hop_ip, hop_port = sa.get_nexthop_addr()
    h['X-Next-Hop-Send'] = show(hop_ip, hop_port == port)
    h['X-Outgoing-Send'] = type(sa.get_outgoing_port())
    h['X-Parent-Send'] = show(ts.http.get_parent_proxy())
  end)
  return 0
end
