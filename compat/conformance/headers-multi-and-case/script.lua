function do_global_read_request()
  local req = ts.client_request
  req.header['X-Joined'] = req.header['ACCEPT']
  req.header['X-Count'] = #req.header_table['Accept']
  req.header['X-Second'] = req.header_table['accept'][2]
  req.header['X-Drop'] = nil
  req.header['X-Multi'] = 'one'
  req.header['X-List'] = 'c'
  req.header['X-Number'] = 42
  req.header['X-Missing-Is-Nil'] = tostring(req.header['X-Not-There'])
  local all = req.get_headers()
  req.header['X-Headers-Accept'] = all['Accept'] or all['accept']
  return 0
end
