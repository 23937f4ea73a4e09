#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The boot part of `make bench` (issue 11.3), sourced by bench/run.sh (it uses
# run.sh's variables and helpers: QEMU_BASE, ICOUNT, qtime, field, log, note,
# RAW, row, tsv, verdict, ms, has_system, sys_args, sys_marker), or run alone:
# `bench/boot.sh` (BOOT_ROUNDS, default 5). Figures:
#  - kernel entry -> main and -> listen() in guest instructions (-icount,
#    toro.bootstats, httpd on microvm with a static address): exact;
#  - QEMU start -> first HTTP response (httpd) and -> first line (hello), each
#    next to the floor kernel's first line booted the same way, in interleaved
#    rounds: min/median/max of the per-round difference toro - floor;
#  - -smp 2 / -smp 1 boot of hello (multi-threaded TCG for two), per round.
# BENCH_BOOT=0 skips it.

DO_BOOT=${BENCH_BOOT:-1}
BOOT_ROUNDS=${BENCH_BOOT_ROUNDS:-${RUNS:-5}}
BOOT_PORT0=${BENCH_BOOT_PORT:-21100}		# ports BOOT_PORT0 .. +49 on 127.0.0.1
BOOT_HTTPD_APPEND="toro.ip=10.0.2.15/24 toro.gw=10.0.2.2 -- --quiet --port 80"
BOOT_HTTPD=build/examples/httpd.elf
BOOT_HTTPD_IMG=$B/toro/boot-httpd.elf

boot_port_i=0
boot_port() { BOOT_PORT=$((BOOT_PORT0 + boot_port_i % 50)); boot_port_i=$((boot_port_i + 1)); }

# boot_vm N: VM=(QEMU with N vCPUs): as smp.sh and http.sh.
boot_vm() {
	if [ "$1" = 1 ]; then
		VM=("${QEMU_BASE[@]}" -accel tcg -smp 1,maxcpus=2)
	else
		VM=("${QEMU_BASE[@]}" -accel tcg,thread=multi -smp "$1,maxcpus=$1")
	fi
}

# boot_net_args KERNEL [APPEND]: ARGS for a microvm with virtio-net on the next port.
boot_net_args() {
	boot_port
	ARGS=(-M microvm,acpi=off -m "$MEM_SMALL"
	      -netdev "user,id=net0,hostfwd=tcp:127.0.0.1:$BOOT_PORT-:80"
	      -device virtio-net-device,netdev=net0 -kernel "$1")
	[ -n "${2:-}" ] && ARGS+=(-append "$2")
	return 0
}

build_boot() {
	[ "$DO_BOOT" = 1 ] || { note "boot rows skipped (BENCH_BOOT=0)"; return 1; }
	[ -x "$B/tools/httpup" ] || gcc -O2 -Wall -Wextra -o "$B/tools/httpup" bench/tools/httpup.c
	if [ ! -f "$BOOT_HTTPD" ]; then
		note "boot rows skipped: $BOOT_HTTPD not built"
		DO_BOOT=0
		return 1
	fi
	cp "$BOOT_HTTPD" "$BOOT_HTTPD_IMG"
}

# ---- 1. instruction counts per boot phase (exact: one run) ----
measure_boot_icount() {
	local l=$B/logs/boot-icount.log e m li
	boot_vm 1
	boot_net_args "$BOOT_HTTPD_IMG" "toro.bootstats $BOOT_HTTPD_APPEND"
	"$B/tools/httpup" -k -p "$BOOT_PORT" -m "listening on port" -t 300 -o "$l" -- \
		"${VM[@]}" "${ICOUNT[@]}" "${ARGS[@]}" > /dev/null || true
	m=$(tr -d '\r' < "$l" | sed -n 's/^toro: boot +\([0-9]*\) main$/\1/p' | head -1)
	li=$(tr -d '\r' < "$l" | sed -n 's/^toro: boot listen_tsc=[0-9]* +\([0-9]*\)$/\1/p' | head -1)
	if [ -z "$m" ] || [ -z "$li" ]; then
		note "boot: no toro.bootstats lines under -icount (log: $l)"
		return 0
	fi
	printf 'boot_entry_main_insn\ttoro\tmicrovm\t%s\n' "$m" >> "$RAW"
	printf 'boot_entry_listen_insn\ttoro\tmicrovm\t%s\n' "$li" >> "$RAW"
	# The phases, for the report's notes.
	tr -d '\r' < "$l" | grep -a '^toro: boot +' > "$B/boot-phases.txt" || true
}

