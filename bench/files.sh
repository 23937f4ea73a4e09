# SPDX-License-Identifier: MIT
# The file part of `make bench`, sourced by bench/run.sh after bench/http.sh
# (it uses their variables and helpers): bench/fsbench.c on a FAT32 disk image,
# built with toro-cc for Toro and with musl-gcc for the Linux guest (which
# mounts the same image with its vfat driver), sequential write and read of a
# 64 MiB file and 1,000 files of 4 KiB created and read back; examples/httpd
# serving a 1 MiB file from the disk to wrk; Toro with the disk at -m 4.
# What is measured and how: docs/bench.md. BENCH_FILES=0 skips it.

DO_FILES=${BENCH_FILES:-1}
FILES_RUNS=${BENCH_FILES_RUNS:-$([ "$QUICK" = 1 ] && echo 1 || echo 5)}	# rounds of (toro, linux)
FILES_HTTP_REPS=${BENCH_FILES_HTTP_REPS:-$([ "$QUICK" = 1 ] && echo 1 || echo 3)}
FILES_MEM=128					# both systems
FILES_SMALL_MEM=4				# the -m 4 target
FILES_CACHE=unsafe				# QEMU's cache mode for the image, both systems
FILES_IMG_SIZE=1G				# mkfs.fat: FAT32 with 4 KiB clusters
FILES_FIGURES="seq_write seq_read create_1000 read_1000"
FILES_D=$B/files
FILES_TORO_IMG=$B/toro/fsbench.elf
FILES_TORO_HTTPD=$B/toro/httpd-disk.elf
FILES_HTTP_PATH=/big.bin
FILES_HTTP_ARGS="--quiet --port 80"

# Debian's kernel on microvm finds no HPET or PM timer to check the TSC
# against, marks it unstable ("TSCs unsynchronized", with maxcpus=2) and falls
# back to the jiffies clock, whose time lags the host's by up to 8x under TCG:
# figures timed inside the guest need the TSC, at the host's own frequency
# (the guest's TSC is the host's under TCG without -icount).
files_linux_append() {
	local khz
	khz=$("$B/tools/tsc_khz" 2>/dev/null) || khz=
	if [ -z "$khz" ] || [ "$khz" -lt 100000 ]; then
		note "files: the host's TSC frequency is unknown; the Linux guest keeps tsc_early_khz=2000000"
		khz=2000000
	fi
	FILES_LINUX_APPEND="console=ttyS0 quiet tsc_early_khz=$khz tsc=reliable panic=-1"
}

# files_drive IMAGE: the QEMU arguments of the disk (virtio-mmio on microvm).
files_drive() {
	echo "-drive" "file=$1,format=raw,if=none,id=disk0,cache=$FILES_CACHE" \
		"-device" "virtio-blk-device,drive=disk0"
}

