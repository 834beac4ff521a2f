-- A remap script's do_global_* functions are not entry points: tslua.so never calls them for a
-- rule's transactions, even at a hook the script's closures run at.
function do_global_read_request()
  ts.client_request.header['X-Global-Read'] = 'ran'
  return 0
end

function do_global_send_response()
  ts.client_response.header['X-Global-Send'] = 'ran'
  return 0
end

function do_remap()
  ts.client_request.header['X-Remap'] = 'ran'
  ts.hook(TS_LUA_HOOK_SEND_RESPONSE_HDR, function()
    ts.client_response.header['X-Closure'] = 'ran'
  end)
  return 0
end
