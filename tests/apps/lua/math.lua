-- Computes with Lua's math library (libm underneath) and prints the results.
local function p(...) print(...) end
p("version", _VERSION, math.type(1), math.type(1.0), math.maxinteger, math.mininteger)
for _, x in ipairs({0.5, 1, 2.25, 10, 123.456}) do
	p(string.format("x=%g sin=%.12f cos=%.12f tan=%.12f", x, math.sin(x), math.cos(x), math.tan(x)))
	p(string.format("  exp=%.12g log=%.12g log10=%.12g log2=%.12g sqrt=%.12g", math.exp(x),
		math.log(x), math.log(x, 10), math.log(x, 2), math.sqrt(x)))
	p(string.format("  asin=%.12g atan=%.12g atan2=%.12g pow=%.12g fmod=%.12g", math.asin(x / 200),
		math.atan(x), math.atan(x, 3), x ^ 1.5, math.fmod(x * 7, 3)))
	p("  floor", math.floor(x), "ceil", math.ceil(x), "modf", math.modf(x), "tointeger", math.tointeger(x))
end
p(math.pi, -math.pi, math.huge, -math.huge, 2^53, 2^63, 1e300 * 1e10, 7 // 2, 7.0 // 2, -7 // 2, 7 % -3, 2^-1074)
p(string.format("%.17g %.17g %a", 0.1 + 0.2, 1 / 3, 1.0))
-- Numerical integration and a series: many libm calls.
local sum, n = 0, 100000
for i = 1, n do local t = (i - 0.5) / n; sum = sum + 4 / (1 + t * t) end
p(string.format("pi by midpoint rule %.12f", sum / n))
local e = 0
for k = 0, 20 do local f = 1; for j = 2, k do f = f * j end; e = e + 1 / f end
p(string.format("e by series %.15f, exp(1) %.15f", e, math.exp(1)))
local h = 0
for i = 1, 1000 do h = h + math.sin(i) * math.cos(i / 2) + math.sqrt(i) / math.log(i + 1) end
p(string.format("sum %.10f", h))
-- The rest of the language: strings, tables, closures, coroutines, errors.
local t = {}
for i = 1, 20 do t[i] = (i * 7919) % 101 end
table.sort(t, function(a, b) return a > b end)
p(table.concat(t, ","))
p(("Toro"):rep(3, "-"), ("hello world"):gsub("o", "0"), ("%d items"):format(42), #"\u{20AC}")
local co = coroutine.wrap(function(a) for i = 1, 3 do a = coroutine.yield(a * i) end return "done" end)
p(co(2), co(5), co(7), co(0))
p(pcall(function() error({code = 7}) end), select(2, pcall(error, "boom", 0)))
p(pcall(function() return 1 + {} end))
p(string.pack and #string.pack("i4d", 1, 2.5), utf8.char(72, 228, 8364), utf8.len("h\u{E4}\u{20AC}"))
p(tostring(nil), tostring(true), 10 == 10.0, math.ult(1, -1), 3 | 5, 3 ~ 5, ~0, 1 << 62)
os.exit(3)
