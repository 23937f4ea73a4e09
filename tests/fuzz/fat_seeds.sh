#!/bin/sh
# SPDX-License-Identifier: MIT
# Make the seed corpora of fuzz_fat_image and fuzz_fat_ops: FAT12, FAT16 and
# FAT32 images from mkfs.fat, filled by mcopy (long, short, mixed-case and
# non-ASCII names, a deep directory, files of a few sizes), written in the
# harnesses' sparse format (see fuzz_fat_image.c): only non-zero sectors.
# Run from anywhere; rewrites tests/fuzz/seeds/fuzz_fat_image/.
set -eu
cd "$(dirname "$0")/../.."
out=tests/fuzz/seeds/fuzz_fat_image
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export MTOOLS_SKIP_CHECK=1 LC_ALL=C.UTF-8

cat >"$tmp/sparse.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
/* sparse FLAGS < image > seed */
int main(int argc, char **argv)
{
	static unsigned char s[512];
	long off = 0, kib;
	fseek(stdin, 0, SEEK_END);
	kib = ftell(stdin) / 1024;
	fseek(stdin, 0, SEEK_SET);
	putchar(kib & 255); putchar(kib >> 8 & 255); putchar(kib >> 16 & 255); putchar(kib >> 24);
	putchar(atoi(argv[1]));
	while (fread(s, 1, 512, stdin) == 512) {
		int any = 0;
		for (int i = 0; i < 512; i++)
			any |= s[i];
		if (any) {
			putchar(off & 255); putchar(off >> 8 & 255);
			putchar(off >> 16 & 255); putchar(off >> 24 & 255);
			putchar(0); putchar(2); /* 512 */
			fwrite(s, 1, 512, stdout);
		}
		off += 512;
	}
	return 0;
}
C
cc -O2 -o "$tmp/sparse" "$tmp/sparse.c"

fill() {
	img=$1
	printf 'hello\n' >"$tmp/a"
	head -c 5000 /dev/zero | tr '\0' 'x' >"$tmp/b"
	mcopy -i "$img" "$tmp/a" ::/README.TXT
	mcopy -i "$img" "$tmp/a" ::/lower.txt
	mcopy -i "$img" "$tmp/b" "::/A long file name.dat"
	mcopy -i "$img" "$tmp/a" "::/été.txt"
	mmd -i "$img" ::/d1 ::/d1/d2 ::/d1/d2/d3
	mcopy -i "$img" "$tmp/b" ::/d1/d2/d3/deep.bin
	mcopy -i "$img" "$tmp/a" "::/d1/Mixed Case"
}

mkdir -p "$out"
make_seed() { # name fat kib mkfs-options flags
	rm -f "$tmp/i.img"
	mkfs.fat -C -F "$2" $4 "$tmp/i.img" "$3" >/dev/null
	fill "$tmp/i.img"
	"$tmp/sparse" "$5" <"$tmp/i.img" >"$out/$1"
}
make_seed fat12 12 256 "" 0
make_seed fat12_ro_tiny_cache 12 256 "" 5
make_seed fat16 16 4096 "-s 1" 0
make_seed fat32 32 33792 "-s 1" 0
make_seed fat32_tiny_cache 32 33792 "-s 1" 4
ls -l "$out"
