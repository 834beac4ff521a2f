function do_global_send_response()
  local h = ts.client_response.header
  h['X-Div'] = tostring(10 / 2)
  h['X-Frac'] = tostring(7 / 2)
  h['X-Big'] = tostring(2 ^ 53)
  h['X-Small'] = tostring(0.1)
  h['X-Concat'] = 1 .. ''
  h['X-Format'] = string.format('%d|%5.2f|%s|%q', 42, 3.14159, 'x', 'a"b')
  h['X-Gsub'] = (string.gsub('hello world', '(%w+)', function(w) return w:upper() end))
  h['X-Gsub-Count'] = select(2, string.gsub('a,b,,c', ',', ';'))
  h['X-Find'] = string.find('key=value', '=', 1, true)
  h['X-Match'] = string.match('/img/logo.png', '%.(%a+)$')
  h['X-Unpack'] = select('#', unpack({1, 2, 3}))
  h['X-Setfenv'] = type(setfenv) .. ',' .. type(loadstring) .. ',' .. type(table.getn)
  h['X-Int-Div'] = math.floor(7 / 2) .. ',' .. 7 % 3 .. ',' .. -7 % 3
  return 0
end
