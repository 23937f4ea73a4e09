#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/apps/lua.sh: the Lua 5.4 interpreter from Debian's lua5.4 source
# package, built by upstream's Makefile with CC=toro-cc (make lua,
# tests/apps/apps.mk): its link line has -lm, -Wl,-E and -ldl, which must
# resolve in musl. Each check boots the image and compares its console and
# exit status with Debian's own lua5.4 on the host running the same thing:
#   math.lua  trigonometry, exp/log, pow, fmod, floor/ceil, integration and
#             series (thousands of libm calls), number formatting, and the
#             rest of the language; read from a disk (the directory
#             tests/apps/lua as a read-only vvfat disk); exits 3
#   args.lua  its arguments, a data file read with io.lines, a missing file
#   -e CHUNK  a one-line program given as arguments, and one that raises an
#             error: the message and traceback, exit 1
#   tests/apps/lua.sh [--counts FILE]
# Prints PASS/FAIL per check and "lua: N passed, N failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
cd "$ROOT" || exit 2
counts=
[ "${1:-}" = --counts ] && counts=$2
ELF=build/apps/lua5.4.elf
DIR=tests/apps/lua
. tests/apps/lib.sh
app_init lua

app_build "$LOGS/lua-build.log" lua
if grep -qE 'toro-cc -std=gnu99 -o lua .* -lm -Wl,-E -ldl' build/apps/lua-build/make.log; then
	pass "build: upstream's 'make linux' with CC=toro-cc, linked with -lm -Wl,-E -ldl ($build_s s)"
else
	fail "build: no 'toro-cc ... -o lua ... -lm -Wl,-E -ldl' line in build/apps/lua-build/make.log"
fi
command -v lua5.4 > /dev/null || { fail "Debian's lua5.4 missing (tools/deps.sh test)"; finish; }

# check NAME ARGS...: the image (with tests/apps/lua as its disk) and Debian's
# lua5.4 (argv[0] "lua", as the image's) in that directory, compared.
check() {
	local name=$1 rc why=; shift
	bin/toro run --timeout 120 --machine microvm --mem 64 --disk "$DIR,ro" "$ELF" -- -- "$@" \
		> "$LOGS/lua.$name.log" 2>&1
	rc=$?
	grep -v '^toro: ' "$LOGS/lua.$name.log" | tr -d '\r' > "$work/$name.toro"
	echo "exit $rc" >> "$work/$name.toro"
	(cd "$DIR" && exec -a lua lua5.4 "$@" > "$work/$name.host" 2>&1)
	echo "exit $?" >> "$work/$name.host"
	if ! cmp -s "$work/$name.toro" "$work/$name.host"; then
		why="differs from Debian's lua5.4:"
	elif [ "$(wc -l < "$work/$name.toro")" -lt 2 ]; then
		why="no output"
	fi
	if [ -z "$why" ]; then
		pass "lua $name: $(wc -l < "$work/$name.toro") lines and '$(tail -n 1 "$work/$name.toro")' as Debian's lua5.4"
	else
		fail "lua $name: $why"
		diff "$work/$name.host" "$work/$name.toro" | head -n 12 | sed 's/^/    /'
	fi
}
check math math.lua
check args args.lua 2 9.5 x
check e-chunk -e "print(string.format('%.15g %.15g', math.sin(1) + math.log(10), math.atan(1, 2)))"
check error -e "local t = {} ; print('before') ; error('boom: ' .. math.floor(2.5))"
finish
