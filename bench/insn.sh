# SPDX-License-Identifier: MIT
# Guest instructions per keep-alive HTTP request, a part of `make bench`
# sourced by bench/run.sh (it uses http.sh's boots): each server of the HTTP
# rows (httpd, the minimal epoll server) on Toro and on the Linux guest, one
# vCPU, under -icount shift=0,sleep=on with the insncount plugin
# (bench/tools/insncount.c), which prints the guest's instruction count when
# asked. In one boot: count, N1 keep-alive requests on one connection
# (bench/tools/httpload), count, N2 requests on a new connection, count; per
# request = ((c2 - c1) - (c1 - c0)) / (N2 - N1), so the boot, the connection's
# set-up and close and any fixed cost cancel out. Exact, and blind to the host's
# load. BENCH_INSN=0 skips it; BENCH_INSN_RUNS (boots per system and server,
# default 1), BENCH_INSN_N1 (200), BENCH_INSN_N2 (1200). docs/bench.md.

DO_INSN=${BENCH_INSN:-1}
INSN_RUNS=${BENCH_INSN_RUNS:-1}
INSN_N1=${BENCH_INSN_N1:-200}
INSN_N2=${BENCH_INSN_N2:-1200}
INSN_PLUGIN=$B/tools/insncount.so
INSN_FIFO=$B/http/insn.fifo
INSN_OK=0

build_insn() {
	[ "$DO_INSN" = 1 ] || { note "instructions-per-request rows skipped (BENCH_INSN=0)"; return 1; }
	[ ${#HTTP_SYSTEMS[@]} -gt 1 ] || { note "instructions-per-request rows skipped: no HTTP guests"; return 1; }
	gcc -O2 -Wall -Wextra -o "$B/tools/httpload" bench/tools/httpload.c &&
		gcc -O2 -Wall -Wextra -shared -fPIC -o "$INSN_PLUGIN" bench/tools/insncount.c -lpthread ||
		{ note "instructions-per-request rows skipped: httpload or insncount.so did not build"; return 1; }
	INSN_OK=1
}

# insn_count LOG: asks the plugin for the count and prints it (the new
# "insncount insns=" line in LOG); fails when none comes within 10 s.
insn_count() {
	local l=$1 before i
	before=$(grep -ac 'insncount insns=' "$l" || true)
	timeout 10 sh -c "echo > '$INSN_FIFO'" 2>/dev/null || return 1
	for ((i = 0; i < 200; i++)); do
		if [ "$(grep -ac 'insncount insns=' "$l" || true)" -gt "$before" ]; then
			grep -ao 'insncount insns=[0-9]*' "$l" | tail -1 | cut -d= -f2
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# insn_sample SERVER SYSTEM RUN: one boot; raw row insn_req SYSTEM SERVER value.
insn_sample() {
	local srv=$1 s=$2 run=$3 l=$B/logs/insn-$1-$2-$3.log c0 c1 c2 kind
	kind=$([ "$srv" = httpd ] && echo http || echo epoll)
	rm -f "$INSN_FIFO"
	mkfifo "$INSN_FIFO"
	local HTTP_TIMEOUT=300	# Linux boots slower under -icount
	local -a HTTP_VM_EXTRA=(-icount shift=0,sleep=on -plugin "$INSN_PLUGIN,fifo=$INSN_FIFO")
	http_use "$srv"
	if ! http_start "$s" 1 "$l"; then
		note "insn, $srv on $s: no response (log: $l)"
		return 1
	fi
	if c0=$(insn_count "$l") &&
		"$B/tools/httpload" -p "$HTTP_PORT" -n "$INSN_N1" >> "$l.load" 2>&1 && c1=$(insn_count "$l") &&
		"$B/tools/httpload" -p "$HTTP_PORT" -n "$INSN_N2" >> "$l.load" 2>&1 && c2=$(insn_count "$l"); then
		printf 'insn_req\t%s\t%s\t%s\n' "$s" "$kind" \
			$((((c2 - c1) - (c1 - c0)) / (INSN_N2 - INSN_N1))) >> "$RAW"
	else
		note "insn, $srv on $s: no count (logs: $l, $l.load)"
	fi
	http_stop
	rm -f "$INSN_FIFO"
	http_use httpd
}

measure_insn() {
	local run srv s a b kind
	[ "$INSN_OK" = 1 ] || return 0
	log "instructions per request: ($INSN_N2 - $INSN_N1) keep-alive requests, $INSN_RUNS run(s) x (${HTTP_SERVERS[*]}) x (toro linux), -icount"
	trap 'http_stop' EXIT
	load_mark insn
	for ((run = 1; run <= INSN_RUNS; run++)); do
		for srv in "${HTTP_SERVERS[@]}"; do
			kind=$([ "$srv" = httpd ] && echo http || echo epoll)
			for s in toro linux; do
				has_http_system $s && insn_sample "$srv" $s $run
			done
			a=$(awk -F'\t' -v k=$kind '$1 == "insn_req" && $2 == "toro" && $3 == k { v = $4 } END { print v }' "$RAW")
			b=$(awk -F'\t' -v k=$kind '$1 == "insn_req" && $2 == "linux" && $3 == k { v = $4 } END { print v }' "$RAW")
			[ -n "$a" ] && [ -n "$b" ] &&
				printf 'insn_ratio\ttoro\t%s\t%s\n' $kind "$(ratio "$a" "$b")" >> "$RAW"
		done
	done
	load_mark insn
	trap - EXIT
	return 0
}

report_insn() {
	[ "$INSN_OK" = 1 ] || return 0
	rounds_header
	rounds_row "insn per keep-alive request, httpd" insn_req http insn_ratio insn insn \
		"<=" 0.3333 "toro <= 1/3 linux"
	[[ " ${HTTP_SERVERS[*]} " == *" epoll "* ]] &&
		rounds_row "  the same, minimal epoll server" insn_req epoll insn_ratio insn insn
	return 0
}
