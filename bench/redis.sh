# SPDX-License-Identifier: MIT
# The Redis part of `make bench`, sourced by bench/run.sh after bench/files.sh
# (it uses their variables and helpers): redis-server from Debian's source
# (tests/apps/redis.mk), built with toro-cc for Toro and with musl-gcc -static
# for the Linux guest (its /init runs it), both on microvm with 1 vCPU, the
# same arguments; Debian's redis-benchmark on the host,
# `redis-benchmark -q -n 100000 -t set,get -c 50`, through QEMU's hostfwd.
# Rounds are interleaved (toro, linux, toro, linux, ...), a fresh boot each;
# its rows in the rounds table (bench/rounds.sh) give median, min and max, and
# min / median / max of the same-round ratios, judged on their median against
# the issue's target (toro >= 3x linux). Both QEMUs get
# build/tools/listen-backlog.so (docs/network.md: hostfwd's backlog of 1 let
# only two of the 50 clients in at once). BENCH_REDIS=0 skips it;
# BENCH_REDIS_RUNS (rounds, default 3), BENCH_REDIS_N (requests, 100000),
# BENCH_REDIS_PORT (the host port, default 5149) tune it. docs/bench.md.

DO_REDIS=${BENCH_REDIS:-1}
REDIS_RUNS=${BENCH_REDIS_RUNS:-$([ "$QUICK" = 1 ] && echo 1 || echo 3)}
REDIS_N=${BENCH_REDIS_N:-$([ "$QUICK" = 1 ] && echo 20000 || echo 100000)}
REDIS_PORT=${BENCH_REDIS_PORT:-5149}
REDIS_MEM=256					# both systems
REDIS_TORO_IMG=build/apps/redis-server.elf
REDIS_LINUX_BIN=build/apps/redis-server.linux
# No snapshots (BGSAVE would fork), no IPv6 listener; clients come from
# QEMU's user network, not loopback. No empty argument (`--save ''`): the
# kernel command line (-append here, the Linux guest's /init too) drops it.
REDIS_ARGS="--port 6379 --bind 0.0.0.0 --protected-mode no --save 86400 1000000000 --appendonly no"
REDIS_SYSTEMS=()

