jit.off(true, true)
local ffi = require 'ffi'
function do_remap() return 0 end
