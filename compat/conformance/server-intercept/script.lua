function do_remap()
  ts.http.server_intercept(function()
    ts.say('HTTP/1.1 201 Created\r\nX-Made-By: script\r\nContent-Length: 2\r\n\r\nok')
  end)
  ts.hook(TS_LUA_HOOK_READ_RESPONSE_HDR, function()
    ts.server_response.header['X-Seen-As-Origin'] = ts.server_response.get_status()
  end)
  return 0
end
