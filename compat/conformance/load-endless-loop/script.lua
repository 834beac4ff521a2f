-- A script that never finishes loading is stopped at the deadline, and the load error says so
-- in one line.
while true do end
