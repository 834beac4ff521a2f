local function helper(t)
  return t.missing.field
end

function do_global_read_request()
  ts.client_request.header['X-Before-Error'] = 'set'
  helper({})
  ts.client_request.header['X-After-Error'] = 'never'
  return 0
end

function do_global_send_response()
  ts.client_response.header['X-Still-Running'] = 'yes'
  return 0
end