# ---- 2. wall-clock rounds: floor, httpd, hello -smp 1, hello -smp 2 ----
boot_first() {	# TIMEOUT MARKER LOG -> first_us or -1, on "${VM[@]}" "${ARGS[@]}"
	local r
	r=$("$B/tools/qtime" -t "$1" -m "$2" -o "$3" -- "${VM[@]}" "${ARGS[@]}" || true)
	if [ "$(field timeout "$r")" = 1 ]; then echo -1; else field first_us "$r"; fi
}

measure_boot_rounds() {
	local i r fl fh hello1 hello2 resp
	log "boot: $BOOT_ROUNDS interleaved rounds (floor, httpd's first response, hello -smp 1 and 2)"
	for ((i = 1; i <= BOOT_ROUNDS; i++)); do
		boot_vm 1
		boot_net_args "$B/floor/floor.elf"
		fl=$(boot_first 20 floor "$B/logs/boot-floor-net.log")
		boot_net_args "$BOOT_HTTPD_IMG" "$BOOT_HTTPD_APPEND"
		r=$("$B/tools/httpup" -k -p "$BOOT_PORT" -m "listening on port" -t 20 \
			-o "$B/logs/boot-httpd.log" -- "${VM[@]}" "${ARGS[@]}" || true)
		resp=$(field first_us "$r")
		sys_args floor microvm
		fh=$(boot_first 20 floor "$B/logs/boot-floor.log")
		sys_args toro microvm
		hello1=$(boot_first 20 "$MARKER" "$B/logs/boot-hello-smp1.log")
		boot_vm 2
		hello2=$(boot_first 20 "$MARKER" "$B/logs/boot-hello-smp2.log")
		if [ "$fl" -le 0 ] 2>/dev/null || [ "${resp:--1}" -le 0 ] || [ "$fh" -le 0 ] ||
		   [ "$hello1" -le 0 ] || [ "$hello2" -le 0 ]; then
			printf 'boot_round_fail\ttoro\t-\t1\n' >> "$RAW"
			continue
		fi
		printf 'boot_http_minus_floor_us\ttoro\t-\t%s\n' $((resp - fl)) >> "$RAW"
		printf 'boot_http_first_us\ttoro\t-\t%s\n' "$resp" >> "$RAW"
		printf 'boot_http_first_us\tfloor\t-\t%s\n' "$fl" >> "$RAW"
		printf 'boot_hello_minus_floor_us\ttoro\t-\t%s\n' $((hello1 - fh)) >> "$RAW"
		printf 'boot_hello_first_us\ttoro\t-\t%s\n' "$hello1" >> "$RAW"
		printf 'boot_hello_first_us\tfloor\t-\t%s\n' "$fh" >> "$RAW"
		printf 'boot_smp_ratio_milli\ttoro\t-\t%s\n' $((hello2 * 1000 / hello1)) >> "$RAW"
		log "  boot round $i/$BOOT_ROUNDS done"
	done
}

measure_boot() {
	[ "$DO_BOOT" = 1 ] || return 0
	measure_boot_icount
	measure_boot_rounds
}

# ---- report ----
boot_mmm() {	# KIND SYSTEM -> "min / median / max" of the raw values, or -
	local v
	v=$(awk -F'\t' -v k="$1" -v s="$2" '$1 == k && $2 == s { print $4 }' "$RAW" | sort -n)
	[ -n "$v" ] || { echo -; return; }
	echo "$(head -1 <<<"$v") / $(median <<<"$v") / $(tail -1 <<<"$v")"
}
boot_ms3() { [ "$1" = - ] && echo - || awk -v s="$1" 'BEGIN { split(s, a, " / "); printf "%.1f/%.1f/%.1f", a[1] / 1000, a[2] / 1000, a[3] / 1000 }'; }
boot_x3() { [ "$1" = - ] && echo - || awk -v s="$1" 'BEGIN { split(s, a, " / "); printf "%.2f/%.2f/%.2f", a[1] / 1000, a[2] / 1000, a[3] / 1000 }'; }
boot_med() { [ "$1" = - ] && echo - || awk -v s="$1" 'BEGIN { split(s, a, " / "); print a[2] }'; }

