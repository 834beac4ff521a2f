function do_remap()
  ts.client_request.header['X-Remapped'] = '1'
  return 0
end

function do_os_response()
  local status = ts.server_response.get_status()
  if status == 404 then
    ts.server_response.set_status(410)
    ts.server_response.header['X-Was'] = status
  end
  ts.server_response.header['X-Origin'] = nil
  return 0
end