build_redis() {
	[ "$DO_REDIS" = 1 ] || { note "Redis rows skipped (BENCH_REDIS=0)"; return 1; }
	command -v redis-benchmark >/dev/null && command -v redis-cli >/dev/null ||
		{ note "Redis rows skipped: redis-benchmark/redis-cli missing (apt-get install redis-tools)"; return 1; }
	if make -s -j2 redis > "$B/logs/redis-build.log" 2>&1; then
		REDIS_SYSTEMS+=(toro)
	else
		note "Redis on Toro skipped: make redis failed ($B/logs/redis-build.log)"
	fi
	if has_system linux && make -s -j2 redis-linux >> "$B/logs/redis-build.log" 2>&1 &&
		bench/linux/mkguest.sh netinitrd "$B/linux" redis "$REDIS_ARGS" "$REDIS_LINUX_BIN"; then
		REDIS_SYSTEMS+=(linux)
	else
		note "Redis on the Linux guest skipped (no Linux guest, or make redis-linux failed)"
	fi
	[ ${#REDIS_SYSTEMS[@]} -gt 0 ]
}

# redis_start SYSTEM LOG: boots it in the background, waits for PING.
redis_start() {
	local s=$1 l=$2 i pre=build/tools/listen-backlog.so args
	args=(-M microvm -m "$REDIS_MEM" -netdev "user,id=net0,hostfwd=tcp:127.0.0.1:$REDIS_PORT-:6379"
	      -device virtio-net-device,netdev=net0)
	if [ "$s" = toro ]; then
		args[1]=microvm,acpi=off
		args+=(-kernel "$REDIS_TORO_IMG" -append "toro.ip=10.0.2.15/24 toro.gw=10.0.2.2 -- $REDIS_ARGS")
	else
		args+=(-kernel "$B/linux/vmlinuz" -initrd "$B/linux/redis.initrd.gz" -append "$LINUX_APPEND")
	fi
	LD_PRELOAD=$(readlink -f "$pre") timeout 600 "${QEMU[@]}" "${args[@]}" < /dev/null > "$l" 2>&1 &
	REDIS_QPID=$!
	for ((i = 0; i < 900; i++)); do
		[ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ] && return 0
		kill -0 "$REDIS_QPID" 2>/dev/null || break
		sleep 0.2
	done
	redis_stop
	return 1
}
redis_stop() {
	[ -n "${REDIS_QPID:-}" ] && { kill "$REDIS_QPID" 2>/dev/null; wait "$REDIS_QPID" 2>/dev/null; }
	REDIS_QPID=
	return 0
}

# redis_round SYSTEM ROUND: one boot, one redis-benchmark run; raw rows
# redis_set_rps and redis_get_rps, or redis_fail.
redis_round() {
	local s=$1 r=$2 l=$B/logs/redis-$1-$2.log out=$B/logs/redis-$1-$2.bench set get
	if ! redis_start "$s" "$l"; then
		printf 'redis_fail\t%s\t-\t1\n' "$s" >> "$RAW"
		note "redis, $s round $r: no PONG (log: $l)"
		return 1
	fi
	timeout 300 redis-benchmark -p "$REDIS_PORT" -q -n "$REDIS_N" -t set,get -c 50 > "$out" 2>&1
	redis_stop
	set=$(tr '\r' '\n' < "$out" | sed -n 's/^SET: \([0-9.]*\) requests per second.*/\1/p')
	get=$(tr '\r' '\n' < "$out" | sed -n 's/^GET: \([0-9.]*\) requests per second.*/\1/p')
	if [ -z "$set" ] || [ -z "$get" ]; then
		printf 'redis_fail\t%s\t-\t1\n' "$s" >> "$RAW"
		note "redis, $s round $r: redis-benchmark gave no SET/GET figure ($out)"
		return 1
	fi
	printf 'redis_set_rps\t%s\tsmp1\t%s\nredis_get_rps\t%s\tsmp1\t%s\n' "$s" "$set" "$s" "$get" >> "$RAW"
	eval "redis_last_set_$s=\$set redis_last_get_$s=\$get"
}

measure_redis() {
	local r s
	[ ${#REDIS_SYSTEMS[@]} -gt 0 ] || return 0
	log "Redis: redis-benchmark -q -n $REDIS_N -t set,get -c 50, $REDIS_RUNS rounds x (${REDIS_SYSTEMS[*]}), microvm -smp 1"
	load_mark redis
	trap 'redis_stop' EXIT
	for ((r = 1; r <= REDIS_RUNS; r++)); do
		redis_last_set_toro= redis_last_set_linux= redis_last_get_toro= redis_last_get_linux=
		for s in "${REDIS_SYSTEMS[@]}"; do redis_round "$s" "$r" || true; done
		[ -n "$redis_last_set_toro" ] && [ -n "$redis_last_set_linux" ] &&
			printf 'redis_ratio_set\ttoro\tsmp1\t%s\nredis_ratio_get\ttoro\tsmp1\t%s\n' \
				"$(awk -v a="$redis_last_set_toro" -v b="$redis_last_set_linux" 'BEGIN { printf "%.3f", a / b }')" \
				"$(awk -v a="$redis_last_get_toro" -v b="$redis_last_get_linux" 'BEGIN { printf "%.3f", a / b }')" >> "$RAW"
	done
	trap - EXIT
	load_mark redis
	return 0
}

report_redis() {
	local op s v
	[ ${#REDIS_SYSTEMS[@]} -gt 0 ] || return 0
	rounds_header
	for op in set get; do
		rounds_row "redis-benchmark ${op^^}, 1 vCPU" "redis_${op}_rps" smp1 "redis_ratio_$op" \
			redis req/s ">=" 3 "toro >= 3x linux"
	done
	for s in toro linux; do
		v=$(awk -F'\t' -v s=$s '$1 == "redis_fail" && $2 == s' "$RAW" | wc -l)
		[ "$v" -gt 0 ] && note "redis: $s gave no figures in $v of $REDIS_RUNS rounds"
	done
	note "redis rows: 7.0.15 from Debian's source, -m $REDIS_MEM, redis-benchmark -q -n $REDIS_N -t set,get -c 50"
	return 0
}
