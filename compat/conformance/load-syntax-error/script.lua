function do_remap()
  local x = 
  return 0
end
this is not lua
