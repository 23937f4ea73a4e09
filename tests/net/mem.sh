#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/net/mem.sh: memory that is promised is there (docs/kernel.md, "Memory"),
# driven from the host while the guest runs. Per machine:
#  - stats: the kernel's stats channel (toro run --stats, k/kstats.h) answers,
#    and its figures move as they must while tests/net/memprobe.c maps, touches
#    and unmaps 4 MiB on command (a second host channel);
#  - kv in 4 MiB, filled with 64 KiB PUTs: 201s, then 503 (never a crash), every
#    stored value still GETs byte-exact, 200 parallel GETs are answered or
#    refused (none hangs) and it serves again after, DELETE makes room;
#  - httpd in 4 MiB under 200 parallel connections: the same.
# One PASS/FAIL line per check, "mem: N passed, N failed" last.
#   tests/net/mem.sh [--counts FILE] [MACHINE...]     (pc q35 microvm; default: microvm pc)
set -uo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
cd "$ROOT" || exit 2
NETC=build/tests/net/netclient
PROBE=build/tests/net/memprobe.elf
KV=build/examples/kv.elf
HTTPD=build/examples/httpd.elf
KERNEL_FAILURES='toro: panic|toro: kernel panic|toro: kernel fault|out of memory for application page'
UNTIL_TRIES=1200
. tests/net/lib.sh
hosttest_init mem "microvm pc" "$@"

# boot_mem NAME MEM IMAGE TORO-RUN-OPTIONS... [-- ARGS]: with the stats channel on $sport.
boot_mem() {
	local name=$1
	BOOT_MEM=$2 BOOT_TIMEOUT=300 guest_start "mem-$name" --stats "$sport" "${@:3}"
}

