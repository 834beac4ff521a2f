function do_global_read_request()
  if ts.client_request.get_uri() == '/forbidden' then
    return 1
  end
  return 0
end

function do_global_send_response()
  ts.client_response.header['X-Error-Response-Seen'] = ts.client_response.get_status()
  return 0
end