report_boot() {
	local v t d
	[ "$DO_BOOT" = 1 ] || return 0
	{
		echo
		echo "Boot (issue 11.3), microvm; wall: $BOOT_ROUNDS interleaved rounds, min/median/max; host load: $(cut -d' ' -f1-3 /proc/loadavg)"
	} >> "$TXT"
	row figure floor linux toro target verdict
	v=$(get boot_entry_main_insn toro microvm)
	[ "$v" != - ] && tsv boot_entry_to_main_insn microvm toro "$v" insn
	row "httpd: kernel entry -> main (insn)" - - "$v" "" ""
	v=$(get boot_entry_listen_insn toro microvm)
	t=$(verdict "$v" "<=" 2000000)
	[ "$v" != - ] && tsv boot_entry_to_listen_insn microvm toro "$v" insn
	tsv target_entry_to_listen microvm toro "$t" -
	row "httpd: kernel entry -> listen() (insn)" - - "$v" "toro <= 2,000,000" "$t"
	v=$(boot_mmm boot_http_first_us floor); d=$(boot_mmm boot_http_first_us toro)
	row "QEMU start -> first HTTP response (ms)" "$(boot_ms3 "$v")" - "$(boot_ms3 "$d")" "" ""
	d=$(boot_mmm boot_http_minus_floor_us toro)
	t=$(verdict "$(boot_med "$d")" "<=" 10000)
	[ "$d" != - ] && tsv boot_http_first_minus_floor_ms microvm toro "$(ms "$(boot_med "$d")")" ms
	tsv target_http_first_vs_floor microvm toro "$t" -
	row "  toro - floor, per round (ms)" - - "$(boot_ms3 "$d")" "median <= 10 ms" "$t"
	v=$(boot_mmm boot_hello_first_us floor); d=$(boot_mmm boot_hello_first_us toro)
	row "QEMU start -> hello's first line (ms)" "$(boot_ms3 "$v")" - "$(boot_ms3 "$d")" "" ""
	d=$(boot_mmm boot_hello_minus_floor_us toro)
	t=$(verdict "$(boot_med "$d")" "<=" 5000)
	[ "$d" != - ] && tsv boot_hello_first_minus_floor_ms microvm toro "$(ms "$(boot_med "$d")")" ms
	tsv target_hello_first_vs_floor microvm toro "$t" -
	row "  toro - floor, per round (ms)" - - "$(boot_ms3 "$d")" "median <= 5 ms" "$t"
	d=$(boot_mmm boot_smp_ratio_milli toro)
	t=$(verdict "$(boot_med "$d")" "<=" 1050)
	[ "$d" != - ] && tsv boot_smp2_over_smp1 microvm toro "$(boot_med "$d")" milli
	tsv target_smp2_boot_ratio microvm toro "$t" -
	row "hello -smp 2 / -smp 1, per round (x)" - - "$(boot_x3 "$d")" "median <= 1.05" "$t"
	v=$(count boot_round_fail toro -)
	[ "$v" -gt 0 ] && note "boot: $v of $BOOT_ROUNDS rounds failed (logs: $B/logs/boot-*.log)"
	[ -s "$B/boot-phases.txt" ] && { echo "httpd's boot phases under -icount (toro.bootstats, instructions since kernel entry):"; sed 's/^toro: boot /  /' "$B/boot-phases.txt"; } >> "$TXT"
	return 0
}

# Run alone: the boot rows only (floor and tools built as make bench does).
if [ "${BASH_SOURCE[0]}" = "$0" ] && [ -z "${BOOT_ALONE:-}" ]; then
	set -euo pipefail
	cd "$(dirname "$0")/.."
	BOOT_ALONE=1 BENCH_SOURCE_ONLY=1 source bench/run.sh
	BOOT_ROUNDS=${BENCH_BOOT_ROUNDS:-5}
	ensure_packages
	build_floor_and_tools
	SYSTEMS=(floor)
	if build_toro; then SYSTEMS+=(toro); fi
	has_system toro || { echo "bench/boot.sh: build/examples/hello.elf missing (make all)" >&2; exit 1; }
	build_boot || exit 1
	rm -f "$B"/logs/boot-*.log
	: > "$RAW"
	measure_boot
	: > "$TXT"
	printf 'metric\tmachine\tsystem\tvalue\tunit\n' > "$TSV"
	report_boot
	for v in "${NOTES[@]+"${NOTES[@]}"}"; do echo "note: $v" >> "$TXT"; done
	cat "$TXT"
fi
