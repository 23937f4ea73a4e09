#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/run-all.sh: what `make test` runs once everything is built: the host
# unit tests (cmocka; each test case counts), the QEMU guest tests
# (tests/guest/run.sh), the image's entries (tests/boot/run.sh), the arguments
# through toro run (tests/guest/args.sh),
# the examples' network tests (tests/net/run.sh), the
# memory tests driven from the host (tests/net/mem.sh), the overload tests
# (tests/net/overload.sh: slow clients, held connections, link flaps), the
# exit drain (tests/net/exitdrain.sh: TORO_DRAIN_RUNS=N runs per machine),
# toro serve (tests/serve/run.sh), the checksum offload test over a tap (tests/net/offload.sh, root only), the
# power-cut test (tests/fs/crash.sh), toro-cc's flags (tests/tools/toro-cc.sh),
# the kernel components and toro inspect (tests/tools/components.sh),
# the fetch scripts' archive address (tests/tools/debian-src.sh), toro pack's
# formats (tests/pack/run.sh), the SQLite
# shell, nginx, Redis, GNU hello and Lua built from Debian's source
# (tests/apps/sqlite.sh, nginx.sh, redis.sh, hello.sh, lua.sh), unmodified static
# programs under toro run --app (tests/apps/static.sh), the system call fuzzer's short fixed-seed runs
# (tests/sysfuzz/run.sh) and a boot-reliability test (hello boots in 20 of 20
# runs on each of pc, q35 and microvm). Ends with "N passed, N failed".
#   TORO_BOOTS=N changes the 20; TORO_JOBS=N the number of QEMUs at once (2).
set -uo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$ROOT" || exit 2
BOOTS=${TORO_BOOTS:-20}
JOBS=${TORO_JOBS:-2}
passed=0 failed=0
t0=$SECONDS

work=$(mktemp -d "${TMPDIR:-/tmp}/toro-test.XXXXXX")
trap 'rm -rf "$work"' EXIT

section() { printf '\n==== %s\n' "$*"; }

# counted WHAT FILTER CMD...: runs a test runner that writes "PASSED FAILED"
# to the file named by its --counts option (appended to CMD here) and adds
# them up; its output goes through the egrep FILTER ('' for all of it),
# indented when a filter is given. A runner that leaves no counts is one failure.
counted() {
	local what=$1 filter=$2 counts=$work/counts p f
	shift 2
	rm -f "$counts"
	if [ -n "$filter" ]; then
		"$@" --counts "$counts" 2>&1 | grep -E "$filter" | sed 's/^/  /'
	else
		"$@" --counts "$counts"
	fi
	if read -r p f 2>/dev/null < "$counts"; then
		passed=$((passed + p))
		failed=$((failed + f))
	else
		echo "FAIL $what (the runner gave no counts)"
		failed=$((failed + 1))
	fi
}

# ---- host unit tests ----
# cmocka prints "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s)..." per
# group; a binary that dies without them (a sanitizer report) counts as one failure.
section "unit tests (host, cmocka)"
for src in tests/unit/test_*.c; do
	name=$(basename "${src%.c}")
	bin=build/unit/$name
	if [ ! -x "$bin" ]; then
		echo "FAIL $name (not built: make unit-tests)"
		failed=$((failed + 1))
		continue
	fi
	"$bin" > "$work/$name.out" 2>&1
	rc=$?
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$work/$name.out" | awk '{s+=$1} END {print s+0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$work/$name.out" | awk '{s+=$1} END {print s+0}')
	[ "$rc" != 0 ] && [ "$f" = 0 ] && f=1
	[ "$rc" = 0 ] && [ "$p" = 0 ] && [ "$f" = 0 ] && p=1
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" = 0 ]; then
		echo "PASS $name ($p)"
	else
		echo "FAIL $name ($p passed, $f failed, exit $rc)"
		grep -E '^\[  (FAILED|ERROR) +\]|ERROR|error|Assert|==[0-9]+==' "$work/$name.out" | head -n 20 |
			sed 's/^/    /'
	fi
done

# ---- the system call table in docs/syscalls.md against the kernel's ----
section "system call table (tools/syscall-table.sh --check)"
if tools/syscall-table.sh --check; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi

# ---- guest tests ----
section "guest tests (QEMU)"
counted "guest tests" '' tests/guest/run.sh -j "$JOBS"

# ---- arguments and environment through toro run, byte-exact ----
section "the image's entries (tests/boot/run.sh: Firecracker's Linux 64-bit boot through the loader image, QEMU's Multiboot and PVH)"
counted "boot tests" '^(PASS|FAIL|boot:|    )' tests/boot/run.sh

section "arguments and environment (tests/guest/args.sh: fw_cfg, the command line, refusals)"
counted "argument tests" '' tests/guest/args.sh

# ---- network tests: host clients against the examples in QEMU ----
section "network tests (examples/httpd, echo, kv; host clients over hostfwd)"
counted "network tests" '' tests/net/run.sh

# ---- memory from the host: the stats channel, kv and httpd in 4 MiB ----
section "memory (tests/net/mem.sh: stats channel, kv and httpd in 4 MiB)"
counted "memory tests" '' tests/net/mem.sh

# ---- exit loses nothing: answers closed just before main returns arrive whole ----
section "exit drain: a server that answers, closes and returns from main (tests/net/exitdrain.sh)"
counted "exit drain" '' tests/net/exitdrain.sh

# ---- toro serve: VMs booted for the first connection, powered off when idle ----
section "toro serve (tests/serve/run.sh: cold first connections, idle power-off, failed boots, systemd sockets)"
counted "toro serve tests" '' tests/serve/run.sh

# ---- overload: slow clients, held connections, the link down and up ----
section "overload (tests/net/overload.sh: header deadline, 2,000 held connections, set_link)"
counted "overload tests" '' tests/net/overload.sh

