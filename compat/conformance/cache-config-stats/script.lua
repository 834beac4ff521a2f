local hits = ts.stat_create('conformance.requests', TS_LUA_RECORDDATATYPE_INT, TS_LUA_STAT_PERSISTENT, TS_LUA_STAT_SYNC_COUNT)

local function cache_lookup()
  ts.ctx.status = ts.http.get_cache_lookup_status()
  ts.http.set_cache_lookup_status(TS_LUA_CACHE_LOOKUP_MISS)
end

local function send_response()
  local h = ts.client_response.header
  h['X-Cache-Status'] = ts.ctx.status == TS_LUA_CACHE_LOOKUP_MISS and 'miss' or tostring(ts.ctx.status)
  h['X-Cache-Key'] = ts.http.get_cache_lookup_url()
  h['X-Config'] = ts.ctx.config
  h['X-Float'] = ts.ctx.float
  h['X-Stat'] = hits:get_value()
  h['X-Stat-Found'] = ts.stat_find('conformance.requests') and 'yes' or 'no'
end

function do_remap()
  hits:increment(1)
  ts.http.set_cache_url('http://cdn.example.com/asset.css')
  local before = ts.http.config_int_get(TS_LUA_CONFIG_HTTP_CACHE_HTTP)
  ts.http.config_int_set(TS_LUA_CONFIG_HTTP_CACHE_HTTP, 0)
  ts.ctx.config = before .. '->' .. ts.http.config_int_get(TS_LUA_CONFIG_HTTP_CACHE_HTTP)
  -- Traffic Server keeps a float setting as a C float.
  ts.http.config_float_set(TS_LUA_CONFIG_HTTP_CACHE_HEURISTIC_LM_FACTOR, 0.1)
  ts.ctx.float = tostring(ts.http.config_float_get(TS_LUA_CONFIG_HTTP_CACHE_HEURISTIC_LM_FACTOR))
  ts.hook(TS_LUA_HOOK_CACHE_LOOKUP_COMPLETE, cache_lookup)
  ts.hook(TS_LUA_HOOK_SEND_RESPONSE_HDR, send_response)
  return 0
end
