-- Edits Traffic Server would take and send on broken are refused with an error the script sees:
-- a header value with CR or LF (a second header smuggled in), a name that is not a token, a host
-- with a path in it. tslua.so accepts them (MIGRATING.md lists the difference).
local function try(edit)
  local ok, err = pcall(edit)
  -- The error's line, without the script's path (which depends on where it is checked out).
  return ok and 'accepted' or err:match('^.*:(%d+: .*)$')
end

function do_global_read_request()
  local req = ts.client_request
  req.header['X-Value-Error'] = try(function() req.header['X-Bad'] = 'a\r\nInjected: yes' end)
  req.header['X-Name-Error'] = try(function() req.header['Bad Name'] = 'v' end)
  req.header['X-Host-Error'] = try(function() req.set_url_host('evil.example/path?') end)
  req.header['X-Good'] = try(function() req.header['X-Fine'] = 'fine' end)
  return 0
end