# ---- checksum offload over a tap (root only: prints SKIP otherwise) ----
section "checksum offload end to end (tests/net/offload.sh: tap in a namespace)"
for m in pc microvm; do
	out=$(tests/net/offload.sh "$m" 2>&1)
	printf '%s\n' "$out" | grep -E '^(PASS|FAIL|SKIP)' | sed 's/^/  /'
	counts=$(printf '%s\n' "$out" | sed -n 's/^offload: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p')
	if [ -n "$counts" ]; then
		passed=$((passed + ${counts% *}))
		failed=$((failed + ${counts#* }))
	else
		echo "FAIL offload $m (the script gave no counts)"
		failed=$((failed + 1))
	fi
done

# ---- the examples on a disk: httpd --root, kv --log through a power cut ----
section "the examples on a disk (tests/net/disk.sh: httpd --root, kv --log)"
counted "disk tests" '^(PASS|FAIL|disk:|    )' tests/net/disk.sh microvm q35

# ---- power cuts under a write load (tests/fs/crash.sh) ----
section "power cuts: QEMU killed under a write load, fsck.fat and the synced files checked"
for spec in "20 microvm 32" "5 pc 16" "5 q35 12"; do
	set -- $spec
	counted "crash test $spec" '^(FAIL|crash:|    )' \
		tests/fs/crash.sh --runs "$1" --machine "$2" --fat "$3"
done

# ---- toro-cc as a drop-in CC, and where the fetch scripts download from ----
section "toro-cc as a build system's CC (tests/tools/toro-cc.sh)"
counted "toro-cc tests" '^(PASS|FAIL|toro-cc:|    )' tests/tools/toro-cc.sh
section "kernel components and toro inspect (tests/tools/components.sh)"
counted "components tests" '^(PASS|FAIL|components:|    )' tests/tools/components.sh
section "the fetch scripts' Debian archive from apt's sources (tests/tools/debian-src.sh)"
counted "debian-src tests" "^" tests/tools/debian-src.sh

# ---- toro pack --format: GRUB ISO and disk, qcow2, libvirt, OCI, Firecracker ----
section "toro pack --format (tests/pack/run.sh: GRUB boots on pc and q35, libvirt, OCI, Firecracker)"
counted "pack tests" '^(PASS|FAIL|SKIP|pack:|    )' tests/pack/run.sh

# ---- third-party programs built with toro-cc (tests/apps/) ----
section "third-party programs: Debian's SQLite shell on a FAT disk (tests/apps/sqlite.sh)"
counted "SQLite test" '^(PASS|FAIL|sqlite:|    )' tests/apps/sqlite.sh
section "third-party programs: Debian's Redis, 50 clients, config and snapshot on a FAT disk (tests/apps/redis.sh)"
counted "Redis test" '^(PASS|FAIL|redis:|    )' tests/apps/redis.sh
section "third-party programs: Debian's nginx, config and docroot on a FAT disk (tests/apps/nginx.sh)"
counted "nginx test" '^(PASS|FAIL|nginx:|    )' tests/apps/nginx.sh

for app in hello lua; do
	section "third-party programs: $app from Debian's source with CC=toro-cc (tests/apps/$app.sh)"
	counted "$app test" "^(PASS|FAIL|$app:|    )" tests/apps/$app.sh
done

# ---- unmodified static programs under toro run --app (tests/apps/static.sh) ----
section "unmodified static programs: musl, glibc, static-pie, Go net/http (tests/apps/static.sh)"
counted "static programs test" '^(PASS|FAIL|static:|    )' tests/apps/static.sh

# ---- the system call fuzzer (tests/sysfuzz/): fixed seeds, 20 s each ----
section "system call fuzzer: q35 1 vCPU, q35 and microvm 2 vCPUs, 20 s each (tests/sysfuzz/run.sh)"
counted "system call fuzzer" "^" tests/sysfuzz/run.sh -j "$JOBS"

# ---- boot reliability ----
section "boot reliability: hello, $BOOTS boots on each machine"
hello=build/examples/hello.elf
boot_one() { # machine index
	local out=$work/boot.$1.$2
	bin/toro run --timeout 30 --machine "$1" --mem 16 "$hello" -- world > "$out.out" 2>&1
	echo $? > "$out.rc"
}
export -f boot_one
export work hello
if [ -f "$hello" ]; then
	for i in $(seq "$BOOTS"); do for m in pc q35 microvm; do echo "$m $i"; done; done |
		xargs -P "$JOBS" -n 2 bash -c 'boot_one "$0" "$1"'
fi
for m in pc q35 microvm; do
	ok=0 first_bad=
	for i in $(seq "$BOOTS"); do
		out=$work/boot.$m.$i
		if [ "$(cat "$out.rc" 2>/dev/null)" = 0 ] && grep -qxF 'hello, world!' "$out.out"; then
			ok=$((ok + 1))
		elif [ -z "$first_bad" ]; then
			first_bad=$i
		fi
	done
	if [ "$ok" = "$BOOTS" ]; then
		echo "PASS hello boots in $ok of $BOOTS runs on $m"
		passed=$((passed + 1))
	else
		echo "FAIL hello boots in $ok of $BOOTS runs on $m"
		failed=$((failed + 1))
		if [ -n "$first_bad" ]; then
			echo "---- run $first_bad on $m: exit $(cat "$work/boot.$m.$first_bad.rc" 2>/dev/null), last 30 lines ----"
			tail -n 30 "$work/boot.$m.$first_bad.out" 2>/dev/null | sed 's/^/    /'
			echo "----"
		else
			echo "    (no image: $hello)"
		fi
	fi
done

echo
echo "took $((SECONDS - t0)) s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