# The stats line as shell variables: s_mem_free_kib=... (prefix $1).
stats_into() {
	local line w
	line=$("$TORO" stats "$sport") || return 1
	[[ "$line" == "toro-stats "* ]] || { echo "not a stats line: '$line'"; return 1; }
	for w in ${line#toro-stats }; do
		[[ "$w" =~ ^([a-z_]+)=([0-9]+)$ ]] || { echo "bad word '$w'"; return 1; }
		printf -v "$1_${BASH_REMATCH[1]}" '%s' "${BASH_REMATCH[2]}"
	done
}

# within NAME VALUE LOW HIGH: LOW <= VALUE <= HIGH, or say so.
within() {
	[ "$2" -ge "$3" ] && [ "$2" -le "$4" ] && return 0
	echo "$1 = $2, expected $3..$4"
	return 1
}

# ---- the stats channel, against memprobe's commands ----

# probe CMD: one command line to memprobe, its answer in $reply.
probe() {
	echo "$1" >&4 && IFS= read -r -t 20 reply <&4
}

stats_keys() {
	local k s
	stats_into s || return 1
	for k in uptime_ms mem_total_kib mem_free_kib user_free_kib user_committed_kib \
		user_resident_kib user_mappings kernel_reserve_kib kheap_kib pagetables_kib threads fds; do
		s="s_$k"
		[ -n "${!s:-}" ] || { echo "no $k"; return 1; }
	done
	within mem_free_kib "$s_mem_free_kib" 1 "$s_mem_total_kib" &&
		within user_free_kib "$s_user_free_kib" 1 "$s_mem_free_kib" &&
		within threads "$s_threads" 1 1 && within fds "$s_fds" 4 8 || return 1
	# three requests on one connection, three lines
	local n
	n=$(exec 3<> "/dev/tcp/127.0.0.1/$sport" && printf '\n\n\n' >&3 &&
		for i in 1 2 3; do IFS= read -r -t 10 l <&3 && echo "$l"; done | grep -c '^toro-stats ')
	[ "$n" = 3 ] || { echo "$n lines for three requests"; return 1; }
	echo "total $s_mem_total_kib KiB, free $s_mem_free_kib, for the program $s_user_free_kib"
}

sysinfo_agrees() {
	probe free && [[ "$reply" =~ ^freeram\ ([0-9]+) ]] || { echo "probe: '$reply'"; return 1; }
	local f=${BASH_REMATCH[1]}
	stats_into a || return 1
	within "sysinfo freeram vs user_free_kib $a_user_free_kib" "$f" \
		$((a_user_free_kib - 16)) $((a_user_free_kib + 16)) || return 1
	echo "sysinfo freeram $f KiB, stats user_free_kib $a_user_free_kib"
}

# 1024 pages mapped: promised (the program's free drops by 4 MiB and the page
# tables), not yet used (free pages move by the tables only); touched: used.
map_moves() {
	stats_into b || return 1
	probe "map 1024" && [ "$reply" = "mapped 1024" ] || { echo "probe: '$reply'"; return 1; }
	stats_into c || return 1
	within "user_committed_kib rise" $((c_user_committed_kib - b_user_committed_kib)) 4096 4096 &&
		within "user_free_kib drop" $((b_user_free_kib - c_user_free_kib)) 4096 4128 &&
		within "mem_free_kib drop" $((b_mem_free_kib - c_mem_free_kib)) 0 32 || return 1
	probe touch && [ "$reply" = "touched 1024" ] || { echo "probe: '$reply'"; return 1; }
	stats_into d || return 1
	within "user_resident_kib rise" $((d_user_resident_kib - c_user_resident_kib)) 4096 4096 &&
		within "mem_free_kib drop" $((c_mem_free_kib - d_mem_free_kib)) 4080 4128 &&
		within "user_free_kib change" $((c_user_free_kib - d_user_free_kib)) -16 16 || return 1
	probe unmap && [ "$reply" = unmapped ] || { echo "probe: '$reply'"; return 1; }
	stats_into e || return 1
	within "user_committed_kib" "$e_user_committed_kib" "$b_user_committed_kib" "$b_user_committed_kib" &&
		within "user_free_kib back" $((b_user_free_kib - e_user_free_kib)) -16 32 &&
		within "mem_free_kib back" $((b_mem_free_kib - e_mem_free_kib)) -16 32 || return 1
	echo "map: program's free -$((b_user_free_kib - c_user_free_kib)) KiB; touch: free pages" \
	     "-$((c_mem_free_kib - d_mem_free_kib)) KiB; unmap: back within" \
	     "$((b_user_free_kib - e_user_free_kib)) KiB (page tables stay)"
}

test_stats() {
	local qa=(--qemu-arg -chardev
		--qemu-arg "socket,id=probe,host=127.0.0.1,port=$pport,server=on,wait=off"
		--qemu-arg -device --qemu-arg "virtserialport,bus=torostats.0,chardev=probe,name=org.toro.test")
	boot_mem stats 16 "$PROBE" "${qa[@]}"
	if ! until_ok grep -aq '^memprobe: ready' "$glog"; then
		fail "stats: memprobe did not start" "$(tail -n 15 "$glog")"
		finish stats any
		return
	fi
	exec 4<> "/dev/tcp/127.0.0.1/$pport"
	check "stats: the channel answers, every figure there" stats_keys
	check "stats: sysinfo's freeram is the channel's user_free_kib" sysinfo_agrees
	check "stats: 4 MiB mapped, touched, unmapped" map_moves
	echo exit >&4
	exec 4>&-
	finish stats 0
}

# ---- kv in 4 MiB ----

kv_fill() {
	local i code
	head -c 65536 /dev/urandom > "$work/v64"
	for i in $(seq 1 200); do
		code=$(curl -sS -m 20 -o /dev/null -w '%{http_code}' -X PUT --data-binary "@$work/v64" \
			"http://127.0.0.1:$hport/k/key$i")
		[ "$code" = 201 ] && continue
		[ "$code" = 503 ] || { echo "PUT $i: $code, expected 201 or 503"; return 1; }
		stored=$((i - 1))
		[ "$stored" -ge 16 ] || { echo "only $stored values of 64 KiB before 503"; return 1; }
		stats_into f || return 1
		echo "$stored values of 64 KiB stored, then 503 (the program's free memory then" \
		     "$f_user_free_kib KiB)"
		return 0
	done
	echo "200 PUTs of 64 KiB and no 503 in 4 MiB"
	return 1
}

kv_all_there() {
	local i
	[ "$stored" -gt 0 ] || { echo "nothing was stored"; return 1; }
	for i in $(seq 1 "$stored"); do
		curl -sS -m 20 -o "$work/got" "http://127.0.0.1:$hport/k/key$i" &&
			cmp -s "$work/got" "$work/v64" || { echo "GET key$i: not the value put"; return 1; }
	done
	echo "$stored of $stored values GET byte-exact"
}

# After a burst the server may still be closing what it refused (its memory
# comes back as it does): wait until it answers again, then
# every value must be there.
kv_serves_again() {
	until_ok curl -sf -m 5 -o /dev/null "http://127.0.0.1:$hport/k/key1" ||
		{ echo "no answer to GET key1 any more"; return 1; }
	kv_all_there
}

# Full stays full: more PUTs are answered 201 or 503, and a 503 comes within
# eight (memory the server let go of since, such as a closed connection's
# buffers, may take one or two more values; it cannot take them all).
kv_refuses_again() {
	local i code took=0
	for i in 1 2 3 4 5 6 7 8; do
		code=$(curl -sS -m 20 -o /dev/null -w '%{http_code}' -X PUT --data-binary "@$work/v64" \
			"http://127.0.0.1:$hport/k/more$i")
		case "$code" in
		503) echo "PUT when full: 503 (after $took more stored)"; return 0 ;;
		201) took=$((took + 1)) ;;
		*) echo "PUT when full: $code, expected 503 (or 201 while room was freed)"; return 1 ;;
		esac
	done
	echo "PUT when full: 8 more values stored, never 503"
	return 1
}

