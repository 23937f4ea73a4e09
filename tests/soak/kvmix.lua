-- SPDX-License-Identifier: MIT
-- tests/soak/kvmix.lua: wrk's requests for kv's soak (tests/soak/run.sh): GET
-- of one of 256 keys, every fifth request a PUT of a 1 KiB value to one of
-- them instead. The keys were all put before, so every answer is 2xx: 200
-- for a GET, 204 for a PUT (a value replaced).
local keys = 256
local value = string.rep("v", 1024)
local n = 0

request = function()
	n = n + 1
	local path = "/k/key" .. math.random(0, keys - 1)
	if n % 5 == 0 then
		return wrk.format("PUT", path, nil, value)
	end
	return wrk.format("GET", path)
end
