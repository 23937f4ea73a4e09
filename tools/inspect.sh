#!/bin/bash
# SPDX-License-Identifier: MIT
# toro inspect IMAGE: what a Toro image holds, read from the image itself: its
# entry points (the ELF entry, the Multiboot header, the PVH note), the bytes
# of the kernel, musl, the program and the symbol table, the kernel
# components linked and why, and its command line defaults. The components
# and the musl/program split come from the .toro.manifest section toro-cc
# writes at link time (docs/kernel.md, "Components"); the rest from the ELF.
set -uo pipefail
usage() {
	cat <<'USAGE'
usage: toro inspect IMAGE
Prints what a Toro image (made by toro-cc) holds: entry points (ELF entry,
Multiboot header, PVH note), the bytes of the kernel, libc, the program and
the symbol table, the kernel components linked (network, files, drivers,
system call groups) and why, and the command line defaults.
USAGE
}
die() { echo "toro inspect: $*" >&2; exit 2; }
case "${1:-}" in
-h|--help|help) usage; exit 0 ;;
'') echo "usage: toro inspect IMAGE (toro inspect --help says more)" >&2; exit 2 ;;
-*) die "unknown option '$1' (toro inspect --help)" ;;
esac
[ $# -eq 1 ] || die "one image at a time (toro inspect IMAGE)"
img=$1
[ -e "$img" ] || die "$img: no such file"
[ -f "$img" ] && [ -r "$img" ] || die "$img: not a readable file"
[ "$(head -c 4 "$img" | od -A n -t x1 | tr -d ' \n')" = 7f454c46 ] ||
	die "$img: not an ELF file, so not a Toro image"
readelf -hW "$img" 2>/dev/null | grep -q 'Class:.*ELF64' &&
	readelf -hW "$img" | grep -q 'Machine:.*X86-64' || die "$img: not an x86-64 ELF64 file, so not a Toro image"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
objcopy --dump-section .toro.manifest="$tmp/manifest" "$img" "$tmp/copy" 2>/dev/null &&
	[ -s "$tmp/manifest" ] && [ "$(head -n 1 "$tmp/manifest")" = "toro-manifest 1" ] ||
	die "$img: not a Toro image (no .toro.manifest section: link it with toro-cc)"
field() { sed -n "s/^$1 //p" "$tmp/manifest" | head -n 1; }

group() { printf '%d' "$1"; }
# Section sizes: "name type flags size" of each section.
readelf -SW "$img" | sed -n 's/^ *\[ *[0-9]*\] //p' |
	awk '$1 ~ /^\./ { print $1, $2, $(NF-3), strtonum_hex($5) }
	     function strtonum_hex(h,   i, n) { n = 0; h = tolower(h)
		for (i = 1; i <= length(h); i++) n = n * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
		return n }' > "$tmp/sections"
kernel=$(awk '$1 ~ /^\.toro\./ && $1 != ".toro.manifest" && $2 != "NOBITS" { s += $4 } END { print s + 0 }' "$tmp/sections")
syms=$(awk '$1 == ".toro_syms" { s += $4 } END { print s + 0 }' "$tmp/sections")
bss=$(awk '$2 == "NOBITS" { s += $4 } END { print s + 0 }' "$tmp/sections")
read -r _ libc _ prog <<< "$(field sizes)"

entry=$(readelf -hW "$img" | sed -n 's/.*Entry point address: *//p')
pvh=$(readelf -nW "$img" 2>/dev/null | awk '/Xen/ && /0x00000012/ { n = split($0, w, "data: ")
	split(w[2], b, " "); v = ""; for (i = 4; i >= 1; i--) v = v b[i]; print "0x" v; exit }' | sed 's/^0x0*/0x/')
# A Multiboot 1 header: its magic on a 4-byte boundary in the first 8 KiB.
mb=$(od -A d -t x4 -v -N 8192 "$img" | awk '{ for (i = 2; i <= NF; i++) if ($i == "1badb002") {
	printf "%#x", $1 + (i - 2) * 4; exit } }')

echo "image       $img: $(group "$(stat -c %s "$img")") bytes, program '$(field name)'"
echo "entries     ELF entry $entry (32-bit protected mode: toro_entry32)"
if [ -n "$mb" ]; then
	echo "            Multiboot 1 header at file offset $mb (QEMU -kernel on pc/q35 and GRUB take it)"
else
	echo "            no Multiboot header (linked --pvh-only)"
fi
if [ -n "$pvh" ]; then
	echo "            PVH note (XEN_ELFNOTE_PHYS32_ENTRY) to $pvh (QEMU microvm, Firecracker, Cloud Hypervisor)"
else
	echo "            no PVH note"
fi
printf 'sizes       kernel %s + libc %s + program %s + symbols %s bytes loaded; %s KiB zeroed (bss)\n' \
	"$(group "$kernel")" "$(group "${libc:-0}")" "$(group "${prog:-0}")" "$(group "$syms")" "$((bss / 1024))"
[ "$(field symbols)" = 0 ] && echo "            no symbol table (toro-cc --no-symbols): crash backtraces show addresses only"
comps=$(field components)
echo "components  ${comps:-none: the core kernel only}"
sed -n 's/^why /            /p' "$tmp/manifest" | grep -v '(no optional component' || true
echo "cmdline     no defaults built in: the image starts with what its boot gives it"
echo "            (toro run IMAGE -- toro.OPTION=... KEY=VALUE -- ARGS; argv[0] is '$(field name)')"
