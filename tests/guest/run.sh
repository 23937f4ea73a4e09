#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/guest/run.sh: boot each guest test image under QEMU and check its exit
# status and console markers (Solo5 style). Expectations live in each
# tests/guest/NAME.c as header comments; see docs/testing.md for the list.
#   tests/guest/run.sh [-j N] [--counts FILE] [--timeout S] [NAME...]
# A test with "// smp: N..." runs once per vCPU count; "{smp}" in its args and
# qemu-args is N.
# "// qemu-args: ARGS" (or "// qemu-args-MACHINE: ARGS" for one machine) are
# extra QEMU arguments, e.g. devices, passed through toro run --qemu-arg.
# "// host-setup: CMD" and "// host-check: CMD" run under bash in a scratch
# directory of the run's own, before QEMU and after it (a failing check fails
# the run); "{tmp}" in qemu-args is that directory (QEMU's chardev files,
# disk images); TORO_ROOT in their environment is the source tree.
# "// host-during: CMD" runs there in the background while QEMU runs, with
# TORO_CONSOLE (the console so far), TORO_PID (toro run's pid) and TORO_ROOT
# set, and is stopped when the guest has gone (tests/guest/hostreq.sh makes
# shutdown requests).
# Prints one PASS/FAIL line per run and "guest: N passed, N failed" last.
set -uo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
TORO=$ROOT/bin/toro
IMGDIR=${TORO_GUEST_DIR:-$ROOT/build/tests/guest}
LOGDIR=$ROOT/build/tests/guest/logs
ALL_MACHINES="pc q35 microvm"
# Lines toro.debug adds at boot: left out of the console excerpt of a failure.
DEBUG_LINES='^toro: (booted by |memory |cpu |TSC |[0-9]+ KiB free)'
# A kernel that fails itself never counts as a pass, whatever the test expects.
KERNEL_FAILURES=("toro: panic" "toro: kernel panic" "toro: kernel fault")

