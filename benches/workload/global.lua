-- Benchmark workload, global: runs on every request. The same logic exists as header_rewrite
-- rules (global.config), as a Rust guest (guest/, mode `global`) and natively in the in-process
-- benchmarks.
function do_global_read_request()
  ts.client_request.header['X-Debug'] = nil
  ts.client_request.header['X-Bench'] = 'global'
end

function do_global_send_response()
  if ts.http.get_cache_lookup_status() == TS_LUA_CACHE_LOOKUP_HIT_FRESH then
    ts.client_response.header['X-Cache'] = 'hit'
  else
    ts.client_response.header['X-Cache'] = 'miss'
  end
  ts.client_response.header['Server'] = nil
  ts.client_response.header['X-Served-By'] = 'bench'
end
