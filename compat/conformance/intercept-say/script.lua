local function send_data(greeting, who)
  local body = greeting .. ', ' .. who .. '\n'
  ts.say('HTTP/1.1 200 OK\r\n')
  ts.say('Content-Type: text/plain\r\n')
  ts.say('Content-Length: ' .. string.len(body) .. '\r\n\r\n')
  ts.flush()
  ts.say(body)
end

function do_remap()
  ts.http.intercept(send_data, 'hello', 'intercept')
  return 0
end