# ---- one run (called back through xargs) ----
# $2 is a job file written by declare -p below; results go beside it.
run_one() {
	local job=$1
	# shellcheck disable=SC1090
	source "$job"
	local log=$LOGDIR/${name//[^A-Za-z0-9_.-]/_}.$machine.$path
	local out=${job%.job}.out res=${job%.job}.res label="$name $machine $path"
	local start end rc why=() m n tmp=${job%.job}.d
	# The vCPU count shows in the label and the log's name only for tests that ask for one.
	[ -n "$smp_label" ] && label+=" smp=$smp" log+=.smp$smp
	log+=.log
	mkdir -p "$tmp"
	if [ -n "$host_setup" ] && ! (cd "$tmp" && TORO_ROOT=$ROOT bash -c "$host_setup") > "$tmp/.setup" 2>&1; then
		why+=("host-setup failed: $(head -c 200 "$tmp/.setup")")
	fi
	start=$(date +%s.%N)
	local qa=() a tpid dpid
	for a in "${qargs[@]+"${qargs[@]}"}"; do a=${a//\{tmp\}/$tmp}; qa+=(--qemu-arg "${a//\{smp\}/$smp}"); done
	: > "$out"
	"$TORO" run --timeout "$timeout_s" --machine "$machine" --mem "$mem" --smp "$smp" \
		"${qa[@]+"${qa[@]}"}" "$image" -- toro.debug "${args[@]+"${args[@]}"}" > "$out" 2>&1 &
	tpid=$!
	if [ -n "$host_during" ]; then
		(cd "$tmp" && TORO_CONSOLE=$out TORO_PID=$tpid TORO_ROOT=$ROOT exec setsid bash -c "$host_during") \
			> "$tmp/.during" 2>&1 &
		dpid=$!
	fi
	wait "$tpid"
	rc=$?
	[ -n "$host_during" ] && { kill -- "-$dpid" 2>/dev/null; wait "$dpid" 2>/dev/null; }
	end=$(date +%s.%N)
	if [ "$rc" = 124 ]; then
		why+=("timed out after ${timeout_s}s")
	elif [ "$rc" != "$expect_exit" ]; then
		why+=("exit $rc, expected $expect_exit")
	fi
	for m in "${KERNEL_FAILURES[@]}"; do
		grep -aqF -- "$m" "$out" && why+=("kernel failure: '$(grep -am1 -F -- "$m" "$out")'")
	done
	if [ -n "$host_check" ] && ! (cd "$tmp" && TORO_ROOT=$ROOT bash -c "$host_check") > "$tmp/.check" 2>&1; then
		rm -rf "$log.files" && cp -r "$tmp" "$log.files"
		why+=("host-check failed; its files: $log.files/")
	fi
	# toro.debug makes the kernel name its boot protocol: check the path taken.
	grep -aqxF -- "toro: booted by $booted_by" "$out" || why+=("not booted by $booted_by")
	for m in "${expect_out[@]+"${expect_out[@]}"}"; do
		grep -aqF -- "$m" "$out" || why+=("missing '$m'")
	done
	for m in "${reject_out[@]+"${reject_out[@]}"}"; do
		grep -aqF -- "$m" "$out" && why+=("unexpected '$m'")
	done
	for m in "${expect_once[@]+"${expect_once[@]}"}"; do
		n=$(grep -acF -- "$m" "$out")
		[ "$n" = 1 ] || why+=("'$m' seen $n times, expected once")
	done
	local secs reasons
	secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
	reasons=$(printf '%s; ' "${why[@]+"${why[@]}"}")
	{
		if [ ${#why[@]} = 0 ]; then
			echo "PASS $label (${secs}s)"
			echo PASS > "$res"
		else
			echo "FAIL $label (${reasons%; })"
			echo FAIL > "$res"
			echo "---- last 30 lines of console, boot info left out (all: $log) ----"
			grep -avE "$DEBUG_LINES" "$out" | tail -n 30 | cat -v | sed 's/^/    /'
			echo "----"
		fi
	} > "${job%.job}.report"
	cp "$out" "$log" 2>/dev/null
	flock "$workdir/lock" cat "${job%.job}.report"
}

if [ "${1:-}" = --one ]; then
	run_one "$2"
	exit 0
fi

usage() { sed -n '3,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

jobs=2 counts= default_timeout=30 names=()
while [ $# -gt 0 ]; do
	case "$1" in
	-j) jobs=$2; shift ;;
	-j*) jobs=${1#-j} ;;
	--counts) counts=$2; shift ;;
	--timeout) default_timeout=$2; shift ;;
	-h|--help) usage ;;
	-*) echo "run.sh: unknown option '$1'" >&2; usage ;;
	*) names+=("$(basename "${1%.c}")") ;;
	esac
	shift
