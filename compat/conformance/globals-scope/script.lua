-- tslua's scoping, as its source defines it: the script's functions run with the script's table as
-- their environment, so globals they write (also through _G) live on in this Lua state; what is per
-- call of an entry point is ts.ctx and the closures registered with ts.hook: the ts.ctx written in
-- do_global_read_request is not the one do_global_send_response sees. Checked against tslua.so 9.2.5.
state_counter = 0

function do_global_read_request()
  state_counter = state_counter + 1
  ts.client_request.header['X-Global-Before'] = tostring(_G.note)
  _G.note = 'written by transaction ' .. state_counter
  ts.client_request.header['X-Ctx-Before'] = tostring(ts.ctx.mark)
  ts.ctx.mark = 'ctx of transaction ' .. state_counter
  ts.client_request.header['X-Hook-Global'] = tostring(do_send_response)
  ts.client_request.header['X-Closes-Before'] = tostring(closes)
  if state_counter == 1 then
    ts.hook(TS_LUA_HOOK_SEND_RESPONSE_HDR, function()
      ts.client_response.header['X-First-Only'] = 'yes'
    end)
  end
  return 0
end

function do_global_send_response()
  ts.client_response.header['X-State-Counter'] = state_counter
  ts.client_response.header['X-Ctx'] = ts.ctx.mark
  return 0
end

function do_global_txn_close()
  closes = (closes or 0) + 1
  return 0
end
