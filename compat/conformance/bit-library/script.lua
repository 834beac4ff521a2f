local bit = require 'bit'
function do_global_send_response()
  local h = ts.client_response.header
  h['X-Tobit'] = table.concat({ bit.tobit(0xffffffff), bit.tobit(2^32 + 5), bit.tobit(1.5), bit.tobit(2.5), bit.tobit(-1.5) }, ',')
  h['X-Tohex'] = table.concat({ bit.tohex(-1), bit.tohex(255, 2), bit.tohex(255, -4), bit.tohex(0x12345678, 4) }, ',')
  h['X-Shift'] = table.concat({ bit.lshift(1, 31), bit.rshift(-1, 28), bit.arshift(-256, 4), bit.lshift(1, 33) }, ',')
  h['X-Logic'] = table.concat({ bit.band(0xff, 0x0f, 0x3), bit.bor(1, 2, 4), bit.bxor(0xff, 0x0f), bit.bnot(0) }, ',')
  h['X-Rot'] = table.concat({ bit.rol(0x80000001, 1), bit.ror(1, 1), bit.bswap(0x12345678) }, ',')
  h['X-Signed'] = bit.bor(0x80000000, 0)
  return 0
end
