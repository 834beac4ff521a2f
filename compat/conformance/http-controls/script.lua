-- ts.http's switches, timeouts, redirects and transaction facts, with tslua's conventions: numbers
-- 0/1 (is_aborted answers 1 for a transaction that was not aborted, as tslua 9.2 does), milestones
-- in seconds since the transaction started, and no value at all for an unknown milestone or record.
-- The expected values were checked against tslua.so 9.2.5 where they do not depend on the setup.
function do_global_read_request()
  local h = ts.client_request.header
  ts.http.skip_remapping_set(1)
  ts.http.set_debug(1)
  ts.http.cntl_set(TS_LUA_HTTP_CNTL_RESPONSE_CACHEABLE, 1)
  h['X-Cntl'] = table.concat({
    ts.http.cntl_get(TS_LUA_HTTP_CNTL_LOGGING_MODE),
    ts.http.cntl_get(TS_LUA_HTTP_CNTL_TXN_DEBUG),
    ts.http.cntl_get(TS_LUA_HTTP_CNTL_SKIP_REMAPPING),
    ts.http.cntl_get(TS_LUA_HTTP_CNTL_RESPONSE_CACHEABLE),
    ts.http.cntl_get(TS_LUA_HTTP_CNTL_SERVER_NO_STORE),
  }, ',')
  ts.http.set_server_resp_no_store(1)
  h['X-No-Store'] = ts.http.cntl_get(TS_LUA_HTTP_CNTL_SERVER_NO_STORE)
  ts.http.set_server_resp_no_store(0)
  ts.http.timeout_set(TS_LUA_TIMEOUT_ACTIVE, 2000)
  h['X-Facts'] = type(ts.http.ssn_id()) .. ',' .. ts.http.is_internal_request() .. ',' .. ts.http.is_aborted()
  h['X-Stack'] = table.concat({ ts.http.get_client_protocol_stack() }, ',')
  h['X-Pristine'] = ts.client_request.get_pristine_url()
  h['X-Incoming'] = type(ts.client_request.client_addr.get_incoming_port())
  h['X-Server-Early'] = table.concat({ ts.server_request.server_addr.get_addr() }, ',')
  local began = ts.http.milestone_get(TS_LUA_MILESTONE_UA_BEGIN)
  local connected = ts.http.milestone_get(TS_LUA_MILESTONE_SERVER_CONNECT)
  h['X-Milestones'] = tostring(math.abs(began) < 1) .. ',' .. tostring(connected < -1e6) .. ','
    .. select('#', ts.http.milestone_get(99))
  h['X-Mgmt'] = ts.mgmt.get_int('proxy.config.http.cache.http') .. ','
    .. ts.mgmt.get_float('proxy.config.http.cache.heuristic_lm_factor') .. ','
    .. select('#', ts.mgmt.get_string('proxy.config.no.such.record')) .. ','
    .. select('#', ts.mgmt.get_counter('proxy.config.http.cache.http'))
  h['X-Config-Keys'] = TS_LUA_CONFIG_URL_REMAP_PRISTINE_HOST_HDR .. ',' .. TS_LUA_CONFIG_HTTP_CACHE_HTTP .. ','
    .. TS_LUA_CONFIG_HTTP_STRICT_CHUNK_PARSING .. ',' .. TS_CONFIG_SSL_CLIENT_SNI_POLICY
  ts.http.enable_redirect(2)
  h['X-Redirects'] = ts.http.config_int_get(TS_LUA_CONFIG_HTTP_NUMBER_OF_REDIRECTIONS)
  if ts.client_request.get_uri() == '/old' then
    ts.http.redirect_url_set('http://127.0.0.1:8080/new')
  end
  return 0
end

function do_global_read_response()
  local h = ts.server_response.header
  h['X-Cacheable'] = ts.server_response.is_cacheable() .. ',' .. ts.server_response.get_maxage()
  local addr = ts.server_request.server_addr
  h['X-Server'] = table.concat({ addr.get_addr() }, ',') .. ' ' .. addr.get_ip() .. ' ' .. addr.get_port()
  h['X-Milestone-Connected'] = tostring(ts.http.milestone_get(TS_LUA_MILESTONE_SERVER_CONNECT) >= 0)
  return 0
end

function __reload__()
  ts.error('reloading: ' .. tostring(ts.ctx.nothing))
end

function __clean__()
  ts.error('cleaned up after ' .. ts.mgmt.get_int('proxy.config.http.cache.http'))
end
