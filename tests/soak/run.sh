#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/soak/run.sh (make soak): long runs under load, outside make test.
#  - httpd under wrk -t2 -c64 for SOAK_SECONDS (600 by default);
#  - kv under a mixed load for as long: wrk -t2 -c64 with tests/soak/kvmix.lua,
#    GET of 256 keys (80%) and PUT of 1 KiB values to them (20%), after the keys
#    were put once;
# each on microvm with 2 vCPUs and 64 MiB. Each must end with zero socket
# errors (connect, read, write, timeout), zero non-2xx answers, and the
# guest's free memory (the kernel's stats channel, `toro stats`: mem_free_kib,
# free pages, and user_free_kib, what the program can still be promised) back
# within 1% of what it was before the load, once the connections are closed.
# Over a tap device in a network namespace of its own (10.78.1.1, the guest
# 10.78.1.2): QEMU's user network forwards connections with a backlog of one
# and times some out by itself, so wrk through it sees timeouts the guest did
# not cause. Root only (the tap): SKIP otherwise.
#   SOAK_SECONDS=60 tests/soak/run.sh [httpd|kv]...   (both by default)
# SOAK_NETNS and SOAK_TAP name the namespace and the tap (toro-soak-PID, tsoak0).
set -uo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
cd "$ROOT" || exit 2
SECONDS_LOAD=${SOAK_SECONDS:-600}
HTTPD=build/examples/httpd.elf
KV=build/examples/kv.elf
LOGDIR=build/tests/soak
GUEST=10.78.1.2
SPORT=7001 # the stats channel, on the namespace's own loopback
KEYS=256
KERNEL_FAILURES='toro: panic|toro: kernel panic|toro: kernel fault|out of memory for application page'

