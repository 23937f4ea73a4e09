#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make bench: boots the floor kernel, a Debian Linux guest and Toro images side by
# side under the same QEMU (TCG) and prints the table, also written to
# build/bench/results.txt and results.tsv. What is measured and how: docs/bench.md.
# Environment: BENCH_RUNS (wall-time runs per figure, default 10),
# BENCH_MACHINES (default "microvm q35"), BENCH_ICOUNT_RUNS (default 1),
# BENCH_MINMEM=0 skips the smallest -m search, BENCH_LINUX=0 skips the Linux guest,
# BENCH_SMP=0 skips the SMP figures (bench/smp.sh: idle cost, scaling, thread
# switches, boot with 2 vCPUs; BENCH_IDLE_SECONDS, BENCH_SCALE_ROUNDS,
# BENCH_SCALE_REPS, BENCH_QUIET_WAIT tune them), BENCH_HTTP=0 skips the HTTP
# figures (bench/http.sh: examples/httpd under wrk on Toro and on Linux;
# BENCH_HTTP_RUNS, BENCH_HTTP_WRK_REPS, BENCH_HTTP_PORT tune them), BENCH_FILES=0
# skips the file figures (bench/files.sh: bench/fsbench.c and httpd serving from
# a FAT32 disk on Toro and on Linux; BENCH_FILES_RUNS, BENCH_FILES_HTTP_REPS),
# BENCH_REDIS=0 skips the Redis row (bench/redis.sh: redis-benchmark against
# Toro and the Linux guest; BENCH_REDIS_RUNS, BENCH_REDIS_N, BENCH_REDIS_PORT),
# BENCH_INSN=0 the instructions per request (bench/insn.sh), BENCH_BULK=0 the
# bulk download (bench/bulk.sh). BENCH_QUICK=1: a smoke run (2 wall-time runs,
# microvm only, no memory search, 2 HTTP rounds of 3 s wrk, 1 round elsewhere);
# an explicit BENCH_* wins.
# BENCH_GRUB=0 skips the GRUB row (bench/grub.sh: hello from toro pack's ISO
# against -kernel on pc; BENCH_GRUB_RUNS).
# BENCH_BOOT=0 skips the boot rows (bench/boot.sh: instructions to main and listen(),
# first response and first line next to the floor, -smp 2 / -smp 1;
# BENCH_BOOT_ROUNDS, BENCH_BOOT_PORT; bench/boot.sh alone runs only them).
set -euo pipefail
cd "$(dirname "$0")/.."

B=build/bench
QUICK=${BENCH_QUICK:-0}
RUNS=${BENCH_RUNS:-$([ "$QUICK" = 1 ] && echo 2 || echo 10)}
MACHINES=${BENCH_MACHINES:-$([ "$QUICK" = 1 ] && echo microvm || echo microvm q35)}
ICOUNT_RUNS=${BENCH_ICOUNT_RUNS:-1}
DO_MINMEM=${BENCH_MINMEM:-$([ "$QUICK" = 1 ] && echo 0 || echo 1)}
DO_LINUX=${BENCH_LINUX:-1}
DO_SMP=${BENCH_SMP:-1}
HELLO_ARGS=world		# what `make run` passes to hello
MARKER=hello			# the first line hello prints contains it
TORO_HELLO=build/examples/hello.elf
TORO_IMG=$B/toro/hello.elf	# a copy: a rebuild during the bench cannot change it
TOROCC=bin/toro-cc
MEM_SMALL=16			# floor and Toro
MEM_LINUX=128			# Debian's kernel needs at least 96 here
# tsc=reliable: without it Debian's kernel finds nothing on microvm to check
# its TSC against, falls back to the refined-jiffies clock, and its idle host
# CPU triples (docs/bench.md).
LINUX_APPEND="console=ttyS0 quiet tsc_early_khz=2000000 tsc=reliable panic=-1"
QEMU_BASE=(qemu-system-x86_64 -cpu max -nographic -no-reboot -nodefaults -serial stdio
	   -device isa-debug-exit,iobase=0xf4,iosize=0x04)
QEMU=("${QEMU_BASE[@]}" -accel tcg -smp 1,maxcpus=2)
# sleep=off: virtual time advances only with executed instructions (and jumps
# over halts), so the TSC is the same on every run.
ICOUNT=(-icount shift=0,sleep=off)

NOTES=()
note() { NOTES+=("$*"); echo "bench: $*" >&2; }
log() { echo "bench: $*" >&2; }

