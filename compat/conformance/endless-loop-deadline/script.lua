function do_global_read_request()
  if ts.http.id() == 1 then
    while true do end
  end
  ts.client_request.header['X-Served'] = 'transaction ' .. ts.http.id()
  return 0
end
