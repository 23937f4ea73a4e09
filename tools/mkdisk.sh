#!/bin/bash
# SPDX-License-Identifier: MIT
# toro mkdisk: a FAT disk image holding a directory's files, for
#   toro run --disk IMAGE ...
#   toro mkdisk [--fat 12|16|32] [--size SIZE] [--label NAME] -o IMAGE [DIR]
# SIZE in bytes or with K/M/G (default: room for DIR's files twice over, at
# least 8 MiB, 16 MiB for FAT16 and 64 MiB for FAT32, which needs 65,525
# clusters).
# Uses Debian's dosfstools (mkfs.fat) and mtools (mcopy); the image is sparse.
set -euo pipefail

usage() {
	sed -n '3,8p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
die() { echo "toro mkdisk: $*" >&2; exit 2; }

fat= size= out= dir= label=TORO
while [ $# -gt 0 ]; do
	case "$1" in
	--fat) [ $# -ge 2 ] || die "--fat needs 12, 16 or 32"; fat=$2; shift ;;
	--fat=*) fat=${1#*=} ;;
	--size) [ $# -ge 2 ] || die "--size needs a value"; size=$2; shift ;;
	--size=*) size=${1#*=} ;;
	--label) [ $# -ge 2 ] || die "--label needs a value"; label=$2; shift ;;
	-o) [ $# -ge 2 ] || die "-o needs a file name"; out=$2; shift ;;
	-h|--help) usage ;;
	-*) die "unknown option '$1'" ;;
	*) [ -z "$dir" ] || die "more than one directory ('$dir', '$1')"; dir=$1 ;;
	esac
	shift
done
[ -n "$out" ] || die "no output image (-o IMAGE)"
[ -z "$dir" ] || [ -d "$dir" ] || die "'$dir' is not a directory"
case "$fat" in ''|12|16|32) ;; *) die "bad --fat '$fat' (12, 16 or 32)" ;; esac
command -v mkfs.fat >/dev/null || die "mkfs.fat missing: apt-get install dosfstools"
command -v mcopy >/dev/null || die "mcopy missing: apt-get install mtools"

bytes() { # 64M -> bytes
	local v=$1 m=1
	case "$v" in *[kK]) m=1024 ;; *[mM]) m=$((1024 * 1024)) ;; *[gG]) m=$((1024 * 1024 * 1024)) ;; esac
	v=${v%[kKmMgG]}
	[[ "$v" =~ ^[0-9]+$ ]] || die "bad size '$1'"
	echo $((v * m))
}

if [ -n "$size" ]; then
	size=$(bytes "$size")
else
	used=0
	[ -n "$dir" ] && used=$(du -sb --apparent-size "$dir" | cut -f1)
	size=$((used * 2 + 1024 * 1024))
	min=$((8 * 1024 * 1024))
	[ "$fat" = 16 ] && min=$((16 * 1024 * 1024))
	[ "$fat" = 32 ] && min=$((64 * 1024 * 1024))
	[ "$size" -lt "$min" ] && size=$min
fi
size=$(( (size + 511) / 512 * 512 ))

rm -f "$out"
truncate -s "$size" "$out"
args=(-n "${label:0:11}")
[ -n "$fat" ] && args+=(-F "$fat")
if ! mkfs.fat "${args[@]}" "$out" > /dev/null; then
	rm -f "$out"
	die "mkfs.fat failed for $size bytes${fat:+ as FAT$fat} (FAT32 needs at least 33 MiB, FAT12 at most 255 MiB)"
fi
shopt -s dotglob nullglob
files=()
[ -n "$dir" ] && files=("$dir"/*)
if [ ${#files[@]} -gt 0 ]; then
	MTOOLS_SKIP_CHECK=1 mcopy -s -Q -i "$out" "${files[@]}" ::/ ||
		{ rm -f "$out"; die "mcopy could not copy $dir (does it fit in $size bytes?)"; }
fi
echo "toro mkdisk: $out: $size bytes${fat:+, FAT$fat}${dir:+, files of $dir}"
