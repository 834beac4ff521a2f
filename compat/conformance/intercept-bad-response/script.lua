function do_remap()
  ts.http.intercept(function() ts.say('this is not http') end)
  return 0
end
