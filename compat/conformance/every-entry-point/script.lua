-- Every global entry point and every ts.hook id, in Traffic Server's order, on a cache hit that the
-- script turns into a miss so that the origin is contacted too. TXN_CLOSE is registered with ts.hook
-- at the top level, which makes it a global entry point, as in tslua.
local order = {}
local function mark(name)
  order[#order + 1] = name
end

local HOOKS = {
  READ_REQUEST_HDR = TS_LUA_HOOK_READ_REQUEST_HDR, PRE_REMAP = TS_LUA_HOOK_PRE_REMAP,
  POST_REMAP = TS_LUA_HOOK_POST_REMAP, READ_CACHE_HDR = TS_LUA_HOOK_READ_CACHE_HDR,
  CACHE_LOOKUP_COMPLETE = TS_LUA_HOOK_CACHE_LOOKUP_COMPLETE, OS_DNS = TS_LUA_HOOK_OS_DNS,
  SEND_REQUEST_HDR = TS_LUA_HOOK_SEND_REQUEST_HDR, READ_RESPONSE_HDR = TS_LUA_HOOK_READ_RESPONSE_HDR,
  TXN_CLOSE = TS_LUA_HOOK_TXN_CLOSE,
}

function do_global_txn_start()
  order = { 'closed:' .. tostring(closed) }
  mark('txn_start')
  for name, id in pairs(HOOKS) do
    ts.hook(id, function()
      mark('h.' .. name)
      if id == TS_LUA_HOOK_TXN_CLOSE then closed = (closed or 0) + 1 end
    end)
  end
  ts.hook(TS_LUA_HOOK_SEND_RESPONSE_HDR, function()
    mark('h.SEND_RESPONSE_HDR')
    ts.client_response.header['X-Order'] = table.concat(order, ',')
  end)
  return 0
end

ts.hook(TS_LUA_HOOK_TXN_CLOSE, function()
  closed = (closed or 0) + 1
  return 0
end)

function do_global_read_request() mark('read_request') return 0 end
function do_global_pre_remap() mark('pre_remap') return 0 end
function do_global_post_remap() mark('post_remap') return 0 end
function do_global_read_cache()
  mark('read_cache:' .. ts.cached_response.get_status() .. ':' .. ts.cached_response.header['X-Cached'])
  return 0
end
function do_global_cache_lookup_complete()
  mark('cache_lookup_complete:' .. ts.http.get_cache_lookup_status())
  ts.http.set_cache_lookup_status(TS_LUA_CACHE_LOOKUP_MISS)
  return 0
end
function do_global_os_dns() mark('os_dns') return 0 end
function do_global_send_request() mark('send_request') return 0 end
function do_global_read_response() mark('read_response') return 0 end
function do_global_send_response() mark('send_response') return 0 end
