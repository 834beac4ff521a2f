-- Field names as Traffic Server reports them: its well-known names in its own spelling, others as
-- sent; the fields still go on as they came.
function do_remap()
  local names = {}
  for name in pairs(ts.client_request.get_headers()) do
    names[#names + 1] = name
  end
  table.sort(names)
  ts.client_request.header['X-Names'] = table.concat(names, ',')
  return 0
end