done
if [ ${#names[@]} = 0 ]; then
	for f in "$ROOT"/tests/guest/*.c; do names+=("$(basename "${f%.c}")"); done
fi

workdir=$(mktemp -d "${TMPDIR:-/tmp}/toro-guest.XXXXXX")
trap 'rm -rf "$workdir"' EXIT
: > "$workdir/lock"
mkdir -p "$LOGDIR"
njob=0 setup_fail=0

# header FILE KEY: every value of "// KEY: VALUE" lines, one per line.
header() { sed -n "s|^// $2:[[:space:]]*\(.*[^[:space:]]\)[[:space:]]*\$|\1|p" "$1"; }
# Shell-like word splitting with quotes, and no evaluation.
words() { printf '%s' "$1" | xargs -r printf '%s\0'; }

# add_job NAME MACHINE PATH IMAGE SMP ARGS...: "{smp}" in ARGS becomes the vCPU count.
add_job() {
	local name=$1 machine=$2 path=$3 image=$4 smp=$5 booted_by=Multiboot
	shift 5
	local args=("${@//\{smp\}/$smp}") qargs=()
	# QEMU arguments: the machine's own header if the test has one, else the common one.
	local qtext
	qtext=$(header "$src" "qemu-args-$machine" | tail -n 1)
	[ -n "$qtext" ] || qtext=$(header "$src" qemu-args | tail -n 1)
	mapfile -d '' -t qargs < <(words "$qtext")
	[ "$path" = pvh ] && booted_by=PVH
	njob=$((njob + 1))
	{
		declare -p name machine path image smp smp_label booted_by mem expect_exit \
			timeout_s expect_out expect_once reject_out args qargs host_setup host_check \
			host_during
		echo "workdir=$(printf '%q' "$workdir")"
	} > "$workdir/$(printf '%04d' $njob).job"
}

setup_failure() {
	echo "FAIL $1 - - ($2)"
	setup_fail=$((setup_fail + 1))
}

for name in "${names[@]}"; do
	src=$ROOT/tests/guest/$name.c
	[ -f "$src" ] || { setup_failure "$name" "no $src"; continue; }
	mem=$(header "$src" mem | tail -n 1); mem=${mem:-16}
	expect_exit=$(header "$src" expect-exit | tail -n 1); expect_exit=${expect_exit:-0}
	timeout_s=$(header "$src" timeout | tail -n 1); timeout_s=${timeout_s:-$default_timeout}
	machines=$(header "$src" machines | tail -n 1); machines=${machines:-$ALL_MACHINES}
	pvh_machines=$(header "$src" pvh-machines | tail -n 1)
	if [ -z "$pvh_machines" ]; then
		pvh_machines=${machines%% *}
		[[ " $machines " == *" microvm "* ]] && pvh_machines=microvm
	fi
	variants=$(header "$src" variants | tail -n 1)
	smps=$(header "$src" smp | tail -n 1) smp_label=${smps:+1}
	smps=${smps:-1}
	bad_smp=$(printf '%s\n' $smps | grep -vxE '[1-9][0-9]*' | head -n 1)
	[ -n "$bad_smp" ] && { setup_failure "$name" "bad smp: '$bad_smp'"; continue; }
	mapfile -t expect_out < <(header "$src" expect-output)
	mapfile -t expect_once < <(header "$src" expect-once)
	mapfile -t reject_out < <(header "$src" reject-output)
	mapfile -d '' -t targs < <(words "$(header "$src" args | tail -n 1)")
	host_setup=$(header "$src" host-setup | tail -n 1)
	host_check=$(header "$src" host-check | tail -n 1)
	host_during=$(header "$src" host-during | tail -n 1)

	for path in multiboot pvh; do
		image=$IMGDIR/$name.elf ms=$machines
		[ "$path" = pvh ] && image=$IMGDIR/$name.pvh.elf ms=$pvh_machines
		[ "$ms" = none ] && continue
		[ -f "$image" ] || { setup_failure "$name" "no image $image: make guest-tests"; continue; }
		for m in $ms; do
			for n in $smps; do
				if [ -z "$variants" ]; then
					add_job "$name" "$m" "$path" "$image" "$n" "${targs[@]+"${targs[@]}"}"
					continue
				fi
				for v in $variants; do
					expect_exit=$v
					add_job "$name[$v]" "$m" "$path" "$image" "$n" \
						"${targs[@]+"${targs[@]}"}" "$v"
				done
			done
		done
	done
done

if [ $njob -gt 0 ]; then
	printf '%s\0' "$workdir"/*.job | xargs -0 -P "$jobs" -n 1 "$0" --one
fi
passed=$(cat "$workdir"/*.res 2>/dev/null | grep -c PASS)
failed=$(cat "$workdir"/*.res 2>/dev/null | grep -c FAIL)
missing=$((njob - passed - failed))
failed=$((failed + missing + setup_fail))
echo "guest: $passed passed, $failed failed"
[ -n "$counts" ] && echo "$passed $failed" > "$counts"
[ "$failed" = 0 ]
