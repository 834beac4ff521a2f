-- A script attaches its settings file to remap.config at load time, so that a configuration
-- reload after the file changed reloads the rule (and the script); a call with another number of
-- arguments does nothing, as in tslua.so.
ts.mgmt.add_config_file('remap.config', ts.get_config_dir() .. '/lua/settings.conf')
ts.mgmt.add_config_file('remap.config')
ts.mgmt.add_config_file('remap.config', 'a.conf', 'b.conf')

function do_remap()
  ts.client_request.header['X-Returned'] = select('#', ts.mgmt.add_config_file('x', 'y'))
  return 0
end
