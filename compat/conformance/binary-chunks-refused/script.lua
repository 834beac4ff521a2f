-- Lua 5.1 trusts a binary chunk it loads (its bytecode is not checked), so a crafted one reads and
-- writes anywhere in the state's memory, the binding's own state included: tswasm loads text
-- chunks only. string.dump still works (LuaJIT's bytecode would not load here either).
local function try(...)
  local f, err = ...
  if f then return 'loaded' end
  return (tostring(err):gsub('^.*: ', ''))
end

function do_global_read_request()
  local dumped = string.dump(function() return 7 end)
  local h = ts.client_request.header
  h['X-Dumped'] = type(dumped)
  h['X-Loadstring'] = try(loadstring(dumped))
  h['X-Load'] = try(load(dumped, 'chunk', 'bt'))
  h['X-Load-Text'] = try(load('return 1', 'chunk', 'bt'))
  return 0
end
