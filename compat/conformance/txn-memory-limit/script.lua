-- What a transaction's edits make the host keep (header fields, bodies, settings: the proxy's
-- memory, not the Lua state's) is bounded per transaction: past the plugin's limit an edit is
-- refused with an error the script sees, at that hook and at the transaction's later ones, while
-- edits that keep nothing (removing a header) still work. tslua.so has no such limit.
local big = string.rep('h', 65536)

local function refusal(edit)
  local ok, err = pcall(edit)
  return ok and 'accepted' or err:match('(tswasm: .*)$')
end

function do_global_read_request()
  local req = ts.client_request
  local n = 0
  local why = refusal(function()
    while true do
      req.header['X-Hoard-' .. n] = big
      n = n + 1
    end
  end)
  -- 1 MiB holds 15 such fields: each counts its 64 KiB value, its name and 32 bytes.
  ts.error(string.format('hoarded %d fields, then: %s', n, why))
  for i = 0, n - 1 do
    req.header['X-Hoard-' .. i] = nil
  end
  ts.error('set_resp: ' .. refusal(function() ts.http.set_resp(200, big) end))
  ts.error('config: ' .. refusal(function()
    ts.http.config_string_set(TS_LUA_CONFIG_HTTP_GLOBAL_USER_AGENT_HEADER, big)
  end))
  return 0
end

function do_global_send_response()
  -- Not caught: a script error at this hook, and the transaction goes on (fail open).
  ts.client_response.header['X-Later'] = big
  return 0
end
