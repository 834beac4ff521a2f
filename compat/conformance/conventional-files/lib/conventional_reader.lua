-- Reads what tslua scripts read by convention, with no flag granting anything: Traffic Server's
-- configuration directory (a settings file of the operator's, and records.config) and the
-- script's own directory (this module, found through ts.add_package_path).
local reader = {}

function reader.settings()
  local ok, conf = pcall(dofile, ts.get_config_dir() .. '/lua/conventional.lua')
  if not ok then
    return 'none'
  end
  return conf.answer
end

function reader.records()
  local f = io.open(ts.get_config_dir() .. '/records.config', 'r')
  if not f then
    return 'not readable'
  end
  local first = f:read('*l')
  f:close()
  return first and 'readable' or 'empty'
end

return reader
