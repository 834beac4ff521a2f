-- The Host header through a transaction: what the script sees at remap, after remap and at cache
-- lookup, and a Host set at cache lookup, which reaches the origin (as in Traffic Server).
function do_remap()
  ts.ctx['remap'] = ts.client_request.header.Host or 'nil'
  ts.hook(TS_LUA_HOOK_POST_REMAP, function()
    ts.ctx['post'] = ts.client_request.header.Host or 'nil'
  end)
  ts.hook(TS_LUA_HOOK_CACHE_LOOKUP_COMPLETE, function()
    local h = ts.client_request.header
    h['X-Host-At-Remap'] = ts.ctx.remap
    h['X-Host-At-Post-Remap'] = ts.ctx.post
    h['X-Host-At-Cache-Lookup'] = h.Host or 'nil'
    h.Host = 'set-at-cache-lookup.example'
  end)
  return 0
end
