#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/apps/redis.sh: redis-server from Debian's redis source package, built
# with toro-cc (make redis, tests/apps/redis.mk), driven from the host by
# Debian's redis-cli and redis-benchmark (redis-tools) through QEMU's hostfwd.
# Its redis.conf is read from a FAT disk made by `toro mkdisk` (the disk is
# the root: `redis-server /redis.conf`, `dir /data`). Each configuration is
# one boot:
#   - redis-cli checks values: SET/GET, INCR, LPUSH/LRANGE, a value with
#     every byte 0-255 (sent with -x, read back byte-exact) under a key with
#     non-ASCII bytes, a key with a TTL;
#   - redis-benchmark with 50 clients (its default), -n N (20000), set, get,
#     incr, lpush, lrange_100: every test reports its rate, no error, exit 0
#     (before tools/listen-backlog.c it hung: docs/network.md);
#   - the values again after the benchmark (it writes its own keys only),
#     SAVE, DBSIZE, SHUTDOWN NOSAVE: the program exits 0;
#   - on the host: the disk's data/dump.rdb passes redis-check-rdb with as
#     many keys as DBSIZE said, and fsck.fat -n finds nothing.
# The first configuration boots a second time on the same disk: Redis loads
# dump.rdb and redis-cli finds the same values (the binary one byte-exact).
# Configurations: microvm with 1 vCPU, q35 with 2 (make test); `--all` adds
# microvm with 2 and q35 with 1. Then the same source built with musl-gcc
# -static, unmodified, under `toro run --app` on microvm with 1 vCPU. -n N changes the benchmark's request count
# (make bench's Redis row runs its own, bench/redis.sh).
#   tests/apps/redis.sh [--counts FILE] [--keep] [--all] [-n N]
# Prints PASS/FAIL per check and "redis: N passed, N failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
cd "$ROOT" || exit 2
counts= keep=0 all=0 requests=20000
while [ $# -gt 0 ]; do
	case "$1" in
	--counts) counts=$2; shift ;;
	--keep) keep=1 ;;
	--all) all=1 ;;
	-n) requests=$2; shift ;;
	*) echo "usage: $0 [--counts FILE] [--keep] [--all] [-n N]" >&2; exit 2 ;;
	esac
	shift
done
ELF=${TORO_REDIS_ELF:-build/apps/redis-server.elf}
STATIC=build/apps/redis-server.linux # musl-gcc -static: run unmodified (--app)
RUN_IMG=("$ELF")
PORT=${TORO_REDIS_PORT:-5148}   # the host's end of the hostfwd
TIMEOUT=${TORO_REDIS_TIMEOUT:-300}
. tests/apps/lib.sh
app_init redis
guest=
app_cleanup() { [ -n "$guest" ] && kill "$guest" 2>/dev/null && wait "$guest" 2>/dev/null; }

# ---- the build (cached in build/: a few minutes the first time) ----
app_build "$LOGS/redis-build.log" redis
pass "build: $ELF ($build_s s)"
app_need redis-cli redis-benchmark redis-check-rdb fsck.fat mcopy

# ---- the disk: redis.conf and an empty data directory ----
mkdir -p "$work/disk/data"
cat > "$work/disk/redis.conf" <<'EOF'
# tests/apps/redis.sh: read by redis-server from Toro's FAT root
port 6379
bind 0.0.0.0
# Clients come from QEMU's user network (10.0.2.2), not from loopback.
protected-mode no
daemonize no
logfile ""
dir /data
dbfilename dump.rdb
# Snapshots only when asked (SAVE): BGSAVE forks, and Toro runs one process.
save ""
appendonly no
databases 4
EOF
# A value with every byte 0-255 and a key with non-ASCII bytes.
printf "$(printf '\\%03o' $(seq 0 255))" > "$work/binary"
BINKEY=$'bin\xff\x01 key \xc3\xbc'

cli() { timeout 20 redis-cli -p "$PORT" "$@"; }

