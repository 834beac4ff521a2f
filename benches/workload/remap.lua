-- Benchmark workload, remap: moves the request under /v2 and names the origin's virtual host.
function do_remap()
  ts.client_request.set_uri('/v2' .. ts.client_request.get_uri())
  ts.client_request.header['Host'] = 'origin.internal'
  return TS_LUA_REMAP_DID_REMAP
end
