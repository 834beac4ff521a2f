-- A client chooses how many header fields a request has (thousands fit Traffic Server's 128 KiB
-- header limit): a script that visits each of them costs one pass over the message per visit
-- only if the proxy lets it, and then misses its deadline halfway through. tswasm must not.
function do_global_read_request()
  local req = ts.client_request
  local stripped = 0
  for name, _ in pairs(req.get_headers()) do
    if string.find(name, '^X%-Pad%-') then
      req.header[name] = nil
      stripped = stripped + 1
    end
  end
  req.header['X-Stripped'] = stripped
  req.header['X-Dup-Joined'] = #(req.header['X-Dup'] or '')
  req.header['X-Dup-Count'] = #(req.header_table['X-Dup'] or {})
  return 0
end