# boot NAME MACHINE SMP IMG: starts the guest in the background, waits for
# Redis to say it is ready. Sets $guest and $glog.
boot() {
	glog=$LOGS/redis.$1.log
	bin/toro run --timeout "$TIMEOUT" --machine "$2" --smp "$3" --mem 128 \
		--net "user:$PORT:6379" --disk "$4" "${RUN_IMG[@]}" -- -- /redis.conf > "$glog" 2>&1 &
	guest=$!
	local i
	for i in $(seq 600); do
		grep -aq 'Ready to accept connections' "$glog" && return 0
		kill -0 "$guest" 2>/dev/null || break
		sleep 0.2
	done
	return 1
}

# stop: SHUTDOWN NOSAVE, then the exit status of toro run (the program's).
stop() {
	cli shutdown nosave > /dev/null 2>&1
	local rc
	wait "$guest"; rc=$?
	guest=
	return $rc
}

kernel_trouble() { grep -aE '^toro: (panic|kernel panic|kernel fault)' "$glog" | head -n 1; }

# check_values: what set_values stored, with redis-cli; prints why not.
check_values() {
	local v
	[ "$(cli get greeting)" = "hello from toro" ] || { echo "GET greeting: '$(cli get greeting)'"; return; }
	[ "$(cli get counter)" = 3 ] || { echo "GET counter: '$(cli get counter)'"; return; }
	v=$(cli lrange list 0 -1 | tr '\n' ' ')
	[ "$v" = "c b a " ] || { echo "LRANGE list 0 -1: '$v'"; return; }
	# --raw output ends with a newline of redis-cli's own.
	cli --raw get "$BINKEY" > "$work/binary.back"
	[ "$(stat -c %s "$work/binary.back")" = 257 ] && head -c 256 "$work/binary.back" | cmp -s - "$work/binary" ||
		{ echo "the binary value differs ($(stat -c %s "$work/binary.back") bytes back)"; return; }
	v=$(cli ttl expiring)
	[ "$v" -gt 0 ] 2>/dev/null || echo "TTL expiring: '$v'"
}

set_values() {
	local out
	out=$(cli set greeting "hello from toro"; cli incr counter; cli incr counter; cli incr counter
	      cli rpush list b; cli lpush list c; cli rpush list a
	      cli -x set "$BINKEY" < "$work/binary"; cli set expiring soon ex 86400)
	[ "$(echo $out)" = "OK 1 2 3 1 2 3 OK OK" ] || echo "the writes answered '$(echo $out)'"
}

# bench: redis-benchmark's default 50 clients; every test reports a rate.
bench() {
	local out=$LOGS/redis.$1.bench rc t
	t=$SECONDS
	timeout 240 redis-benchmark -p "$PORT" -q -n "$requests" -t set,get,incr,lpush,lrange_100 \
		> "$out" 2>&1
	rc=$?
	tr '\r' '\n' < "$out" | grep -a 'requests per second' > "$out.rates"
	if [ $rc != 0 ]; then
		echo "exit status $rc$([ $rc = 124 ] && echo ' (timed out after 240 s)'), $(wc -l < "$out.rates") of 6 tests done"
	elif tr '\r' '\n' < "$out" | grep -aqiE 'error|refused|reset'; then
		echo "errors: $(tr '\r' '\n' < "$out" | grep -aiE -m1 'error|refused|reset')"
	elif [ "$(wc -l < "$out.rates")" != 6 ]; then
		echo "$(wc -l < "$out.rates") of 6 tests reported a rate"
	fi
	bench_secs=$(( SECONDS - t ))
}

