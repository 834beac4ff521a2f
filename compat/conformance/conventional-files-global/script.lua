-- The global-script twin of conventional-files: a module from the script's own directory and
-- settings from the configuration directory, with no flag granting either.
local here = string.match(debug.getinfo(1, 'S').source, '^@(.*)/[^/]+$')
ts.add_package_path(here .. '/lib/?.lua')
local neighbour = require 'neighbour'
local ok, conf = pcall(dofile, ts.get_config_dir() .. '/lua/conventional.lua')

function do_global_read_request()
  local h = ts.client_request.header
  h['X-Global-Module'] = neighbour
  h['X-Global-Conf'] = ok and conf.answer or 'none'
  return 0
end
