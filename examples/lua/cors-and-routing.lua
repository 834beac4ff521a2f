-- A typical tslua remap script, unchanged: route API calls to a backend, answer CORS preflights
-- locally, add CORS headers for allowed origins, and report the cache status to the client.
jit.off(true, true)

local ALLOWED = {}

function __init__(argtb)
  for i = 1, #argtb do
    ALLOWED[argtb[i]] = true
  end
  return 0
end

local function send_response()
  local origin = ts.ctx.origin
  if origin and ALLOWED[origin] then
    ts.client_response.header['Access-Control-Allow-Origin'] = origin
    ts.client_response.header['Vary'] = 'Origin'
  end
  ts.client_response.header['X-Cache-Status'] = ts.ctx.cache or 'none'
end

local function cache_lookup()
  local names = { [TS_LUA_CACHE_LOOKUP_MISS] = 'miss', [TS_LUA_CACHE_LOOKUP_HIT_FRESH] = 'hit',
                  [TS_LUA_CACHE_LOOKUP_HIT_STALE] = 'stale', [TS_LUA_CACHE_LOOKUP_SKIPPED] = 'skipped' }
  ts.ctx.cache = names[ts.http.get_cache_lookup_status()]
end

function do_remap()
  local req = ts.client_request
  ts.ctx.origin = req.header['Origin']
  if req.get_method() == 'OPTIONS' and ALLOWED[ts.ctx.origin] then
    ts.http.set_resp(204, '')
    ts.hook(TS_LUA_HOOK_SEND_RESPONSE_HDR, function()
      ts.client_response.header['Access-Control-Allow-Origin'] = ts.ctx.origin
      ts.client_response.header['Access-Control-Allow-Methods'] = 'GET, POST, OPTIONS'
    end)
    return TS_LUA_REMAP_DID_REMAP_STOP
  end
  ts.hook(TS_LUA_HOOK_CACHE_LOOKUP_COMPLETE, cache_lookup)
  ts.hook(TS_LUA_HOOK_SEND_RESPONSE_HDR, send_response)
  return TS_LUA_REMAP_NO_REMAP
end