run_config() { # NAME MACHINE SMP REBOOT
	local name=$1 machine=$2 smp=$3 reboot=$4 img=$work/$1.img why dbsize rates
	bin/toro mkdisk --fat 16 --size 32M -o "$img" "$work/disk" > /dev/null || { fail "$name: toro mkdisk"; return; }
	if ! boot "$name" "$machine" "$smp" "$img"; then
		fail "$name: redis-server not ready ($glog:)"
		tail -n 15 "$glog" | sed 's/^/    /'
		[ -n "$guest" ] && kill "$guest" 2>/dev/null; wait "$guest" 2>/dev/null; guest=
		return
	fi
	# What only the disk's redis.conf sets (the defaults: 16, the working
	# directory, and a save policy).
	why=$(cli config get databases | tr '\n' ' ')$(cli config get dir | tr '\n' ' ')$(cli config get save | tr '\n' ' ')
	[ "$why" = "databases 4 dir /data save  " ] && pass "$name: redis.conf read from the FAT disk (databases 4, dir /data, no save points), ready" ||
		fail "$name: the settings of redis.conf: '$why'"
	why=$(set_values)
	[ -z "$why" ] && why=$(check_values)
	[ -z "$why" ] && pass "$name: SET/GET, INCR, LPUSH/LRANGE, 256-byte binary value, TTL" ||
		fail "$name: values: $why"
	why=$(bench "$name")
	rates=$(sed -E 's/: ([0-9.]+) requests per second.*/ \1/' "$LOGS/redis.$name.bench.rates" | tr '\n' ',' | sed 's/,$//;s/,/, /g')
	[ -z "$why" ] && pass "$name: redis-benchmark -c 50 -n $requests: $rates req/s" ||
		{ fail "$name: redis-benchmark -c 50 -n $requests: $why"; tail -n 5 "$glog" | sed 's/^/    /'; }
	why=$(check_values)
	dbsize=$(cli dbsize)
	[ -z "$why" ] && [ "$(cli save)" = OK ] && pass "$name: values intact after the benchmark, SAVE ($dbsize keys)" ||
		fail "$name: after the benchmark: ${why:-SAVE failed}"
	stop; local rc=$?
	why=$(kernel_trouble)
	[ $rc = 0 ] && [ -z "$why" ] && pass "$name: SHUTDOWN NOSAVE, exit status 0" ||
		fail "$name: exit status $rc ${why}"
	# On the host: the snapshot Redis wrote on the disk.
	export MTOOLS_SKIP_CHECK=1
	rm -f "$work/dump.rdb"
	if ! mcopy -n -i "$img" ::/data/dump.rdb "$work/dump.rdb" 2> "$work/mcopy.err"; then
		fail "$name: no data/dump.rdb on the disk: $(cat "$work/mcopy.err")"
	elif ! redis-check-rdb "$work/dump.rdb" > "$work/check.out" 2>&1; then
		fail "$name: redis-check-rdb: $(grep -m1 -iE 'error|wrong|invalid' "$work/check.out")"
	elif ! grep -q "\[info\] $dbsize keys read" "$work/check.out"; then
		fail "$name: redis-check-rdb read '$(grep -m1 'keys read' "$work/check.out")', DBSIZE said $dbsize"
	elif why=$(fsck.fat -n "$img" 2>&1 | grep -vE '^fsck\.fat [0-9.]+ |: [0-9]+ files, [0-9]+/[0-9]+ clusters$'); [ -n "$why" ]; then
		fail "$name: fsck.fat -n: $why"
	else
		pass "$name: on the host: dump.rdb ($(stat -c %s "$work/dump.rdb") bytes) passes redis-check-rdb, $dbsize keys; fsck.fat clean"
	fi
	[ "$reboot" = 1 ] || return
	if ! boot "$name.reboot" "$machine" "$smp" "$img"; then
		fail "$name reboot: redis-server not ready"
		tail -n 15 "$glog" | sed 's/^/    /'
		[ -n "$guest" ] && kill "$guest" 2>/dev/null; wait "$guest" 2>/dev/null; guest=
		return
	fi
	why=$(check_values)
	[ -z "$why" ] && [ "$(cli dbsize)" = "$dbsize" ] &&
		pass "$name reboot: dump.rdb loaded, $dbsize keys, the values as written" ||
		fail "$name reboot: ${why:-DBSIZE $(cli dbsize), not $dbsize}"
	stop || fail "$name reboot: exit status $?"
}

run_config microvm-1 microvm 1 1
run_config q35-2 q35 2 0
if [ $all = 1 ]; then
	run_config microvm-2 microvm 2 0
	run_config q35-1 q35 1 0
fi

# The same source built with musl-gcc -static (make redis-linux, also the
# Linux guest's in make bench), run unmodified: toro run --app.
t=$SECONDS
if make -s -j2 redis-linux >> "$LOGS/redis-build.log" 2>&1; then
	pass "build: $STATIC with musl-gcc -static ($(( SECONDS - t )) s)"
	RUN_IMG=(--app "$STATIC")
	run_config app-microvm-1 microvm 1 0
else
	fail "build: make redis-linux (last lines of $LOGS/redis-build.log:)"
	tail -n 20 "$LOGS/redis-build.log" | sed 's/^/    /'
fi
finish