skip() { echo "SKIP soak: $1"; echo "soak: 0 passed, 0 failed (skipped)"; exit 0; }
[[ "$SECONDS_LOAD" =~ ^[1-9][0-9]*$ ]] || { echo "soak: bad SOAK_SECONDS '$SECONDS_LOAD'" >&2; exit 2; }
[ "$(id -u)" = 0 ] || skip "needs root (a tap device in a network namespace)"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
command -v ip > /dev/null || skip "no ip(8)"
command -v wrk > /dev/null || skip "no wrk (tools/deps.sh installs it)"
for f in "$HTTPD" "$KV"; do [ -f "$f" ] || { echo "FAIL soak: $f missing (make examples)"; exit 1; }; done
services=("$@")
[ ${#services[@]} = 0 ] && services=(httpd kv)

ns=${SOAK_NETNS:-toro-soak-$$}
tap=${SOAK_TAP:-tsoak0}
work=$(mktemp -d "${TMPDIR:-/tmp}/toro-soak.XXXXXX")
mkdir -p "$LOGDIR"
gpid=
cleanup() {
	[ -n "$gpid" ] && kill -0 "$gpid" 2>/dev/null && kill -- "-$gpid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
in_ns() { ip netns exec "$ns" "$@"; }

ip netns add "$ns" || skip "cannot make a network namespace"
in_ns ip link set lo up
in_ns ip tuntap add dev "$tap" mode tap || skip "cannot make a tap device"
in_ns ip addr add 10.78.1.1/24 dev "$tap"
in_ns ip link set "$tap" up

passed=0 failed=0
pass() { echo "PASS soak $name: $*"; passed=$((passed + 1)); }
fail() {
	echo "FAIL soak $name: $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | tail -n 15 | sed 's/^/    /'
	failed=$((failed + 1))
}

# boot IMAGE READY_PATH: the guest on the tap with the stats channel, in its
# own process group; waits until it answers READY_PATH (30 s).
boot() {
	local image=$1 ready=$2 i
	glog=$LOGDIR/$name.log
	in_ns setsid bin/toro run --timeout $((SECONDS_LOAD * 2 + 600)) --machine microvm --smp 2 \
		--mem 64 --stats "$SPORT" \
		--qemu-arg -netdev --qemu-arg "tap,id=n0,ifname=$tap,script=no,downscript=no" \
		--qemu-arg -device --qemu-arg "virtio-net-device,netdev=n0" \
		"$image" -- "toro.ip=$GUEST/24" toro.gw=10.78.1.1 --quiet --debug > "$glog" 2>&1 &
	gpid=$!
	for i in $(seq 300); do
		in_ns curl -sf -m 0.25 -o /dev/null "http://$GUEST$ready" && return 0
		kill -0 "$gpid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

finish() {
	in_ns curl -s -m 5 -o /dev/null "http://$GUEST/debug/exit"
	local i rc
	for i in $(seq 100); do kill -0 "$gpid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$gpid" 2>/dev/null; then
		kill -- "-$gpid" 2>/dev/null
		wait "$gpid" 2>/dev/null
		rc=killed
	else
		wait "$gpid"
		rc=$?
	fi
	gpid=
	if [ "$rc" = 0 ]; then pass "guest ended (exit 0)"; else fail "guest exit $rc" "$(tail -n 15 "$glog")"; fi
	if grep -aqE "$KERNEL_FAILURES" "$glog"; then
		fail "kernel failure on the console" "$(grep -aE "$KERNEL_FAILURES" "$glog")"
	fi
}

# stats PREFIX: the stats line's figures as PREFIX_NAME variables.
stats() {
	local line w
	line=$(in_ns bin/toro stats "$SPORT") || return 1
	[[ "$line" == "toro-stats "* ]] || return 1
	for w in ${line#toro-stats }; do
		[[ "$w" =~ ^([a-z_]+)=([0-9]+)$ ]] && printf -v "$1_${BASH_REMATCH[1]}" '%s' "${BASH_REMATCH[2]}"
	done
	printf '%s\n' "$line" >> "$LOGDIR/$name.stats"
}

# settled PREFIX: stats once the server holds no connection (the listener
# and the stats channel's figures stop moving): the same fds and sockets as
# at the start, and free memory equal in two readings a second apart.
settled() {
	local i prev=
	for i in $(seq 120); do
		stats "$1" || return 1
		local fds=$1_fds sockets=$1_sockets free=$1_mem_free_kib ufree=$1_user_free_kib
		local now="${!fds} ${!sockets} ${!free} ${!ufree}"
		if [ "${!fds}" = "$s0_fds" ] && [ "${!sockets}" = "$s0_sockets" ] && [ "$now" = "$prev" ]; then
			return 0
		fi
		prev=$now
		sleep 1
	done
	return 0 # compared as it is
}

# within1 WHAT BEFORE AFTER: AFTER within 1% of BEFORE.
within1() {
	local d=$(($3 - $2))
	[ "${d#-}" -le $(($2 / 100)) ] && return 0
	echo "$1: $2 KiB before, $3 after ($d)"
	return 1
}

# load URL [LUA]: wrk -t2 -c64 for SOAK_SECONDS; zero socket errors and non-2xx.
load() {
	local out=$LOGDIR/$name.wrk a=()
	[ -n "${2:-}" ] && a=(-s "$2")
	in_ns wrk -t2 -c64 -d"${SECONDS_LOAD}s" "${a[@]+"${a[@]}"}" "$1" > "$out" 2>&1
	local rc=$? req
	req=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$out")
	[ "$rc" = 0 ] && [ -n "$req" ] && [ "$req" -gt 0 ] || { cat "$out"; return 1; }
	if grep -q 'Socket errors' "$out" || grep -q 'Non-2xx' "$out"; then
		cat "$out"
		return 1
	fi
	echo "$req requests in ${SECONDS_LOAD} s ($(sed -n 's/^Requests\/sec: *//p' "$out")/s)," \
	     "latency $(awk '/^    Latency/ {print "avg " $2 ", stdev " $3 ", max " $4}' "$out"):" \
	     "no socket error, no non-2xx answer"
}

memory_back() {
	settled s1 || { echo "no stats after the load"; return 1; }
	local ok=0
	within1 mem_free_kib "$s0_mem_free_kib" "$s1_mem_free_kib" || ok=1
	within1 user_free_kib "$s0_user_free_kib" "$s1_user_free_kib" || ok=1
	echo "free pages $s0_mem_free_kib -> $s1_mem_free_kib KiB, the program's free" \
	     "$s0_user_free_kib -> $s1_user_free_kib KiB (kernel heap $s0_kheap_kib -> $s1_kheap_kib," \
	     "lwIP $s0_netmem_kib -> $s1_netmem_kib, fds $s0_fds -> $s1_fds)"
	return $ok
}

# check LABEL CMD...: passes when CMD exits 0, with its last line.
check() {
	local label=$1 out
	shift
	if out=$("$@" 2>&1); then pass "$label ($(printf '%s' "$out" | tail -n 1))"; else fail "$label" "$out"; fi
}

soak_httpd() {
	name=httpd
	: > "$LOGDIR/$name.stats"
	boot "$HTTPD" /index.html || { fail "no answer within 30 s" "$(tail -n 15 "$glog")"; finish; return; }
	settled s0 || { fail "no stats channel"; finish; return; }
	check "wrk -t2 -c64 -d${SECONDS_LOAD}s /index.html" load "http://$GUEST/index.html"
	check "free memory back within 1% after the load" memory_back
	finish
}

soak_kv() {
	name=kv
	: > "$LOGDIR/$name.stats"
	boot "$KV" /stats || { fail "no answer within 30 s" "$(tail -n 15 "$glog")"; finish; return; }
	local i urls=()
	head -c 1024 /dev/zero | tr '\0' v > "$work/value"
	for i in $(seq 0 $((KEYS - 1))); do urls+=("http://$GUEST/k/key$i"); done
	in_ns curl -fsS -m 60 -X PUT --data-binary "@$work/value" "${urls[@]}" > /dev/null ||
		{ fail "could not put the $KEYS keys"; finish; return; }
	settled s0 || { fail "no stats channel"; finish; return; }
	check "wrk -t2 -c64 -d${SECONDS_LOAD}s, GET and PUT of $KEYS keys" \
		load "http://$GUEST" tests/soak/kvmix.lua
	grep -qx "keys $KEYS" <(in_ns curl -sS -m 5 "http://$GUEST/stats") && pass "still $KEYS keys" ||
		fail "not $KEYS keys after the load" "$(in_ns curl -sS -m 5 "http://$GUEST/stats")"
	check "free memory back within 1% after the load" memory_back
	finish
}

t0=$SECONDS
for s in "${services[@]}"; do
	case "$s" in
	httpd) soak_httpd ;;
	kv) soak_kv ;;
	*) echo "soak: unknown service '$s' (httpd, kv)" >&2; exit 2 ;;
	esac
done
echo "soak: $passed passed, $failed failed ($((SECONDS - t0)) s)"
[ "$failed" = 0 ]
