#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/net/exitdrain.sh: exit loses nothing (docs/reliability.md). Boots
# tests/net/exitsrv.c, which answers each client with up to 1 MiB, closes the
# connection and returns from main right after its last client; the host's
# netclient reads every answer to end of file, 10 clients at a time. Every
# second run the server leaves its connections open instead (the exit closes
# them). A run passes when every answer is whole, the guest says "toro: exit
# status 0" and QEMU exits with it. One PASS/FAIL line per run, "exitdrain: N passed, N
# failed" last.
#   tests/net/exitdrain.sh [--runs N] [--clients N] [--readers fast|slow|both]
#                          [--counts FILE] [MACHINE...] [-- KERNEL-ARGS]
# Defaults: 2 runs of 30 clients, fast readers, one vCPU, on each of pc, q35
# and microvm (make test); TORO_DRAIN_RUNS=N changes the 2, TORO_DRAIN_SMP=N
# the vCPUs. Slow readers (netclient's "slow": a 4 KiB receive buffer) keep
# the answers waiting in the guest but take about 100 s a run. Guest consoles:
# build/tests/net/logs/.
set -uo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
cd "$ROOT" || exit 2
TORO=bin/toro
NETC=build/tests/net/netclient
SRV=build/tests/net/exitsrv.elf
LOGDIR=build/tests/net/logs
ALL="pc q35 microvm"

runs=${TORO_DRAIN_RUNS:-2} clients=30 counts= machines=() args=() readers=fast nrun=0
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs=$2; shift ;;
	--clients) clients=$2; shift ;;
	--readers) readers=$2; shift ;;
	--counts) counts=$2; shift ;;
	--) shift; args=("$@"); break ;;
	-h|--help) sed -n '3,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "exitdrain.sh: unknown option '$1'" >&2; exit 2 ;;
	*) machines+=("$1") ;;
	esac
	shift
done
[ ${#machines[@]} = 0 ] && read -ra machines <<< "$ALL"

report() { # passed failed
	echo "exitdrain: $1 passed, $2 failed"
	[ -n "$counts" ] && echo "$1 $2" > "$counts"
}
for f in "$NETC" "$SRV"; do
	[ -f "$f" ] || { echo "FAIL exitdrain: $f missing (make net-tests)"; report 0 1; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/toro-drain.XXXXXX")
mkdir -p "$LOGDIR"
gpid=
cleanup() {
	[ -n "$gpid" ] && kill -0 "$gpid" 2>/dev/null && kill -TERM -- "-$gpid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# one_run MACHINE RUN: prints one PASS/FAIL line; returns 0 on a pass.
one_run() {
	local m=$1 r=$2 log port i out rc status why=() slow=
	# Fast readers take each byte as it comes; slow ones (a small receive
	# window, read a little at a time) keep the answers waiting in the guest.
	case "$readers" in slow) slow=slow ;; both) [ $((r % 2)) = 0 ] && slow=slow ;; esac
	# Every second run the server leaves its sockets to the exit.
	local open=()
	[ $((r % 2)) = 0 ] && open=(--leave-open)
	# One vCPU by default: the exit raced the device most often there.
	log=$LOGDIR/exitdrain.$m.$r.log
	# A port per run from 19300-19339 (from the runner's pid and a count of
	# runs): a new QEMU never listens where the last one just did.
	nrun=$((nrun + 1))
	port=$((19300 + ($$ + nrun) % 40)) # 19340-19349: tests/guest/exit_linger.c
	: > "$log" # before the wait below reads it: never the last run's lines
	setsid "$TORO" run --timeout 120 --machine "$m" --smp "${TORO_DRAIN_SMP:-1}" --mem 64 --net "user:$port:8000" \
		"$SRV" -- "${args[@]+"${args[@]}"}" -- --clients "$clients" "${open[@]+"${open[@]}"}" > "$log" 2>&1 &
	gpid=$!
	for i in $(seq 600); do
		grep -aq '^exitsrv: listening' "$log" && break
		kill -0 "$gpid" 2>/dev/null || break
		sleep 0.05
	done
	out=$("$NETC" "$port" drain "$clients" 10 $slow 2>&1)
	[ $? = 0 ] || why+=("$(printf '%s' "$out" | sort -u | paste -sd ' ')")
	for i in $(seq 600); do kill -0 "$gpid" 2>/dev/null || break; sleep 0.05; done
	if kill -0 "$gpid" 2>/dev/null; then
		kill -TERM -- "-$gpid" 2>/dev/null # toro run asks, then stops QEMU
		why+=("the guest did not exit within 30 s of the last answer")
	fi
	wait "$gpid"
	rc=$?
	gpid=
	status=$(tr -d '\r' < "$log" | sed -n 's/^toro: exit status \([0-9]*\)$/\1/p' | tail -n 1)
	[ "$rc" = 0 ] && [ "$status" = 0 ] || why+=("exit $rc, console status '${status:-none}'")
	if grep -aqE 'toro: panic|toro: kernel panic|toro: kernel fault' "$log"; then
		why+=("kernel failure on the console")
	fi
	if [ ${#why[@]} = 0 ]; then
		echo "PASS exitdrain $m run $r${open:+ (left open)}: ${out#drain: }"
		return 0
	fi
	echo "FAIL exitdrain $m run $r${open:+ (left open)}: $(printf '%s; ' "${why[@]}") (console: $log)"
	return 1
}

t0=$SECONDS passed=0 failed=0
for m in "${machines[@]}"; do
	case " $ALL " in *" $m "*) ;; *) echo "exitdrain.sh: unknown machine '$m' ($ALL)" >&2; exit 2 ;; esac
	ok=0
	for r in $(seq "$runs"); do
		if one_run "$m" "$r"; then ok=$((ok + 1)); fi
	done
	passed=$((passed + ok))
	failed=$((failed + runs - ok))
	echo "  $m: $ok of $runs runs delivered every byte"
done
echo "took $((SECONDS - t0)) s"
report "$passed" "$failed"
[ "$failed" = 0 ]
