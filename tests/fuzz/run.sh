#!/bin/sh
# SPDX-License-Identifier: MIT
# Build every tests/fuzz/fuzz_*.c with libFuzzer, ASan and UBSan into build/fuzz/
# and run each for FUZZ_SECONDS (default 20). Each harness names its sources on
# its first line (or one of its first five): `// sources: lib/cmdline.c ...`, and may add
# compiler flags on a `// cflags: ...` line among them. Seeds come from
# tests/fuzz/seeds/NAME/; crashes are written to build/fuzz/NAME-crash-*.
# Exits non-zero if a harness fails to build or finds a crash.
set -u
cd "$(dirname "$0")/../.."

CLANG=${CLANG:-clang}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
OUT=build/fuzz
CFLAGS="-g -O1 -std=gnu11 -DTORO_HOST -Iinclude -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
mkdir -p "$OUT"

passed=0
failed=0
for harness in tests/fuzz/fuzz_*.c; do
	name=$(basename "$harness" .c)
	sources=$(head -n 5 "$harness" | sed -n 's|^// sources:||p' | head -n 1)
	cflags=$(head -n 5 "$harness" | sed -n 's|^// cflags:||p' | head -n 1)
	if [ -z "$sources" ]; then
		echo "$name: no '// sources:' first line" >&2
		failed=$((failed + 1))
		continue
	fi
	# shellcheck disable=SC2086 # the source list is meant to split
	if ! $CLANG $CFLAGS $cflags -o "$OUT/$name" "$harness" $sources; then
		echo "$name: build failed" >&2
		failed=$((failed + 1))
		continue
	fi
	corpus="$OUT/corpus/$name"
	mkdir -p "$corpus"
	seeds=""
	[ -d "tests/fuzz/seeds/$name" ] && seeds="tests/fuzz/seeds/$name"
	echo "== $name: fuzzing for ${FUZZ_SECONDS}s"
	# shellcheck disable=SC2086
	if "$OUT/$name" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 \
	    -artifact_prefix="$OUT/$name-" "$corpus" $seeds >"$OUT/$name.log" 2>&1; then
		grep -E '^(stat::number_of_executed_units|#[0-9]+.*DONE)' "$OUT/$name.log" | tail -2
		echo "$name: ok"
		passed=$((passed + 1))
	else
		tail -n 40 "$OUT/$name.log"
		echo "$name: FAILED (log $OUT/$name.log, reproducer $OUT/$name-crash-*)"
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
