package.cpath = '/usr/lib/lua/?.so;' .. package.cpath
function do_remap() return 0 end
