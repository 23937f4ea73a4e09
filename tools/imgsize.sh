#!/bin/bash
# SPDX-License-Identifier: MIT
# imgsize: where the bytes of a Toro image come from, from the map of its final
# link (`toro-cc --map=FILE ...`). Prints, per loaded section, the bytes of the
# kernel, lwIP, net/, musl, the program and the symbol table, then the largest
# contributors: kernel and lwIP functions are charged to their source files
# (their sections are looked up in the build's objects), musl to its members.
#   tools/imgsize.sh [-n TOP] MAP
set -euo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
B=${TORO_BUILD:-$ROOT/build}
top=25
if [ "${1:-}" = -n ]; then top=$2; shift 2; fi
[ $# -eq 1 ] && [ -f "$1" ] || { echo "usage: $0 [-n TOP] MAP (from toro-cc --map=MAP)" >&2; exit 2; }
map=$1

# "section object" for every allocated section of the kernel's objects.
owners=$(mktemp)
trap 'rm -f "$owners"' EXIT
find "$B/k" "$B/net" -name '*.o' 2>/dev/null | while read -r o; do
	readelf -SW "$o" | sed -n 's/^ *\[ *[0-9]*\] \([^ ]*\) .*/\1/p' |
		grep -v '^\.rela\|^\.debug\|^\.note\|^\.comment\|^\.symtab\|^\.strtab\|^\.shstrtab\|^\.group' |
		sed "s|\$| ${o#"$B"/}|"
done > "$owners"

awk -v top="$top" '
# a section name several objects share (.text of assembly files, merged
# strings) is charged to the first, marked "+"
FNR == NR { if (!($1 in owner)) owner[$1] = $2; else if (owner[$1] != $2 && owner[$1] !~ /\+$/) owner[$1] = owner[$1] "+"; next }
/^Linker script and memory map/ { on = 1; next }
!on { next }
# an output section: ".name 0xaddr 0xsize" (or the name alone, numbers next line)
/^\.[^ ]+ *$/ { pend_out = $1; next }
pend_out != "" && /^ +0x/ { out = pend_out; pend_out = ""; next }
/^\.[^ ]+ +0x/ { out = $1; pend_out = ""; next }
# an input section: " .name 0xaddr 0xsize file" (or the name alone first)
/^ \.[^ ]+ *$/ { pend_in = $1; next }
/^ +0x[0-9a-f]+ +0x[0-9a-f]+ +[^ ]/ && pend_in != "" { add(pend_in, $2, $3); pend_in = ""; next }
/^ \.[^ ]+ +0x[0-9a-f]+ +0x[0-9a-f]+ +[^ ]/ { add($1, $3, $4); pend_in = ""; next }
{ pend_in = "" }
function hex2num(h,   v, i) {
	v = 0
	h = tolower(substr(h, 3))
	for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
	return v
}
function add(sec, hex, file,   size, s, who, part) {
	if (out ~ /^\.debug|^\.comment|bss$|^\.toro\.manifest$/ || out == "/DISCARD/" || out == "") return
	size = hex2num(hex)
	if (size == 0) return
	if (file ~ /\/toro(-net)?\.o$/) {
		s = sec; sub(/^\.toro/, "", s)
		who = (s in owner) ? owner[s] : "kernel(unattributed)"
		part = who ~ /^net\/lwip/ ? "lwip" : who ~ /^net\/net/ ? "net" : "kernel"
	} else if (file ~ /libc\.a\(/) {
		who = file; sub(/.*libc\.a\(/, "", who); sub(/\)$/, "", who); part = "musl"
	} else if (file ~ /libgcc|crt[1in]\.o$/) {
		who = file; sub(/.*\//, "", who); part = "musl"
	} else if (file ~ /syms\.o$/) {
		who = "symbol table"; part = "symtab"
	} else if (file ~ /name\.o$/) {
		who = "argv[0]"; part = "kernel"
	} else {
		who = file; sub(/.*\//, "", who); part = "app"
	}
	bytes[out, part] += size; total[part] += size; sect[out] += size; by[part ": " who] += size
	if (!(out in seen)) { seen[out] = 1; order[n++] = out }
}
END {
	split("kernel lwip net musl app symtab", parts, " ")
	printf "%-14s", "section"
	for (i = 1; i <= 6; i++) printf " %8s", parts[i]
	printf " %8s\n", "total"
	for (j = 0; j < n; j++) {
		printf "%-14s", order[j]
		for (i = 1; i <= 6; i++) printf " %8d", bytes[order[j], parts[i]]
		printf " %8d\n", sect[order[j]]
	}
	printf "%-14s", "all"
	for (i = 1; i <= 6; i++) { printf " %8d", total[parts[i]]; all += total[parts[i]] }
	printf " %8d\n\nlargest:\n", all
	for (k in by) print by[k], k | "sort -rn | head -n " top
}' "$owners" "$map"
