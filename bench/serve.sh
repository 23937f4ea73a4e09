#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The toro serve part of `make bench` (docs/deploy.md, "On demand: toro
# serve"): the cold first response through `toro serve` next to the floor
# kernel's boot on microvm, in the same run, rounds interleaved (floor,
# direct, serve, floor, ...). Each serve round starts a fresh serve (no VM),
# sends one HTTP request to examples/httpd through it and takes curl's time
# from the connection accepted to the first byte of the answer
# (time_starttransfer - time_connect); serve's log gives the same span as it
# saw it and the time until the guest said it listens. "direct" runs the same
# QEMU command without serve (QEMU start -> the guest's listening line): what
# serve adds is the difference. The floor: bench/floor (QEMU's own start-up,
# QEMU start -> its line, bench/tools/qtime). Target (issue 12): the serve
# figure within 15 ms of the floor's boot.
# Runs alone (bench/serve.sh; make bench-serve) or sourced by bench/run.sh,
# which then calls build_serve, measure_serve and report_serve.
# BENCH_SERVE_RUNS (rounds, default 5), BENCH_SERVE_PORT (host port, 21370).

SERVE_RUNS=${BENCH_SERVE_RUNS:-5}
SERVE_PORT=${BENCH_SERVE_PORT:-21370}
SERVE_IMG=build/examples/httpd.elf
SERVE_B=${B:-build/bench}
SERVE_TXT=$SERVE_B/serve.txt
SERVE_RAW=$SERVE_B/serve.tsv
SERVE_OK=0

sv_log() { echo "bench: $*" >&2; }
sv_median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit }
	if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
sv_stats() { # KIND -> "min median max" in ms of the KIND rows of $SERVE_RAW
	local v
	v=$(awk -v k="$1" '$1 == k { print $2 }' "$SERVE_RAW")
	[ -n "$v" ] || { echo "- - -"; return; }
	echo "$(sort -n <<<"$v" | head -n 1) $(sv_median <<<"$v") $(sort -n <<<"$v" | tail -n 1)"
}

build_serve() {
	mkdir -p "$SERVE_B/tools" "$SERVE_B/floor" "$SERVE_B/logs"
	[ -x build/tools/toro-serve ] && [ -f "$SERVE_IMG" ] ||
		{ sv_log "toro serve row skipped: build/tools/toro-serve or $SERVE_IMG not built (make)"; return 1; }
	if [ ! -x "$SERVE_B/tools/qtime" ] || [ ! -f "$SERVE_B/floor/floor.elf" ]; then
		gcc -O2 -Wall -Wextra -o "$SERVE_B/tools/qtime" bench/tools/qtime.c &&
		gcc -c bench/floor/floor.S -o "$SERVE_B/floor/floor.o" &&
		ld -n --no-warn-rwx-segments -T bench/floor/floor.ld -o "$SERVE_B/floor/floor.elf" \
			"$SERVE_B/floor/floor.o" || return 1
	fi
	SERVE_OK=1
}

sv_floor() {
	local r first
	r=$("$SERVE_B/tools/qtime" -t 20 -m floor -o "$SERVE_B/logs/serve-floor.log" -- \
		qemu-system-x86_64 -cpu max -nographic -no-reboot -nodefaults -serial stdio \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 -accel tcg -smp 1,maxcpus=2 \
		-M microvm -m 16 -kernel "$SERVE_B/floor/floor.elf") || true
	first=$(sed -n 's/.*first_us=\([-0-9]*\).*/\1/p' <<<"$r")
	[ -n "$first" ] && [ "$first" != -1 ] &&
		awk -v u="$first" 'BEGIN { printf "floor_ms\t%.1f\n", u / 1000 }' >> "$SERVE_RAW"
}

# The VM serve boots, without serve: the QEMU command toro run gives for it
# (as serve asks it), run directly; QEMU start -> the guest's listening line.
# Serve's cold figure minus this one is what serve itself adds.
sv_direct() {
	local d r first
	d=$(mktemp -d "${TMPDIR:-/tmp}/bench-serve.XXXXXX")
	if bin/toro run --print-qemu "$d" --net user:$((SERVE_PORT + 1)):80 "$SERVE_IMG" -- \
		toro.net.announce toro.ip=10.0.2.15/24 toro.gw=10.0.2.2 toro.dns=10.0.2.3 --quiet; then
		mapfile -d '' -t cmd < "$d/qemu.argv"
		r=$("$SERVE_B/tools/qtime" -t 20 -c 0.01 -m "toro: listening on tcp port 80" \
			-o "$SERVE_B/logs/serve-direct.log" -- "${cmd[@]}") || true
		first=$(sed -n 's/.*first_us=\([-0-9]*\).*/\1/p' <<<"$r")
		[ -n "$first" ] && [ "$first" != -1 ] &&
			awk -v u="$first" 'BEGIN { printf "direct_ms\t%.1f\n", u / 1000 }' >> "$SERVE_RAW"
	fi
	rm -rf "$d"
}

