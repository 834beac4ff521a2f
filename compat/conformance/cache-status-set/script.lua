-- Changing the cache lookup's outcome at cache-lookup-complete: a miss cannot be made a hit
-- (Traffic Server refuses it and the status stays), a miss stays a miss.
function do_remap()
  ts.hook(TS_LUA_HOOK_CACHE_LOOKUP_COMPLETE, function()
    local h = ts.client_request.header
    h['X-Status-Seen'] = ts.http.get_cache_lookup_status()
    ts.http.set_cache_lookup_status(TS_LUA_CACHE_LOOKUP_HIT_FRESH)
    h['X-Status-After-Hit'] = ts.http.get_cache_lookup_status()
    ts.http.set_cache_lookup_status(TS_LUA_CACHE_LOOKUP_MISS)
    h['X-Status-After-Miss'] = ts.http.get_cache_lookup_status()
  end)
  return 0
end