# ---- dependencies: install what is missing (Debian, as root) ----
ensure_packages() {
	local missing=() pair
	for pair in qemu-system-x86_64:qemu-system-x86 musl-gcc:musl-tools cpio:cpio \
		    gzip:gzip strip:binutils gcc:gcc dpkg-deb:dpkg apt-get:apt wrk:wrk \
		    mkfs.fat:dosfstools fsck.fat:dosfstools mcopy:mtools; do
		command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "bench: missing ${missing[*]}; run as root or apt-get install them" >&2
		exit 1
	fi
	log "installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# ---- statistics ----
median() {	# numbers on stdin -> median (mean of the middle two for an even count)
	sort -n | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ---- systems ----
# Each system is a name; sys_args NAME MACHINE [MEM] sets ARGS to its QEMU
# arguments after the common ones (-M included) and MEM_DEFAULT for it.
SYSTEMS=()
sys_args() {
	local sys=$1 machine=$2 mem=${3:-}
	case $sys in
	floor)
		ARGS=(-M "$machine" -m "${mem:-$MEM_SMALL}" -kernel "$B/floor/floor.elf") ;;
	linux)
		ARGS=(-M "$machine" -m "${mem:-$MEM_LINUX}" -kernel "$B/linux/vmlinuz"
		      -initrd "$B/linux/hello.initrd.gz" -append "$LINUX_APPEND") ;;
	toro)
		ARGS=(-M "$machine" -m "${mem:-$MEM_SMALL}" -kernel "$TORO_IMG"
		      -append "-- $HELLO_ARGS") ;;
	esac
}
sys_marker() { [ "$1" = floor ] && echo floor || echo "$MARKER"; }
sys_timeout() { [ "$1" = linux ] && echo 90 || echo 20; }

qtime() {	# TIMEOUT MARKER LOG QEMU-ARGS... -> "first_us=.. exit_us=.. status=.. timeout=.."
	local t=$1 m=$2 l=$3; shift 3
	"$B/tools/qtime" -t "$t" -m "$m" -o "$l" -- "${QEMU[@]}" "$@" || true
}
field() { sed -n "s/.*\b$1=\([-0-9]*\).*/\1/p" <<<"$2"; }

build_floor_and_tools() {
	mkdir -p "$B/tools" "$B/floor" "$B/logs"
	gcc -O2 -Wall -Wextra -o "$B/tools/qtime" bench/tools/qtime.c
	gcc -c bench/floor/floor.S -o "$B/floor/floor.o"
	ld -n --no-warn-rwx-segments -T bench/floor/floor.ld -o "$B/floor/floor.elf" "$B/floor/floor.o"
}