kv_makes_room() {
	local i code
	for i in 1 2 3 4; do
		code=$(curl -sS -m 20 -o /dev/null -w '%{http_code}' -X DELETE "http://127.0.0.1:$hport/k/key$i")
		[ "$code" = 204 ] || { echo "DELETE key$i: $code"; return 1; }
	done
	code=$(curl -sS -m 20 -o /dev/null -w '%{http_code}' -X PUT --data-binary "@$work/v64" \
		"http://127.0.0.1:$hport/k/key1")
	[ "$code" = 201 ] || { echo "PUT after 4 DELETEs: $code, expected 201"; return 1; }
	echo "4 DELETEs, then a PUT: 201"
}

test_kv() {
	boot_mem kv 4 "$KV" --net "user:$hport:80" -- --quiet --debug
	if ! until_ok curl -sf -m 0.25 -o /dev/null "http://127.0.0.1:$hport/stats"; then
		fail "kv: no HTTP answer" "$(tail -n 15 "$glog")"
		finish kv any
		return
	fi
	stored=0
	check "kv 4 MiB: 64 KiB PUTs until 503" kv_fill
	check "kv 4 MiB: every stored value is there" kv_all_there
	check "kv 4 MiB: full, it refuses again" kv_refuses_again
	check "kv 4 MiB: 200 parallel GETs of 64 KiB when full" "$NETC" "$hport" burst 200 /k/key2
	check "kv 4 MiB: serves again after" kv_serves_again
	check "kv 4 MiB: DELETE makes room" kv_makes_room
	curl -s -m 5 -o /dev/null "http://127.0.0.1:$hport/debug/exit"
	finish kv 0
}

test_httpd() {
	boot_mem httpd 4 "$HTTPD" --net "user:$hport:80" -- --quiet --debug
	if ! until_ok curl -sf -m 0.25 -o /dev/null "http://127.0.0.1:$hport/"; then
		fail "httpd: no HTTP answer" "$(tail -n 15 "$glog")"
		finish httpd any
		return
	fi
	check "httpd 4 MiB: 200 parallel connections" "$NETC" "$hport" burst 200 /index.html
	until_ok curl -sf -m 5 -o /dev/null "http://127.0.0.1:$hport/index.html"
	check "httpd 4 MiB: serves again after" "$NETC" "$hport" seq 20 /index.html
	curl -s -m 5 -o /dev/null "http://127.0.0.1:$hport/debug/exit"
	finish httpd 0
}

hosttest_need "$NETC" "$PROBE" "$KV" "$HTTPD"
idx=0
for machine in "${machines[@]}"; do
	case "$machine" in pc|q35|microvm) ;; *) echo "mem.sh: unknown machine '$machine'" >&2; exit 2 ;; esac
	cfg=$machine
	# microvm with two vCPUs (the examples then serve from a thread on each).
	smp=1
	[ "$machine" = microvm ] && smp=2
	# Ports 18800-18991: four per machine in a block of twelve per run, picked
	# from the pid so that two runs at once rarely meet.
	base=$((18800 + idx * 4 + ($$ % 16) * 12))
	sport=$base pport=$((base + 1)) hport=$((base + 2))
	test_stats
	test_kv
	hport=$((base + 3))
	test_httpd
	idx=$((idx + 1))
done
hosttest_end