FILES_SYSTEMS=()
build_files() {
	[ "$DO_FILES" = 1 ] || { note "file rows skipped (BENCH_FILES=0)"; return 1; }
	command -v mkfs.fat >/dev/null && command -v mcopy >/dev/null ||
		{ note "file rows skipped: mkfs.fat or mcopy missing (tools/deps.sh)"; return 1; }
	mkdir -p "$FILES_D"
	gcc -O2 -Wall -Wextra -o "$B/tools/tsc_khz" bench/tools/tsc_khz.c
	files_linux_append
	# The images: an empty FAT32 volume, and one holding big.bin (1 MiB) for
	# httpd. Each run gets a fresh (sparse) copy.
	rm -rf "$FILES_D/www"
	mkdir -p "$FILES_D/www"
	head -c 1048576 /dev/urandom > "$FILES_D/www/big.bin"
	bin/toro mkdisk --fat 32 --size "$FILES_IMG_SIZE" -o "$FILES_D/empty.img" >/dev/null &&
		bin/toro mkdisk --fat 32 --size "$FILES_IMG_SIZE" -o "$FILES_D/www.img" \
			"$FILES_D/www" >/dev/null ||
		{ note "file rows skipped: toro mkdisk failed"; return 1; }
	FILES_SYSTEMS=()
	if has_system toro && "$TOROCC" -O2 -o "$FILES_TORO_IMG" bench/fsbench.c; then
		FILES_SYSTEMS+=(toro)
		[ -f "$TORO_HTTPD" ] && cp "$TORO_HTTPD" "$FILES_TORO_HTTPD"
	else
		note "Toro file rows skipped: no Toro system or $TOROCC could not build bench/fsbench.c"
	fi
	if has_system linux && bench/linux/mkguest.sh diskinitrd "$B/linux" fsbench /mnt bench/fsbench.c; then
		FILES_SYSTEMS+=(linux)
		[ -f "$HTTP_WWW_S" ] && command -v wrk >/dev/null &&
			bench/linux/mkguest.sh netdiskinitrd "$B/linux" httpd-disk \
				"$FILES_HTTP_ARGS --root /mnt" -Iinclude examples/httpd/*.c "$HTTP_WWW_S" ||
			rm -f "$B/linux/httpd-disk.initrd.gz"
	else
		note "Linux file rows skipped: no Linux guest or the fsbench guest could not be built"
	fi
	[ ${#FILES_SYSTEMS[@]} -gt 0 ]
}
has_files_system() { [[ " ${FILES_SYSTEMS[*]} " == *" $1 "* ]]; }

# files_boot SYSTEM MEM IMAGE LOG TIMEOUT [fsbench args]: boots fsbench with
# IMAGE as its disk; LOG gets every console line with the host's time of
# arrival in front ($EPOCHREALTIME, s.us).
files_boot() {
	local s=$1 mem=$2 img=$3 l=$4 t=$5; shift 5
	local args
	if [ "$s" = toro ]; then
		args=(-M microvm,acpi=off -m "$mem" -kernel "$FILES_TORO_IMG" -append "-- $*")
	else
		args=(-M microvm -m "$mem" -kernel "$B/linux/vmlinuz"
		      -initrd "$B/linux/fsbench.initrd.gz" -append "$FILES_LINUX_APPEND")
	fi
	# shellcheck disable=SC2046 # files_drive's words are meant to split
	timeout -k 5 "$t" "${QEMU[@]}" "${args[@]}" $(files_drive "$img") < /dev/null 2>&1 |
		while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "${line%$'\r'}"; done > "$l" ||
		true	# QEMU's status: the log says how the run went
}

# files_parse SYSTEM LOG: raw rows files_NAME (the guest's figure) and
# files_host_NAME (the same phase timed by the lines' arrival on the host);
# a note when the two clocks disagree. FILES_RATE[SYSTEM/NAME] is the guest's
# figure. Fails when a figure is missing.
declare -A FILES_RATE
files_parse() {
	local s=$1 l=$2 name line rate secs bytes hs unit
	for name in $FILES_FIGURES; do
		line=$(grep -a "fsbench result name=$name " "$l" | head -1)
		[ -n "$line" ] || return 1
		rate=$(sed -n 's/.* rate=\([0-9.]*\).*/\1/p' <<<"$line")
		secs=$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' <<<"$line")
		bytes=$(sed -n 's/.* bytes=\([0-9]*\).*/\1/p' <<<"$line")
		unit=$(sed -n 's/.* unit=\([^ ]*\).*/\1/p' <<<"$line")
		hs=$(awk -v n="$name" '$0 ~ "fsbench begin name=" n "$" { b = $1 }
			$0 ~ "fsbench result name=" n " " { if (b != "") printf "%.6f", $1 - b; exit }' "$l")
		printf 'files_%s\t%s\t-\t%s\n' "$name" "$s" "$rate" >> "$RAW"
		FILES_RATE[$s/$name]=$rate
		[ -n "$hs" ] || continue
		printf 'files_host_%s\t%s\t-\t%s\n' "$name" "$s" "$(awk -v b="$bytes" -v h="$hs" -v u="$unit" \
			'BEGIN { printf "%.2f", (u == "MB/s" ? b / 1e6 : 1000) / h }')" >> "$RAW"
		# The host sees the lines a little late (console output): allow 10% + 50 ms.
		awk -v g="$secs" -v h="$hs" 'BEGIN { d = h - g; if (d < 0) d = -d; exit !(d > 0.1 * h + 0.05) }' &&
			note "files, $s $name: the guest timed ${secs} s, the host ${hs} s (log: $l)"
	done
	return 0
}

# files_fsck IMAGE SYSTEM ROUND: fsck.fat -n of the image after the run.
files_fsck() {
	local out
	out=$(fsck.fat -n "$1" 2>&1) && return 0
	note "files, $2 round $3: fsck.fat -n of the image after the run: $(tail -n +2 <<<"$out" | head -3 | paste -sd';')"
}

measure_files_rounds() {
	local i s l img r toro linux name
	log "files: fsbench, $FILES_RUNS rounds x (${FILES_SYSTEMS[*]}), -m $FILES_MEM, cache=$FILES_CACHE"
	for ((i = 1; i <= FILES_RUNS; i++)); do
		FILES_RATE=()
		for s in "${FILES_SYSTEMS[@]}"; do
			l=$B/logs/files-$s-$i.log
			img=$FILES_D/run-$s.img
			cp --sparse=always "$FILES_D/empty.img" "$img"
			files_boot "$s" "$FILES_MEM" "$img" "$l" "$([ $s = linux ] && echo 600 || echo 300)" /
			if ! grep -aq "fsbench done" "$l" || ! files_parse "$s" "$l"; then
				printf 'files_fail\t%s\t-\t1\n' "$s" >> "$RAW"
				cp "$l" "$B/logs/fail-files-$s-$i.log"
				note "files, $s round $i: no figures ($(grep -a 'fsbench error' "$l" | head -1 | cut -d' ' -f2-); log: $B/logs/fail-files-$s-$i.log)"
			fi
			files_fsck "$img" "$s" "$i"
			rm -f "$img"
		done
		# The same round's ratios: adjacent runs, alike host load.
		for name in $FILES_FIGURES; do
			toro=${FILES_RATE[toro/$name]:-} linux=${FILES_RATE[linux/$name]:-}
			[ -n "$toro" ] && [ -n "$linux" ] &&
				printf 'files_ratio_%s\ttoro\t-\t%s\n' "$name" \
					"$(awk -v a="$toro" -v b="$linux" 'BEGIN { printf "%.3f", a / b }')" >> "$RAW"
		done
		log "  files round $i/$FILES_RUNS done"
	done
}

# The -m 4 target: the image mounted and main reached (fsbench --probe
# prints "fsbench main", statfs of /, and writes and reads a small file).
measure_files_small() {
	local l=$B/logs/files-toro-m$FILES_SMALL_MEM.log img=$FILES_D/run-small.img v=MISS
	has_files_system toro || return 0
	log "files: toro with the disk at -m $FILES_SMALL_MEM"
	cp --sparse=always "$FILES_D/empty.img" "$img"
	files_boot toro "$FILES_SMALL_MEM" "$img" "$l" 60 --probe /
	grep -aq "fsbench main" "$l" && grep -aq "fsbench statfs type=0x4d44" "$l" &&
		grep -aq "fsbench probe ok" "$l" && v=PASS
	[ $v = PASS ] || note "files: toro at -m $FILES_SMALL_MEM: $(grep -a -m1 -E 'fsbench error|toro: ' "$l" | cut -d' ' -f2-) (log: $l)"
	files_fsck "$img" toro m$FILES_SMALL_MEM
	rm -f "$img"
	printf 'files_small_mem\ttoro\t-\t%s\n' $v >> "$RAW"
}

# httpd serving big.bin from the disk: http.sh's boot and wrk, with the disk
# and the httpd built for it; the image is a fresh copy for each boot.
measure_files_http() {
	local rep s img toro linux
	local HTTP_TORO_IMG=$FILES_TORO_HTTPD HTTP_LINUX_INITRD=$B/linux/httpd-disk.initrd.gz
	local HTTP_TORO_APPEND="toro.ip=10.0.2.15/24 toro.gw=10.0.2.2 -- $FILES_HTTP_ARGS --root /"
	local HTTP_LINUX_APPEND=$FILES_LINUX_APPEND
	local -a HTTP_EXTRA
	[ -f "$FILES_TORO_HTTPD" ] || [ -f "$HTTP_LINUX_INITRD" ] || return 0
	log "files: httpd serving $FILES_HTTP_PATH (1 MiB) from the disk, $FILES_HTTP_REPS runs x (toro linux), -smp 1"
	trap 'http_stop' EXIT
	for ((rep = 1; rep <= FILES_HTTP_REPS; rep++)); do
		toro= linux=
		for s in toro linux; do
			[ $s = toro ] && [ ! -f "$FILES_TORO_HTTPD" ] && continue
			[ $s = linux ] && [ ! -f "$HTTP_LINUX_INITRD" ] && continue
			img=$FILES_D/http-$s.img
			cp --sparse=always "$FILES_D/www.img" "$img"
			# shellcheck disable=SC2207 # files_drive's words are meant to split
			HTTP_EXTRA=($(files_drive "$img"))
			if ! http_start $s 1 "$B/logs/files-http-$s-$rep.log" "$FILES_MEM"; then
				note "files httpd, $s run $rep: no response ($HTTP_R; log: $B/logs/files-http-$s-$rep.log)"
				rm -f "$img"
				continue
			fi
			http_wrk $s 1 "$rep" "$FILES_HTTP_PATH" files_http
			eval "$s=\$HTTP_RPS"
			http_stop
			rm -f "$img"
		done
		[ -n "$toro" ] && [ -n "$linux" ] &&
			printf 'files_ratio_http\ttoro\t-\t%s\n' \
				"$(awk -v a="$toro" -v b="$linux" 'BEGIN { printf "%.3f", a / b }')" >> "$RAW"
	done
	trap - EXIT
	return 0
}

measure_files() {
	[ ${#FILES_SYSTEMS[@]} -gt 0 ] || return 0
	measure_files_rounds
	measure_files_small
	command -v wrk >/dev/null && measure_files_http
	return 0
}

# ---- report ----
minmax() {	# KIND SYSTEM -> "min-max" of the raw values, or -
	awk -F'\t' -v k="$1" -v s="$2" '$1 == k && $2 == s { v = $4 + 0
		if (n++ == 0 || v < lo) lo = v; if (n == 1 || v > hi) hi = v }
		END { if (n) printf "%g-%g\n", lo, hi; else print "-" }' "$RAW"
}

# files_row LABEL UNIT KIND MACHINE RATIO: the median row, the min-max row and
# the row of the median same-round ratio, judged against the target.
files_row() {
	local label=$1 unit=$2 kind=$3 m=$4 ratio=$5 linux toro t v
	linux=$(get_f "$kind" linux "$m"); toro=$(get_f "$kind" toro "$m")
	[ "$linux" != - ] && tsv "$kind" microvm linux "$linux" "$unit"
	[ "$toro" != - ] && tsv "$kind" microvm toro "$toro" "$unit"
	row "$label ($unit)" - "$linux" "$toro" "" ""
	row "  min-max" - "$(minmax "$kind" linux)" "$(minmax "$kind" toro)" "" ""
	t=$(awk -F'\t' -v k="$ratio" '$1 == k { print $4 }' "$RAW" | median_f)
	[ "$t" != - ] && tsv "$ratio" microvm toro "$t" x
	v=$(verdict "$t" ">=" 1)
	tsv "target_$ratio" microvm toro "$v" -
	row "  toro / linux, same round (x)" - - "$t" "toro >= linux" "$v"
}

report_files() {
	local name s v label unit linux toro
	[ ${#FILES_SYSTEMS[@]} -gt 0 ] || return 0
	{
		echo
		echo "Files, microvm, -m $FILES_MEM both, FAT32 image of $FILES_IMG_SIZE (toro mkdisk: 4 KiB clusters),"
		echo "a fresh copy per boot, cache=$FILES_CACHE; bench/fsbench.c (Toro: toro-cc; Linux: musl-gcc, vfat);"
		echo "timed in the guest; median of $FILES_RUNS rounds (toro, linux, ...), min-max under it"
	} >> "$TXT"
	row figure floor linux toro target verdict
	for name in $FILES_FIGURES; do
		unit=files/s
		case $name in
		seq_write) label="write 64 MiB, 1 MiB writes + fsync" unit=MB/s ;;
		seq_read) label="read it back, 1 MiB reads" unit=MB/s ;;
		create_1000) label="create 1,000 files of 4 KiB + sync" ;;
		read_1000) label="read the 1,000 files" ;;
		esac
		files_row "$label" "$unit" "files_$name" - "files_ratio_$name"
	done
	if awk -F'\t' '$1 == "files_http_rps"' "$RAW" | grep -q .; then
		files_row "httpd, 1 MiB file from disk, wrk" req/s files_http_rps smp1 files_ratio_http
		for s in linux toro; do v=$(get_f files_http_mbs $s smp1); eval "$s=\$v"
			[ "$v" != - ] && tsv files_http_mbs microvm $s "$v" MB/s; done
		row "  the same in MB/s" - "$linux" "$toro" "" ""
	fi
	v=$(awk -F'\t' '$1 == "files_small_mem" { print $4 }' "$RAW" | tail -1)
	[ -n "$v" ] || v=n/a
	tsv target_files_mem_4mib microvm toro "$v" -
	row "disk mounted, main reached, -m $FILES_SMALL_MEM" - - "$v" "toro: PASS" "$v"
	for s in toro linux; do
		v=$(awk -F'\t' -v s=$s '$1 == "files_fail" && $2 == s' "$RAW" | wc -l)
		[ "$v" -gt 0 ] && note "files: $s gave no figures in $v of $FILES_RUNS rounds"
	done
	return 0
}
