# SPDX-License-Identifier: MIT
# Bulk TCP throughput, a part of `make bench` sourced by bench/run.sh (it uses
# http.sh's boots): examples/httpd --bulk 64 (64 MiB made in memory at start,
# served as /bulk: no disk) on Toro and on the Linux guest, 1 vCPU, -m 256;
# bench/tools/httpload downloads it once per boot through hostfwd and times it
# (connect to last byte). Rounds of (toro, linux), a fresh boot each; MB/s is
# 10^6 bytes per second. BENCH_BULK=0 skips it; BENCH_BULK_RUNS (rounds,
# default 3, 1 with BENCH_QUICK=1), BENCH_BULK_MIB (64). docs/bench.md.

DO_BULK=${BENCH_BULK:-1}
BULK_RUNS=${BENCH_BULK_RUNS:-$([ "$QUICK" = 1 ] && echo 1 || echo 3)}
BULK_MIB=${BENCH_BULK_MIB:-64}
BULK_MEM=256
BULK_ARGS="$HTTP_APP_ARGS --bulk $BULK_MIB"
BULK_SYSTEMS=()

build_bulk() {
	[ "$DO_BULK" = 1 ] || { note "bulk download row skipped (BENCH_BULK=0)"; return 1; }
	[ ${#HTTP_SYSTEMS[@]} -gt 1 ] || { note "bulk download row skipped: no HTTP guests"; return 1; }
	gcc -O2 -Wall -Wextra -o "$B/tools/httpload" bench/tools/httpload.c ||
		{ note "bulk download row skipped: httpload did not build"; return 1; }
	has_http_system toro && BULK_SYSTEMS+=(toro)
	if has_http_system linux; then
		if bench/linux/mkguest.sh netinitrd "$B/linux" httpd-bulk "$BULK_ARGS" \
			-Iinclude examples/httpd/*.c "$HTTP_WWW_S"; then
			BULK_SYSTEMS+=(linux)
		else
			note "bulk download on Linux skipped: the guest did not build"
		fi
	fi
}

# bulk_sample SYSTEM ROUND: one boot, one download; raw row bulk_mbs SYSTEM smp1.
bulk_sample() {
	local s=$1 r=$2 l=$B/logs/bulk-$1-$2.log out
	local HTTP_TORO_APPEND="toro.ip=10.0.2.15/24 toro.gw=10.0.2.2 -- $BULK_ARGS"
	local HTTP_LINUX_INITRD=$B/linux/httpd-bulk.initrd.gz
	BULK_MBS=
	load_mark bulk
	if ! http_start "$s" 1 "$l" "$BULK_MEM"; then
		note "bulk, $s round $r: no response (log: $l)"
		return 0
	fi
	out=$("$B/tools/httpload" -p "$HTTP_PORT" -P /bulk -t 120 2>&1) || out=
	http_stop
	load_mark bulk
	if [ "$(field bytes "$out")" != $((BULK_MIB << 20)) ]; then
		note "bulk, $s round $r: download incomplete (${out:-no output}; log: $l)"
		return 0
	fi
	BULK_MBS=$(awk -v b="$(field bytes "$out")" -v u="$(field us "$out")" 'BEGIN { printf "%.2f", b / u }')
	printf 'bulk_mbs\t%s\tsmp1\t%s\n' "$s" "$BULK_MBS" >> "$RAW"
}

measure_bulk() {
	local r s toro linux
	[ ${#BULK_SYSTEMS[@]} -gt 0 ] || return 0
	log "bulk download: $BULK_MIB MiB from httpd, $BULK_RUNS rounds x (${BULK_SYSTEMS[*]}), -smp 1"
	trap 'http_stop' EXIT
	for ((r = 1; r <= BULK_RUNS; r++)); do
		toro= linux=
		for s in "${BULK_SYSTEMS[@]}"; do
			bulk_sample $s $r
			eval "$s=\$BULK_MBS"
		done
		[ -n "$toro" ] && [ -n "$linux" ] &&
			printf 'bulk_ratio\ttoro\tsmp1\t%s\n' "$(ratio "$toro" "$linux")" >> "$RAW"
	done
	trap - EXIT
	return 0
}

report_bulk() {
	[ ${#BULK_SYSTEMS[@]} -gt 0 ] || return 0
	rounds_header
	rounds_row "bulk download, $BULK_MIB MiB, 1 vCPU" bulk_mbs smp1 bulk_ratio bulk MB/s \
		">=" 1 "toro >= linux"
}
