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
# A program packed by toro pack --app: the info page's program header
# (APPELF_PT_INFO, include/k/appelf.h) gives its file offset.
info_off=$(readelf -lW "$img" 2>/dev/null | awk '$1 == "LOOS+0xf54a001" { print $2; exit }')
if objcopy --dump-section .toro.manifest="$tmp/manifest" "$img" "$tmp/copy" 2>/dev/null &&
	[ -s "$tmp/manifest" ] && [ "$(head -n 1 "$tmp/manifest")" = "toro-manifest 1" ]; then
	:
elif [ -n "$info_off" ]; then
	# The loader image (build/toro-app.elf) is linked with every component.
	printf 'toro-manifest 1\nname ?\ncomponents all (the loader image of toro pack --app)\n' > "$tmp/manifest"
else
	die "$img: not a Toro image (no .toro.manifest section: link it with toro-cc)"
fi
field() { sed -n "s/^$1 //p" "$tmp/manifest" | head -n 1; }
# u32 at byte OFFSET of the file.
u32() { od -A n -t u4 -j "$1" -N 4 "$img" | tr -d ' '; }
# The packed program's name, environment and arguments (struct appelf_info:
# name at +40, envc/argc/strings at +108, the strings from +120).
app_defaults() {
	local o=$(($1)) envc argc len name
	[ "$(od -A n -t x8 -j "$o" -N 8 "$img" | tr -d ' ')" = 003150504f524f54 ] || return 1
	name=$(dd if="$img" bs=1 skip=$((o + 40)) count=64 2>/dev/null | tr -d '\0')
	envc=$(u32 $((o + 112 - 4))) argc=$(u32 $((o + 112))) len=$(u32 $((o + 116)))
	[ "$len" -le 65536 ] || return 1
	dd if="$img" bs=1 skip=$((o + 120)) count="$len" 2>/dev/null | tr '\0' '\n' > "$tmp/strings"
	echo "cmdline     packed by toro pack --app: argv[0] '$name', $envc variable(s), $argc argument(s)"
	head -n "$envc" "$tmp/strings" | sed 's/^/            env  /'
	tail -n +"$((envc + 1))" "$tmp/strings" | head -n "$argc" | sed 's/^/            arg  /'
	echo "            (toro run --app's words replace the arguments; its variables override)"
}

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

pname=$(field name)
[ -n "$info_off" ] && [ "$pname" = "?" ] &&
	pname=$(dd if="$img" bs=1 skip=$((info_off + 40)) count=64 2>/dev/null | tr -d '\0')
echo "image       $img: $(group "$(stat -c %s "$img")") bytes, program '$pname'"
echo "entries     ELF entry $entry (64-bit, Linux boot protocol: toro_entry64; Firecracker before PVH)"
if [ -n "$mb" ]; then
	echo "            Multiboot 1 header at file offset $mb (QEMU -kernel on pc, q35 and microvm, and GRUB take it)"
else
	echo "            no Multiboot header (linked --pvh-only)"
fi
if [ -n "$pvh" ]; then
	echo "            PVH note (XEN_ELFNOTE_PHYS32_ENTRY) to $pvh (QEMU --pvh-only images, Firecracker with PVH, Cloud Hypervisor)"
else
	echo "            no PVH note"
fi
if [ -n "$info_off" ] && [ "$kernel" = 0 ]; then
	# A packed image has no section headers: its segments below the info
	# page are the loader's, those above the program's.
	readelf -lW "$img" | awk -v io="$info_off" '
		function h(x,   i, n) { n = 0; x = tolower(substr(x, 3))
			for (i = 1; i <= length(x); i++) n = n * 16 + index("0123456789abcdef", substr(x, i, 1)) - 1
			return n }
		$1 == "LOOS+0xf54a001" { iv = h($3) }
		$1 == "LOAD" { v[n + 0] = h($3); f[n + 0] = h($5); n++ }
		END { for (i = 0; i < n; i++) if (v[i] < iv) l += f[i]; else if (v[i] > iv) p += f[i]
		      printf "sizes       the loader (kernel, musl, every component, symbols) %d + program %d bytes in the file\n", l, p }'
else
	printf 'sizes       kernel %s + libc %s + program %s + symbols %s bytes loaded; %s KiB zeroed (bss)\n' \
		"$(group "$kernel")" "$(group "${libc:-0}")" "$(group "${prog:-0}")" "$(group "$syms")" "$((bss / 1024))"
fi
[ "$(field symbols)" = 0 ] && echo "            no symbol table (toro-cc --no-symbols): crash backtraces show addresses only"
comps=$(field components)
echo "components  ${comps:-none: the core kernel only}"
sed -n 's/^why /            /p' "$tmp/manifest" | grep -v '(no optional component' || true
if [ -n "$info_off" ] && app_defaults "$info_off"; then
	:
else
	echo "cmdline     no defaults built in: the image starts with what its boot gives it"
	echo "            (toro run IMAGE -- toro.OPTION=... KEY=VALUE -- ARGS; argv[0] is '$(field name)')"
fi
