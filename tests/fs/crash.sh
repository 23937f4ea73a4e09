#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/fs/crash.sh: power cuts under a write load. Each run boots
# tests/fs/crashload.c on an empty FAT disk, lets it create, fsync, delete,
# rename, truncate and append, kills QEMU with SIGKILL at a random moment, then
#   - fsck.fat -n must find nothing that loses or cross-links data: only what
#     an interrupted write may leave (the dirty bit, a wrong free count, lost
#     clusters, a file whose chain outgrew its size) is allowed;
#   - every file the console reported fsynced reads back byte-exact
#     (tests/fs/crashcheck.c).
#   tests/fs/crash.sh [--runs N] [--machine M] [--fat 12|16|32] [--counts FILE]
# Prints PASS/FAIL per run and "crash: N passed, N failed, L lost clusters".
set -uo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
cd "$ROOT" || exit 2
runs=20 machine=microvm fat=32 counts=
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs=$2; shift ;;
	--machine) machine=$2; shift ;;
	--fat) fat=$2; shift ;;
	--counts) counts=$2; shift ;;
	*) echo "usage: $0 [--runs N] [--machine M] [--fat 12|16|32] [--counts FILE]" >&2; exit 2 ;;
	esac
	shift
done
OUT=build/tests/fs
mkdir -p "$OUT"
bin/toro-cc -O2 -o "$OUT/crashload.elf" tests/fs/crashload.c || exit 2
gcc -O2 -Wall -Wextra -o "$OUT/crashcheck" tests/fs/crashcheck.c || exit 2
work=$(mktemp -d "${TMPDIR:-/tmp}/toro-crash.XXXXXX")
trap 'rm -rf "$work"' EXIT

# What fsck.fat -n may say after a cut: anything else fails the run. The FAT
# copies are written one after the other, so a cut between them leaves them
# different, both intact (fsck uses the first, which is the newer).
# The boot sector's backup differs only in the dirty bit (0x25 on FAT12/16,
# 0x41 on FAT32): the bit is set in the primary copy while mounted.
ALLOWED='^(fsck\.fat [0-9.]+.*|Dirty bit is set\. Fs was not properly unmounted.*| ?Automatically removing dirty bit\.|Leaving filesystem unchanged\.|There are differences between boot sector and its backup\.|This is mostly harmless\. Differences: \(offset:original/backup\)|  (37|65):01/00|  Not automatically fixing this\.|  Auto-correcting\.|Free cluster summary wrong.*|Free cluster summary uninitialized.*|Reclaimed [0-9]+ unused clusters?.*|FATs differ but appear to be intact\.|  Using first FAT\.|Checking.*|.*: [0-9]+ files, [0-9]+/[0-9]+ clusters|/[^ ]*|  File size is [0-9]+ bytes, cluster chain length is (> )?[0-9]+ bytes\.|  Truncating file to [0-9]+ bytes\.|)$'

size=64M
[ "$fat" = 12 ] && size=16M
[ "$fat" = 16 ] && size=32M
passed=0 failed=0 lost=0
for run in $(seq "$runs"); do
	img=$work/disk.$run.img log=$work/console.$run.txt
	bin/toro mkdisk --fat "$fat" --size "$size" -o "$img" > /dev/null || exit 2
	bin/toro run --timeout 120 --machine "$machine" --mem 32 \
		--qemu-arg -drive --qemu-arg "file=$img,format=raw,if=none,id=crashdisk" \
		--qemu-arg -device --qemu-arg "$([ "$machine" = microvm ] && echo virtio-blk-device || echo virtio-blk-pci),drive=crashdisk" \
		"$OUT/crashload.elf" -- / > "$log" 2>&1 &
	runner=$!
	# Kill after the load has made some progress: 3 to 12 files in.
	want=$(( 3 + RANDOM % 10 ))
	for _ in $(seq 600); do
		[ "$(grep -c '^synced' "$log")" -ge "$want" ] && break
		kill -0 "$runner" 2>/dev/null || break
		sleep 0.05
	done
	sleep "0.$(( RANDOM % 10 ))$(( RANDOM % 10 ))"
	pkill -9 -f -- "qemu-system.*file=$img,format=raw" 2>/dev/null
	wait "$runner" 2>/dev/null
	fsck.fat -n "$img" > "$work/fsck.$run.txt" 2>&1
	bad=$(grep -Evx "$ALLOWED" "$work/fsck.$run.txt")
	n=$(sed -n 's/^Reclaimed \([0-9]*\) unused cluster.*/\1/p' "$work/fsck.$run.txt" | head -n 1)
	lost=$((lost + ${n:-0}))
	rm -rf "$work/files.$run" && mkdir "$work/files.$run"
	MTOOLS_SKIP_CHECK=1 mcopy -s -n -Q -i "$img" '::/*' "$work/files.$run/" 2>/dev/null
	check=$("$OUT/crashcheck" "$log" "$work/files.$run")
	crc=$?
	synced=$(grep -c '^synced' "$log")
	if [ -z "$bad" ] && [ $crc = 0 ] && [ "$synced" -gt 0 ]; then
		echo "PASS crash run $run ($machine, FAT$fat): killed after $synced fsyncs, ${n:-0} lost clusters"
		passed=$((passed + 1))
	else
		echo "FAIL crash run $run ($machine, FAT$fat): killed after $synced fsyncs"
		[ -n "$bad" ] && printf '%s\n' "$bad" | head -n 10 | sed 's/^/    fsck: /'
		printf '%s\n' "$check" | tail -n 10 | sed 's/^/    /'
		[ "$synced" = 0 ] && tail -n 20 "$log" | sed 's/^/    console: /'
		cp "$img" "$log" "$work/fsck.$run.txt" "$OUT/" 2>/dev/null
		failed=$((failed + 1))
	fi
	rm -f "$img"
done
echo "crash: $passed passed, $failed failed, $lost lost clusters in $runs runs"
[ -n "$counts" ] && echo "$passed $failed" > "$counts"
[ "$failed" = 0 ]
