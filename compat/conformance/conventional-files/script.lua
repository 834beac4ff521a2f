-- A remap script that finds its modules next to itself and its settings in the configuration
-- directory, as tslua scripts do.
local here = string.match(debug.getinfo(1, 'S').source, '^@(.*)/[^/]+$')
ts.add_package_path(here .. '/lib/?.lua')
local reader = require 'conventional_reader'
local answer = reader.settings()

function do_remap()
  local h = ts.client_request.header
  h['X-Conf'] = answer
  h['X-Conf-Per-Request'] = reader.settings()
  h['X-Records'] = reader.records()
  h['X-Module-From'] = here == string.match(package.path, '([^;]*)/lib/%?%.lua') and 'own directory' or package.path
  return 0
end
