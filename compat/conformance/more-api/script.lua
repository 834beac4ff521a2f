-- The rest of tier 1: remap-rule parts, configuration overrides of every type, the cache lookup URL,
-- logging at every level (fatal and emergency are only logged: a script cannot stop the proxy), the
-- proxy's directories and version, binary digests and HMACs, stat decrement/set, jit.on/flush.
jit.on()
jit.flush()
local hits = ts.stat_create('more_api.hits', TS_LUA_RECORDDATATYPE_INT, TS_LUA_STAT_NON_PERSISTENT, TS_LUA_STAT_SYNC_SUM)

function do_remap()
  local req = ts.client_request
  local h = req.header
  h['X-From'] = ts.remap.get_from_url_scheme() .. ' ' .. ts.remap.get_from_url_port() .. ' ' .. ts.remap.get_from_uri()
  h['X-To'] = ts.remap.get_to_url_host() .. ' ' .. ts.remap.get_to_url_port() .. ' ' .. ts.remap.get_to_uri()
  ts.http.config_float_set(TS_LUA_CONFIG_HTTP_CACHE_HEURISTIC_LM_FACTOR, 0.25)
  ts.http.config_string_set(TS_LUA_CONFIG_HTTP_RESPONSE_SERVER_STR, 'more-api/1')
  h['X-Config'] = ts.http.config_float_get(TS_LUA_CONFIG_HTTP_CACHE_HEURISTIC_LM_FACTOR) .. ' '
    .. ts.http.config_string_get(TS_LUA_CONFIG_HTTP_RESPONSE_SERVER_STR)
  ts.http.set_cache_lookup_url('http://cache.example/key')
  h['X-Cache-Url'] = ts.http.get_cache_lookup_url()
  req.set_method('PUT')
  local now = ts.now()
  h['X-Now'] = tostring(type(now) == 'number' and now > 1.6e9 and now < 4e9)
  ts.debug('more-api debug line')
  ts.debug('more_api', 'tagged debug line')
  h['X-Debug-Tag'] = type(ts.is_debug_tag_set('more_api'))
  ts.note('a note')
  ts.status('a status')
  ts.warning('a warning')
  ts.alert('an alert')
  ts.fatal('a fatal')
  ts.emergency('an emergency')
  h['X-Dirs'] = ts.get_install_dir() .. ' ' .. ts.get_runtime_dir() .. ' ' .. ts.get_plugin_dir()
  h['X-Version'] = type(ts.get_traffic_server_version())
  h['X-Bin'] = #ts.sha1_bin('abc') .. ' ' .. #ts.sha256_bin('abc')
  h['X-Hmac'] = ts.hmac_md5('6b6579', 'The quick brown fox jumps over the lazy dog') .. ' '
    .. ts.hmac_sha1('6b6579', 'The quick brown fox jumps over the lazy dog')
  hits:set_value(10)
  hits:decrement(3)
  h['X-Stat'] = hits:get_value()
  return TS_LUA_REMAP_NO_REMAP
end
