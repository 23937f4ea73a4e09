# SPDX-License-Identifier: MIT
# The GRUB row of `make bench`, sourced by bench/run.sh (it uses its QEMU,
# qtime, RUNS, get, row, tsv, ms, note and log): hello booted from the ISO that
# `toro pack --format iso` writes (SeaBIOS -> GRUB -> Multiboot) next to the same
# image under QEMU's -kernel, both on pc, QEMU start -> hello's first line,
# interleaved runs (kernel, iso, kernel, iso, ...), median. BENCH_GRUB=0 skips
# it; BENCH_GRUB_RUNS (default 5) sets the runs. docs/deploy.md.
#   bash bench/grub.sh [RUNS]   runs the row alone and prints it (with uptime).

DO_GRUB=${BENCH_GRUB:-1}
GRUB_RUNS=${BENCH_GRUB_RUNS:-5}
GRUB_ISO=build/bench/toro/hello.iso

build_grub() {
	[ "$DO_GRUB" = 1 ] || { note "GRUB row skipped (BENCH_GRUB=0)"; return 1; }
	mkdir -p "$(dirname "$GRUB_ISO")"
	bin/toro pack --format iso -o "$GRUB_ISO" build/examples/hello.elf -- -- "$HELLO_ARGS" \
		> build/bench/logs/grub-pack.log 2>&1 ||
		{ note "GRUB row skipped: toro pack --format iso failed (build/bench/logs/grub-pack.log)"; DO_GRUB=0; return 1; }
}

measure_grub() {
	[ "$DO_GRUB" = 1 ] || return 0
	local i r first how
	log "GRUB: $GRUB_RUNS runs x (kernel, iso) on pc"
	for ((i = 1; i <= GRUB_RUNS; i++)); do
		for how in kernel iso; do
			if [ $how = kernel ]; then
				r=$(qtime 60 "$MARKER" "build/bench/logs/grub-$how.log" -M pc -m 64 \
					-fw_cfg name=etc/sercon-port,string=0 -kernel build/examples/hello.elf -append "-- $HELLO_ARGS")
			else
				r=$(qtime 60 "$MARKER" "build/bench/logs/grub-$how.log" -M pc -m 64 \
					-fw_cfg name=etc/sercon-port,string=0 -drive "file=$GRUB_ISO,media=cdrom,format=raw,readonly=on")
			fi
			first=$(field first_us "$r")
			if [ "$first" = -1 ] || [ "$(field timeout "$r")" = 1 ]; then
				printf 'grub_fail\t%s\tpc\t1\n' "$how" >> "$RAW"
				continue
			fi
			printf 'grub_first_us\t%s\tpc\t%s\n' "$how" "$first" >> "$RAW"
		done
	done
}

report_grub() {
	[ "$DO_GRUB" = 1 ] || return 0
	local k s f
	k=$(get grub_first_us kernel pc); s=$(get grub_first_us iso pc)
	[ "$k" != - ] && tsv grub_first_ms pc toro-kernel "$(ms "$k")" ms
	[ "$s" != - ] && tsv grub_first_ms pc toro-iso "$(ms "$s")" ms
	row "QEMU start -> first line, pc, -kernel (ms)" - - "$(ms "$k")" "" ""
	row "QEMU start -> first line, pc, GRUB ISO (ms)" - - "$(ms "$s")" "" ""
	for s in kernel iso; do
		f=$(count grub_fail "$s" pc)
		[ "$f" -gt 0 ] && note "GRUB row: $f of $GRUB_RUNS $s runs failed (build/bench/logs/grub-$s.log)"
	done
	return 0
}

# Alone: the helpers bench/run.sh would give, then the row.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	cd "$(dirname "$0")/.."
	GRUB_RUNS=${1:-$GRUB_RUNS}
	B=build/bench RAW=build/bench/grub-raw.tsv TSV=/dev/null HELLO_ARGS=world MARKER=hello
	QEMU=(qemu-system-x86_64 -cpu max -nographic -no-reboot -nodefaults -serial stdio
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 -accel tcg -smp 1,maxcpus=2)
	mkdir -p "$B/tools" "$B/logs"
	gcc -O2 -Wall -Wextra -o "$B/tools/qtime" bench/tools/qtime.c
	note() { echo "bench: $*" >&2; }
	log() { echo "bench: $*" >&2; }
	qtime() { local t=$1 m=$2 l=$3; shift 3; "$B/tools/qtime" -t "$t" -m "$m" -o "$l" -- "${QEMU[@]}" "$@" || true; }
	field() { sed -n "s/.*\b$1=\([-0-9]*\).*/\1/p" <<<"$2"; }
	get() { awk -F'\t' -v k="$1" -v s="$2" -v m="$3" '$1 == k && $2 == s && $3 == m { print $4 }' "$RAW" |
		sort -n | awk '{ v[NR] = $1 } END { if (!NR) print "-"; else if (NR % 2) print v[(NR + 1) / 2];
			else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
	count() { awk -F'\t' -v k="$1" -v s="$2" -v m="$3" '$1 == k && $2 == s && $3 == m' "$RAW" | wc -l; }
	ms() { [ "$1" = - ] && echo - || awk -v v="$1" 'BEGIN { printf "%.1f", v / 1000 }'; }
	row() { printf '%-46s %s\n' "$1" "$4"; }
	tsv() { :; }
	: > "$RAW"
	echo "host load before: $(uptime)"
	build_grub && measure_grub && report_grub
	echo "host load after: $(uptime)"
fi
