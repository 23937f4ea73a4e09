#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/sysfuzz/run.sh: boot the system call fuzzer (build/tests/sysfuzz/sysfuzz.elf)
# with a FAT disk and a virtio-net device (QEMU user network, restrict=on: no
# packet leaves the host) and check that the kernel survived: no panic or
# kernel fault, the VM exited by itself, the self-check says ok, no call hung.
#   tests/sysfuzz/run.sh [-j N] [--counts FILE] [--run MACHINE:SMP:SEED:SECONDS]...
#   tests/sysfuzz/run.sh --long N [--seconds S]   N runs with fresh seeds (make fuzz)
# Without --run or --long: the make-test set, fixed seeds, 20 s each: q35 with
# 1 vCPU, q35 and microvm with 2. A run that does not end SECONDS + 90 s after
# its start is a hang: each vCPU's RIP and frame-pointer backtrace are taken
# three times through QEMU's monitor (monitor.pl), named from the image's
# symbols, and QEMU stopped. Logs and disks of
# failed runs stay in build/tests/sysfuzz/logs/. Prints one PASS/FAIL line per
# run, the fuzzer's figures, and "sysfuzz: N passed, N failed" last.
set -uo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
ELF=$ROOT/build/tests/sysfuzz/sysfuzz.elf
LOGDIR=$ROOT/build/tests/sysfuzz/logs

usage() { sed -n '3,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

jobs=2 counts= long=0 seconds=20 runs=()
while [ $# -gt 0 ]; do
	case "$1" in
	-j) jobs=$2; shift ;;
	--counts) counts=$2; shift ;;
	--run) runs+=("$2"); shift ;;
	--long) long=$2; shift ;;
	--seconds) seconds=$2; shift ;;
	-h|--help) usage ;;
	*) echo "run.sh: unknown option '$1'" >&2; usage ;;
	esac
	shift
done
if [ "$long" -gt 0 ]; then
	base=$(date +%s)
	machines=(q35 microvm pc)
	for i in $(seq 0 $((long - 1))); do
		runs+=("${machines[$((i % 3))]}:$((1 + (i / 3) % 2)):$((base + i)):$seconds")
	done
