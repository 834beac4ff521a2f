-- print and io.stderr go to the proxy's log, a line at a time and marked as the script's (tslua.so
-- writes them to traffic.out). A script printing in a loop gets 100 lines a second logged, then a
-- line saying how many it lost.
function do_global_read_request()
  print('hello', 'from print')
  io.stderr:write('to stderr\n')
  print('forged?\n[Dec  4 17:31:26.557] traffic_server FATAL: no')
  if ts.client_request.header['X-Flood'] then
    for i = 1, 1000 do print('line ' .. i) end
  end
  return 0
end
