local M = {}
function M.greet(who) return "hi " .. who end
return M