elif [ ${#runs[@]} = 0 ]; then
	runs=("q35:1:1:20" "q35:2:2:20" "microvm:2:3:20")
fi
[ -f "$ELF" ] || { echo "FAIL sysfuzz (no $ELF: make)"; [ -n "$counts" ] && echo "0 1" > "$counts"; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/toro-sysfuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$LOGDIR"

# The symbol at or below each address of monitor.pl's "backtraces" (RIP=,
# RET= lines), one line each.
symbolize() {
	local regs=$1
	nm -n --defined-only "$ELF" | perl -e '
		my @syms;
		while (<STDIN>) { my ($v, $t, $n) = split; push @syms, [hex($v), $n]; }
		open(my $r, "<", $ARGV[0]) or exit;
		while (<$r>) {
			if (/^THREAD (\d+) state (\d+)/) { print "    thread $1 (state $2: 0 new, 1 runnable, 2 running, 3 blocked, 4 dead)\n"; next; }
			next unless /^(CPU#\d+|THREAD) (RIP|RET)=([0-9a-f]+)/;
			my ($cpu, $kind, $a) = ($1, $2, hex($3));
			my ($best, $off) = ("?", 0);
			for my $s (@syms) { last if $s->[0] > $a; ($best, $off) = ($s->[1], $a - $s->[0]); }
			printf "    %s %s %#x %s+%#x\n", $cpu, $kind eq "RIP" ? "rip" : "  called from", $a, $best, $off;
		}' "$regs"
}

# one NAME MACHINE SMP SEED SECONDS: one run; its verdict in $work/NAME.res.
one() {
	local name=$1 machine=$2 smp=$3 seed=$4 secs=$5
	local dir=$work/$name why=() limit=$((secs + 90)) net=virtio-net-pci rc t=0 m
	# A kernel that failed, a program killed, a self-check or watchdog verdict.
	local failures=("toro: panic" "toro: kernel panic" "toro: kernel fault" "toro: fatal signal"
		"toro: terminated by signal" "toro: selfcheck FAILED" "sysfuzz: HANG" "sysfuzz: UNEXPECTED")
	mkdir -p "$dir"
	[ "$machine" = microvm ] && net=virtio-net-device
	"$ROOT/bin/toro" mkdisk --size 16M -o "$dir/disk.img" > /dev/null 2>&1 ||
		why+=("toro mkdisk failed")
	"$ROOT/bin/toro" run --timeout $((limit + 60)) --machine "$machine" --smp "$smp" --mem 64 \
		--disk "$dir/disk.img" \
		--qemu-arg -netdev --qemu-arg user,id=fz0,restrict=on \
		--qemu-arg -device --qemu-arg "$net,netdev=fz0" \
		--qemu-arg -monitor --qemu-arg "unix:$dir/mon,server=on,wait=off" \
		"$ELF" -- -- --seed "$seed" --seconds "$secs" > "$dir/out" 2>&1 &
	local pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		t=$((t + 1))
		if [ "$t" -ge "$limit" ]; then
			why+=("hung: no end ${limit}s after the start")
			# Three samples a second apart: a loop moves, a deadlock does not.
			for m in 1 2 3; do
				perl "$ROOT/tests/sysfuzz/monitor.pl" "$dir/mon" backtraces > "$dir/regs.$m" 2>&1
				echo "    sample $m:" >> "$dir/rips"
				symbolize "$dir/regs.$m" >> "$dir/rips"
				sleep 1
			done
			# Where every thread is blocked, from its saved kernel stack.
			local table off
			table=$(nm "$ELF" | awk '$3 == "all" && ($2 == "b" || $2 == "B") { print $1 }')
			printf '#include <stddef.h>\n#include <stdio.h>\n#include <k/sched.h>\nint main(void){printf("%%zu %%zu %%zu\\n",offsetof(struct thread,tid),offsetof(struct thread,state),offsetof(struct thread,ksp));return 0;}\n' > "$dir/off.c"
			if [ -n "$table" ] && gcc -I"$ROOT/include" -o "$dir/off" "$dir/off.c" 2> /dev/null &&
			    off=$("$dir/off"); then
				perl "$ROOT/tests/sysfuzz/monitor.pl" "$dir/mon" "threads $table 256 $off" > "$dir/threads" 2>&1
				echo "    threads:" >> "$dir/rips"
				symbolize "$dir/threads" >> "$dir/rips"
			fi
			perl "$ROOT/tests/sysfuzz/monitor.pl" "$dir/mon" quit > /dev/null 2>&1
			break
		fi
	done
	wait "$pid"
	rc=$?
	[ "$rc" = 0 ] || why+=("exit $rc")
	for m in "${failures[@]}"; do
		grep -aqF -- "$m" "$dir/out" && why+=("'$(grep -am1 -F -- "$m" "$dir/out" | tr -d '\r')'")
	done
	grep -aq '^toro: selfcheck ok' "$dir/out" || why+=("no 'toro: selfcheck ok'")
	grep -aq '^sysfuzz: done: self-check ok, 0 hangs, 0 unexpected faults' "$dir/out" ||
		why+=("no 'sysfuzz: done: self-check ok, 0 hangs, 0 unexpected faults'")
	local label="$name ($machine, $smp vCPU, seed $seed, ${secs}s)" reasons
	{
		if [ ${#why[@]} = 0 ]; then
			echo "PASS $label"
			echo PASS > "$work/$name.res"
		else
			reasons=$(printf '%s; ' "${why[@]}")
			echo "FAIL $label: ${reasons%; }"
			echo FAIL > "$work/$name.res"
			rm -rf "$LOGDIR/$name" && cp -r "$dir" "$LOGDIR/$name"
			[ -s "$dir/rips" ] && cat "$dir/rips"
			echo "---- last 25 lines (all: $LOGDIR/$name/out) ----"
			grep -av 'unsupported system call' "$dir/out" | tail -n 25 | tr -d '\r' | sed 's/^/    /'
			echo "----"
		fi
		grep -a '^sysfuzz: [0-9]* calls\|^sysfuzz: signals' "$dir/out" | tr -d '\r' | sed 's/^/    /'
	} > "$work/$name.report"
	cp "$dir/out" "$LOGDIR/$name.log" 2>/dev/null
	cat "$work/$name.report"
}

export -f one symbolize
export ROOT ELF LOGDIR work
n=0
for r in "${runs[@]}"; do
	IFS=: read -r machine smp seed secs <<< "$r"
	n=$((n + 1))
	printf '%s\n' "run$n-$machine-smp$smp $machine $smp $seed ${secs:-$seconds}"
done | xargs -P "$jobs" -L 1 bash -c 'one "$@"' _
passed=$(cat "$work"/*.res 2>/dev/null | grep -c PASS)
failed=$(( ${#runs[@]} - passed ))
echo "sysfuzz: $passed passed, $failed failed"
[ -n "$counts" ] && echo "$passed $failed" > "$counts"
[ "$failed" = 0 ]
