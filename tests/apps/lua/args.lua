-- The script's arguments as Lua sees them, and a computation on each.
print("script", arg[0], "count", #arg)
for i = 1, #arg do
	local n = tonumber(arg[i])
	print(i, arg[i], n and string.format("sqrt %.12g cbrt %.12g", math.sqrt(n), n ^ (1 / 3)) or "not a number")
end
-- Reads a file next to it, as a program reads its data.
local f = assert(io.open("data.txt", "r"))
local total, lines = 0, 0
for line in f:lines() do
	for num in line:gmatch("%-?%d+%.?%d*") do total = total + math.log(math.abs(tonumber(num)) + 1) end
	lines = lines + 1
end
f:close()
print(string.format("lines %d log-sum %.12f", lines, total))
print(pcall(io.open, "missing.txt"))
print(io.open("missing.txt"))
os.exit(#arg == 3)