build_linux() {
	[ "$DO_LINUX" = 1 ] || { note "Linux rows skipped (BENCH_LINUX=0)"; return 1; }
	mkdir -p "$B/linux"
	if ! bench/linux/mkguest.sh fetch "$B/linux"; then
		note "Linux rows skipped: could not fetch linux-image-amd64/busybox-static"
		return 1
	fi
	local hello_src=(examples/hello/*.c)
	if [ ! -e "${hello_src[0]}" ]; then
		hello_src=("$B/linux/hello_stand_in.c")
		printf '%s\n' '#include <stdio.h>' \
			'int main(int argc, char **argv) { printf("hello, %s\n", argc > 1 ? argv[1] : "world"); return 0; }' \
			> "${hello_src[0]}"
		note "examples/hello/*.c missing: the Linux guest runs a stand-in hello"
	fi
	bench/linux/mkguest.sh initrd "$B/linux" hello "$HELLO_ARGS" "${hello_src[@]}"
	bench/linux/mkguest.sh initrd "$B/linux" tsc_main "" bench/tsc_main.c
}

build_toro() {
	if [ ! -f "$TORO_HELLO" ]; then
		note "Toro rows skipped: $TORO_HELLO not built yet"
		return 1
	fi
	mkdir -p "$B/toro"
	cp "$TORO_HELLO" "$TORO_IMG"
	if [ -x "$TOROCC" ] && "$TOROCC" -O2 -o "$B/toro/tsc_main.elf" bench/tsc_main.c; then
		:
	else
		rm -f "$B/toro/tsc_main.elf"
		note "Toro instruction counts skipped: $TOROCC could not build bench/tsc_main.c"
	fi
}

# ---- measurements; raw rows go to $RAW: kind system machine value ----
RAW=$B/raw.tsv

measure_wall() {
	local i m s r first exit_us
	log "wall time: $RUNS runs x (${SYSTEMS[*]}) x ($MACHINES)"
	for ((i = 1; i <= RUNS; i++)); do
		# Interleaved, so a burst of host load touches every system alike.
		for m in $MACHINES; do
			for s in "${SYSTEMS[@]}"; do
				sys_args "$s" "$m"
				r=$(qtime "$(sys_timeout "$s")" "$(sys_marker "$s")" \
					"$B/logs/wall-$s-$m.log" "${ARGS[@]}")
				first=$(field first_us "$r"); exit_us=$(field exit_us "$r")
				if [ "$first" = -1 ] || [ "$(field timeout "$r")" = 1 ]; then
					printf 'wall_fail\t%s\t%s\t1\n' "$s" "$m" >> "$RAW"
					cp "$B/logs/wall-$s-$m.log" "$B/logs/fail-wall-$s-$m-$i.log"
					continue
				fi
				printf 'first_us\t%s\t%s\t%s\n' "$s" "$m" "$first" >> "$RAW"
				printf 'exit_us\t%s\t%s\t%s\n' "$s" "$m" "$exit_us" >> "$RAW"
			done
		done
		log "  run $i/$RUNS done"
	done
}

tsc_value() {	# NAME LOG -> the number after NAME= (decimal or 0x hex)
	local v
	v=$(grep -ao "$1=\(0x[0-9a-fA-F]*\|[0-9]*\)" "$2" | head -1 | cut -d= -f2) || true
	[ -n "$v" ] || return 1
	case $v in 0x*) echo $((v)) ;; *) echo $((10#$v)) ;; esac
}

measure_icount() {
	local m s i l v e args
	log "instruction counts (-icount shift=0): $ICOUNT_RUNS run(s)"
	for m in $MACHINES; do
		for s in "${SYSTEMS[@]}"; do
			case $s in
			floor) args=(-M "$m" -m $MEM_SMALL -kernel "$B/floor/floor.elf") ;;
			linux) args=(-M "$m" -m $MEM_LINUX -kernel "$B/linux/vmlinuz"
				     -initrd "$B/linux/tsc_main.initrd.gz" -append "$LINUX_APPEND") ;;
			toro) [ -f "$B/toro/tsc_main.elf" ] || continue
			      args=(-M "$m" -m $MEM_SMALL -kernel "$B/toro/tsc_main.elf"
				    -append "toro.bench") ;;
			esac
			for ((i = 1; i <= ICOUNT_RUNS; i++)); do
				l=$B/logs/icount-$s-$m.log
				qtime 300 "$( [ $s = floor ] && echo entry_tsc || echo main_tsc)" \
					"$l" "${ICOUNT[@]}" "${args[@]}" >/dev/null
				e=$(tsc_value entry_tsc "$l") &&
					printf 'entry_insn\t%s\t%s\t%s\n' "$s" "$m" "$e" >> "$RAW"
				[ $s = floor ] && continue
				if v=$(tsc_value main_tsc "$l"); then
					printf 'main_insn\t%s\t%s\t%s\n' "$s" "$m" "$v" >> "$RAW"
					[ -n "$e" ] && printf 'entry_main_insn\t%s\t%s\t%s\n' \
						"$s" "$m" $((v - e)) >> "$RAW"
				else
					note "$s on $m: no main_tsc line under -icount (log: $l)"
				fi
				e=
			done
		done
	done
}

boots_with() {	# SYSTEM MACHINE MEM -> success if the marker appears
	local r
	sys_args "$1" "$2" "$3"
	r=$(qtime "$( [ "$1" = linux ] && echo 60 || echo 5)" "$(sys_marker "$1")" \
		"$B/logs/minmem-$1-$2-$3.log" "${ARGS[@]}")
	[ "$(field first_us "$r")" != -1 ] && [ "$(field timeout "$r")" = 0 ]
}

measure_minmem() {
	local m s hi lo mid
	[ "$DO_MINMEM" = 1 ] || { note "smallest -m not searched (BENCH_MINMEM=0)"; return; }
	log "smallest -m (bisection from the value the timing runs use)"
	for m in $MACHINES; do
		for s in "${SYSTEMS[@]}"; do
			hi=$([ $s = linux ] && echo $MEM_LINUX || echo $MEM_SMALL)
			if ! boots_with "$s" "$m" "$hi"; then
				note "$s on $m does not boot with -m $hi"
				continue
			fi
			# lo is the largest size known to fail; 0 stands for "none yet".
			lo=0
			while ((hi - lo > 1)); do
				mid=$(((lo + hi) / 2))
				if boots_with "$s" "$m" "$mid"; then hi=$mid; else lo=$mid; fi
			done
			printf 'minmem_mib\t%s\t%s\t%s\n' "$s" "$m" "$hi" >> "$RAW"
		done
	done
}

measure_sizes() {
	strip -o "$B/floor/floor.stripped.elf" "$B/floor/floor.elf"
	printf 'size_bytes\tfloor\t-\t%s\n' "$(stat -c %s "$B/floor/floor.stripped.elf")" >> "$RAW"
	if has_system linux; then
		printf 'size_bytes\tlinux\tkernel\t%s\n' "$(stat -c %s "$B/linux/vmlinuz")" >> "$RAW"
		printf 'size_bytes\tlinux\tinitrd\t%s\n' "$(stat -c %s "$B/linux/hello.initrd.gz")" >> "$RAW"
	fi
	if has_system toro; then
		strip -o "$B/toro/hello.stripped.elf" "$TORO_IMG"
		printf 'size_bytes\ttoro\t-\t%s\n' "$(stat -c %s "$B/toro/hello.stripped.elf")" >> "$RAW"
	fi
}
has_system() { [[ " ${SYSTEMS[*]} " == *" $1 "* ]]; }

# ---- report ----
get() {		# KIND SYSTEM MACHINE -> median of the raw values, or -
	awk -F'\t' -v k="$1" -v s="$2" -v m="$3" '$1 == k && $2 == s && $3 == m { print $4 }' "$RAW" | median
}
count() { awk -F'\t' -v k="$1" -v s="$2" -v m="$3" '$1 == k && $2 == s && $3 == m' "$RAW" | wc -l; }
ms() { [ "$1" = - ] && echo - || awk -v v="$1" 'BEGIN { printf "%.1f", v / 1000 }'; }
kib() { [ "$1" = - ] && echo - || awk -v v="$1" 'BEGIN { printf "%.1f KiB", v / 1024 }'; }

TSV=$B/results.tsv
TXT=$B/results.txt
row() {		# FIGURE FLOOR LINUX TORO TARGET VERDICT
	printf '%-42s %10s %17s %10s   %-22s %s\n' "$@" >> "$TXT"
}
tsv() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >> "$TSV"; }	# metric machine system value unit

verdict() {	# VALUE OP LIMIT -> PASS, MISS or n/a
	[ "$1" = - ] && { echo n/a; return; }
	awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN {
		ok = (op == "<=") ? (v <= l) : (op == ">=") ? (v >= l) : 0
		print ok ? "PASS" : "MISS" }'
}

report() {
	local m s f e v fl li to t tgt floor linux toro p
	: > "$TXT"
	printf 'metric\tmachine\tsystem\tvalue\tunit\n' > "$TSV"
	{
		echo "Toro bench, $(date -u '+%Y-%m-%d %H:%M UTC'), $(qemu-system-x86_64 --version | head -1), TCG"
		echo "wall times: median of $RUNS runs (failed runs excluded, counted below); -smp 1,maxcpus=2"
		[ -f "$B/linux/VERSIONS" ] && has_system linux && sed 's/^/linux guest: /' "$B/linux/VERSIONS"
		echo
	} >> "$TXT"
	row figure floor linux toro target verdict
	for m in $MACHINES; do
		for f in first exit; do
			for s in floor linux toro; do
				v=$(get ${f}_us $s "$m"); eval "$s=\$v"
				[ "$v" != - ] && tsv "${f}_ms" "$m" "$s" "$(ms "$v")" ms
			done
			tgt=; t=
			if [ "$f" = first ] && [ "$m" = microvm ]; then
				tgt="toro <= floor + 5 ms"
				if [ "$toro" != - ] && [ "$floor" != - ]; then
					t=$(verdict "$toro" "<=" $((floor + 5000)))
				else
					t=n/a
				fi
				tsv target_first_line_vs_floor microvm toro "$t" -
			fi
			row "QEMU start -> $([ $f = first ] && echo 'first line' || echo exit), $m (ms)" \
				"$(ms "$floor")" "$(ms "$linux")" "$(ms "$toro")" "$tgt" "$t"
		done
	done
	for m in $MACHINES; do
		for s in floor linux toro; do
			v=$(get entry_insn $s "$m"); eval "$s=\$v"
			[ "$v" != - ] && tsv vm_start_to_entry_insn "$m" "$s" "$v" insn
		done
		row "VM start -> kernel entry, $m (insn)" "$floor" - "$toro" "" ""
		for s in linux toro; do
			v=$(get main_insn $s "$m"); eval "$s=\$v"
			[ "$v" != - ] && tsv vm_start_to_main_insn "$m" "$s" "$v" insn
		done
		row "VM start -> main, $m (insn)" - "$linux" "$toro" "" ""
		toro=$(get entry_main_insn toro "$m")
		t=$(verdict "$toro" "<=" 500000)
		[ "$toro" != - ] && tsv entry_to_main_insn "$m" toro "$toro" insn
		tsv target_entry_to_main "$m" toro "$t" -
		row "kernel entry -> main, $m (insn)" - - "$toro" "toro <= 500,000" "$t"
	done
	fl=$(get size_bytes floor -); to=$(get size_bytes toro -)
	li=-
	if [ "$(get size_bytes linux kernel)" != - ]; then
		li="$(get size_bytes linux kernel)+$(get size_bytes linux initrd)"
		tsv stripped_size_kernel - linux "$(get size_bytes linux kernel)" bytes
		tsv stripped_size_initrd - linux "$(get size_bytes linux initrd)" bytes
	fi
	[ "$fl" != - ] && tsv stripped_size - floor "$fl" bytes
	[ "$to" != - ] && tsv stripped_size - toro "$to" bytes
	t=$(verdict "$to" "<=" 49152)
	tsv target_hello_stripped - toro "$t" -
	row "stripped image (bytes)" "$fl" "$li" "$to" "toro <= 48 KiB" "$t"
	for m in $MACHINES; do
		for s in floor linux toro; do
			v=$(get minmem_mib $s "$m"); eval "$s=\$v"
			[ "$v" != - ] && tsv smallest_mem_mib "$m" "$s" "$v" MiB
		done
		tgt=; t=
		if [ "$m" = microvm ]; then
			tgt="toro boots with -m 2"; t=$(verdict "$toro" "<=" 2)
			tsv target_mem_2mib microvm toro "$t" -
		fi
		row "smallest -m, $m (MiB)" "$floor" "$linux" "$toro" "$tgt" "$t"
	done
	for m in $MACHINES; do
		for s in "${SYSTEMS[@]}"; do
			f=$(count wall_fail "$s" "$m")
			[ "$f" -gt 0 ] && note "$s on $m: $f of $RUNS wall-time runs failed (logs: $B/logs/fail-wall-$s-$m-*.log)"
		done
	done
	# A part's table goes to $TXT (printed whole below); serve's also prints
	# its own, which would show twice.
	for p in "${RUN_PARTS[@]}"; do "report_$p" > /dev/null || note "$p: report_$p failed"; done
	{
		echo
		echo "sizes: floor and toro are 'strip -o' copies of the ELF; linux is bzImage+initramfs (gzip)."
		echo "instruction counts: -icount shift=0,sleep=off, guest TSC; see docs/bench.md."
		for v in "${NOTES[@]}"; do echo "note: $v"; done
	} >> "$TXT"
	cat "$TXT"
	echo "bench: written to $TXT and $TSV" >&2
}

# The parts after the first table, in the order of their tables: each
# bench/NAME.sh defines build_NAME (0: it has something to measure),
# measure_NAME and report_NAME. http, insn, bulk and redis add rows to the
# rounds table (bench/rounds.sh), which the first of them to report opens.
# A new part: its file, and its name here.
PARTS=(smp http insn bulk redis files grub serve boot)
RUN_PARTS=()
source bench/rounds.sh
for p in "${PARTS[@]}"; do source "bench/$p.sh"; done

main() {
	ensure_packages
	build_floor_and_tools
	SYSTEMS=(floor)
	if build_linux; then SYSTEMS+=(linux); fi
	if build_toro; then SYSTEMS+=(toro); fi
	# BENCH_NAME=0 skips part NAME (BENCH_SMP=0, BENCH_SERVE=0, ...).
	for p in "${PARTS[@]}"; do
		v=BENCH_${p^^}
		if [ "${!v:-1}" = 0 ]; then note "$p rows skipped ($v=0)"; else RUN_PARTS+=("$p"); fi
	done
	for p in "${RUN_PARTS[@]}"; do "build_$p" || true; done
	rm -f "$B"/logs/*.log
	: > "$RAW"
	measure_sizes
	measure_wall
	measure_icount
	measure_minmem
	# Called in a || list, a part runs without set -e (bench/serve.sh is
	# written for that): a failed step in one part loses its rows, not the run.
	for p in "${RUN_PARTS[@]}"; do "measure_$p" || note "$p: measure_$p failed (status $?)"; done
	report
}

# bench/boot.sh sources this file for its helpers only.
[ -n "${BENCH_SOURCE_ONLY:-}" ] || main "$@"
