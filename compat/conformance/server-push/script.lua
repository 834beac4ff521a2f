-- ts.http.server_push to a client that is not HTTP/2 (the in-memory proxy's clients speak
-- HTTP/1.1): nothing is pushed and nothing is returned, as in tslua.so; a URL that is not
-- absolute is refused with an error line (tslua.so promises it without an authority, which an
-- HTTP/2 client must reject); the argument errors are tslua.so's.
local function failure(f, ...)
  local ok, err = pcall(f, ...)
  return tostring(ok) .. ':' .. tostring(err):gsub('^.*: bad', 'bad')
end

function do_remap()
  local h = ts.client_request.header
  h['X-Pushed'] = select('#', ts.http.server_push('http://h.example/style.css'))
  h['X-Pushed-Number'] = select('#', ts.http.server_push(5))
  h['X-Pushed-Relative'] = select('#', ts.http.server_push('/style.css'))
  h['X-No-Url'] = failure(ts.http.server_push)
  h['X-Table'] = failure(ts.http.server_push, {})
  return 0
end
