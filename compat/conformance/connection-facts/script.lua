-- The connections' facts as tslua.so gives them at remap, at os-dns (the next hop is resolved) and
-- at send-response (the origin is connected): TLS (none here), next hop, outgoing port, plugin tag
-- and file descriptors. Values that change from run to run are compared, not shown.
local function show(...)
  local parts = {}
  for i = 1, select('#', ...) do
    parts[i] = tostring((select(i, ...)))
  end
  return table.concat(parts, ',')
end

local function facts(h, at)
  local cr = ts.client_request
  h['X-Tls-' .. at] = show(cr.get_ssl_reused(), cr.get_ssl_protocol(), cr.get_ssl_cipher(), cr.get_ssl_curve())
  local sa = ts.server_request.server_addr
  local ip, port, family = sa.get_nexthop_addr()
  local name, hop_port = sa.get_nexthop_name(), sa.get_nexthop_port()
  if ip then
    local server_ip, server_port = sa.get_addr()
    h['X-Next-Hop-' .. at] = show(ip, port == server_port, family, name == server_ip, hop_port == port)
  else
    h['X-Next-Hop-' .. at] = show(ip, port, family, name, hop_port)
  end
  local outgoing = sa.get_outgoing_port()
  h['X-Outgoing-' .. at] = outgoing and type(outgoing) .. ',' .. tostring(outgoing > 0) or 'nil'
  h['X-Tag-' .. at] = show(ts.http.get_plugin_tag())
  h['X-Fds-' .. at] = type(ts.http.get_client_fd()) .. ',' .. type(ts.http.get_server_fd())
end

function do_remap()
  local seen = {}
  facts(seen, 'Remap')
  ts.hook(TS_LUA_HOOK_OS_DNS, function()
    facts(seen, 'Dns')
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
    facts(h, 'Send')
  end)
  return 0
end
