-- TS_LUA_REMAP_ERROR does not fail the transaction: Traffic Server 9.2 carries on after a remap
-- plugin's error status (checked with tslua.so 9.2.5), so the request reaches the origin.
function do_remap()
  ts.client_request.header['X-Before-Error'] = 'yes'
  return TS_LUA_REMAP_ERROR
end
