#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/guest/host.sh: build guest tests that carry a "// host-args:" header with
# the host's gcc (-O2 -pthread, glibc) and run them on Linux, to check a test's
# own logic apart from Toro's kernel. Toro-only checks sit under #ifdef __toro__.
#   tests/guest/host.sh [NAME...]
# "{smp}" in host-args is the host's CPU count, "-" means no arguments. The exit
# status must be expect-exit; expect-output markers the kernel prints (starting
# with "toro:", or a backtrace frame ending in "+") are not looked for.
set -uo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
OUT=$ROOT/build/tests/guest/host
mkdir -p "$OUT"
header() { sed -n "s|^// $2:[[:space:]]*\(.*[^[:space:]]\)[[:space:]]*\$|\1|p" "$1"; }

names=()
for a in "$@"; do names+=("$(basename "${a%.c}")"); done
if [ ${#names[@]} = 0 ]; then
	for f in "$ROOT"/tests/guest/*.c; do
		[ -n "$(header "$f" host-args)" ] && names+=("$(basename "${f%.c}")")
	done
fi

passed=0 failed=0
for name in "${names[@]}"; do
	src=$ROOT/tests/guest/$name.c
	hargs=$(header "$src" host-args | tail -n 1)
	if [ -z "$hargs" ]; then
		echo "FAIL $name (no host-args header)"
		failed=$((failed + 1))
		continue
	fi
	[ "$hargs" = - ] && hargs=
	hargs=${hargs//\{smp\}/$(nproc)}
	expect_exit=$(header "$src" expect-exit | tail -n 1)
	expect_exit=${expect_exit:-0}
	timeout_s=$(header "$src" timeout | tail -n 1)
	if ! gcc -std=gnu11 -O2 -pthread -Wall -Wextra -I"$ROOT/include" -o "$OUT/$name" "$src" \
		> "$OUT/$name.build" 2>&1; then
		echo "FAIL $name (does not build)"
		sed 's/^/    /' "$OUT/$name.build"
		failed=$((failed + 1))
		continue
	fi
	[ -s "$OUT/$name.build" ] && sed 's/^/    /' "$OUT/$name.build"
	start=$SECONDS
	# shellcheck disable=SC2086
	# The braces keep bash's own "Segmentation fault" line out of the way.
	{ (cd "$OUT" && exec timeout -k 2 "${timeout_s:-30}" "./$name" $hargs) > "$OUT/$name.out" 2>&1; } 2> /dev/null
	rc=$?
	why=()
	[ "$rc" = "$expect_exit" ] || why+=("exit $rc, expected $expect_exit")
	while IFS= read -r m; do
		[[ "$m" == toro:* || "$m" == *+ ]] && continue
		grep -aqF -- "$m" "$OUT/$name.out" || why+=("missing '$m'")
	done < <(header "$src" expect-output; header "$src" expect-once)
	while IFS= read -r m; do
		grep -aqF -- "$m" "$OUT/$name.out" && why+=("unexpected '$m'")
	done < <(header "$src" reject-output)
	if [ ${#why[@]} = 0 ]; then
		echo "PASS $name ($((SECONDS - start)) s)"
		passed=$((passed + 1))
	else
		echo "FAIL $name ($(printf '%s; ' "${why[@]}" | sed 's/; $//'))"
		tail -n 20 "$OUT/$name.out" | sed 's/^/    /'
		failed=$((failed + 1))
	fi
done
echo "host: $passed passed, $failed failed"
[ "$failed" = 0 ]
