-- A path's ;params, which Traffic Server keeps apart: read and replaced on the client request at
-- remap and on the request to the origin at send-request; a non-string raises as in tslua; a
-- path set with a `;` keeps it in the path.
function do_remap()
  local h = ts.client_request.header
  h['X-Params'] = tostring(ts.client_request.get_uri_params())
  ts.client_request.set_uri_params('x=2')
  h['X-Params-After'] = tostring(ts.client_request.get_uri_params())
  h['X-Uri-After'] = ts.client_request.get_uri()
  local ok, err = pcall(ts.client_request.set_uri_params, nil)
  h['X-Params-Nil'] = tostring(ok) .. ' ' .. tostring(err)
  ts.client_request.set_uri('/moved;m=1')
  h['X-Uri-Set'] = ts.client_request.get_uri()
  h['X-Params-Set'] = tostring(ts.client_request.get_uri_params())
  ts.hook(TS_LUA_HOOK_SEND_REQUEST_HDR, function()
    ts.server_request.header['X-Server-Params'] = tostring(ts.server_request.get_uri_params())
    ts.server_request.set_uri_params('')
    ts.server_request.header['X-Server-Params-After'] = tostring(ts.server_request.get_uri_params())
  end)
  return 0
end
