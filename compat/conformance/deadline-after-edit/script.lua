-- A hook stopped at its deadline after it changed the transaction fails it, even under fail-open:
-- its edits may be half done. Here the header it strips would otherwise reach the origin.
function do_global_read_request()
  ts.client_request.header['X-Internal-Token'] = nil
  while true do end
end
