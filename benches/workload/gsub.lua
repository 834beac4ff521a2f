-- Benchmark workload, remap with a Lua callback per character: lower-cases the path and sums its
-- bytes into a header (the kind of normalisation scripts do with string.gsub).
function do_remap()
  local sum = 0
  local path = ts.client_request.get_uri():gsub('.', function(c)
    sum = sum + c:byte()
    return c:lower()
  end)
  ts.client_request.set_uri(path)
  ts.client_request.header['X-Path-Sum'] = tostring(sum)
  return TS_LUA_REMAP_DID_REMAP
end