sv_serve() { # ROUND
	local slog=$SERVE_B/logs/serve-$1.log spid i t
	: > "$slog" # before serve starts: the last run's line must not be taken for its own
	bin/toro serve --listen 127.0.0.1:$SERVE_PORT --idle 60 "$SERVE_IMG" -- --quiet >> "$slog" 2>&1 &
	spid=$!
	for i in $(seq 100); do grep -q "toro serve: listening on" "$slog" && break; sleep 0.1; done
	t=$(curl -sS -m 60 -o /dev/null -w '%{time_connect} %{time_starttransfer}' \
		"http://127.0.0.1:$SERVE_PORT/index.html") || t=
	kill -TERM "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	if [ -z "$t" ]; then
		printf 'serve_fail\t1\n' >> "$SERVE_RAW"
		return
	fi
	awk -v c="${t% *}" -v s="${t#* }" 'BEGIN { printf "serve_client_ms\t%.1f\n", (s - c) * 1000 }' >> "$SERVE_RAW"
	sed -n 's/.*first answer byte \([0-9.]*\) ms after.*/serve_log_ms\t\1/p' "$slog" >> "$SERVE_RAW"
	sed -n 's/.*guest listening \([0-9.]*\) ms after.*/serve_listen_ms\t\1/p' "$slog" >> "$SERVE_RAW"
	sed -n 's/.*first console line at \([0-9.]*\) ms.*/serve_console_ms\t\1/p' "$slog" >> "$SERVE_RAW"
	# The same round's floor: the difference is steadier than either figure.
	awk -F'\t' '$1 == "floor_ms" { f = $2 } $1 == "serve_client_ms" { s = $2 }
		END { if (f != "" && s != "") printf "diff_ms\t%.1f\n", s - f }' \
		<(grep -E '^(floor_ms|serve_client_ms)' "$SERVE_RAW" | tail -n 2) >> "$SERVE_RAW"
}

measure_serve() {
	[ "$SERVE_OK" = 1 ] || return 0
	: > "$SERVE_RAW"
	sv_log "toro serve: $SERVE_RUNS rounds of (floor boot, the VM without serve, cold first response through serve), microvm"
	local i
	for ((i = 1; i <= SERVE_RUNS; i++)); do
		sv_floor
		sv_direct
		sv_serve "$i"
	done
}

report_serve() {
	[ "$SERVE_OK" = 1 ] || return 0
	local fl sc sl li verdict fails
	fl=($(sv_stats floor_ms)); sc=($(sv_stats serve_client_ms))
	sl=($(sv_stats serve_log_ms)); li=($(sv_stats serve_listen_ms))
	local co=($(sv_stats serve_console_ms)) df=($(sv_stats diff_ms)) di=($(sv_stats direct_ms))
	fails=$(grep -c '^serve_fail' "$SERVE_RAW")
	verdict=n/a
	[ "${sc[1]}" != - ] && [ "${fl[1]}" != - ] &&
		verdict=$(awk -v s="${sc[1]}" -v f="${fl[1]}" 'BEGIN { print (s <= f + 15) ? "PASS" : "MISS" }')
	{
		echo "toro serve, $(date -u '+%Y-%m-%d %H:%M UTC'), microvm, TCG, $SERVE_RUNS rounds interleaved; host load: $(cut -d' ' -f1-3 /proc/loadavg)"
		printf '%-58s %8s %8s %8s\n' "figure (ms)" min median max
		printf '%-58s %8s %8s %8s\n' "floor kernel: QEMU start -> its line" "${fl[@]}"
		printf '%-58s %8s %8s %8s\n' "the same QEMU without serve: start -> guest listening" "${di[@]}"
		printf '%-58s %8s %8s %8s\n' "serve cold: connection accepted -> first byte (curl)" "${sc[@]}"
		printf '%-58s %8s %8s %8s\n' "serve cold: the same, serve's log" "${sl[@]}"
		printf '%-58s %8s %8s %8s\n' "serve cold: boot began -> first console line (serve's log)" "${co[@]}"
		printf '%-58s %8s %8s %8s\n' "serve cold: boot began -> guest listening (serve's log)" "${li[@]}"
		printf '%-58s %8s %8s %8s\n' "serve cold minus the same round's floor" "${df[@]}"
		echo "target: serve cold median <= floor median + 15 ms: $verdict; failed rounds: $fails"
	} > "$SERVE_TXT"
	cat "$SERVE_TXT"
	[ -n "${TXT:-}" ] && { echo; cat "$SERVE_TXT"; } >> "$TXT"
	return 0
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -uo pipefail
	cd "$(dirname "$0")/.." || exit 2
	build_serve || exit 1
	measure_serve
	report_serve
fi
