#!/bin/bash
# SPDX-License-Identifier: MIT
# tools/syscall-table.sh: the table of every Linux x86-64 system call in
# docs/syscalls.md against Toro's own tables (kernel/systab.c's core and
# network calls, every SYSGROUP's SYSOPT_CALL entries), so the document
# cannot go stale. The names come from the kernel headers on the host
# (asm/unistd_64.h).
#   tools/syscall-table.sh --check   fail (and say which rows) when they differ
#   tools/syscall-table.sh --write   rewrite the table's rows: numbers, names and
#                                    the "in Toro" column from the sources, the
#                                    status kept (new rows: "supported" or
#                                    "ENOSYS: not yet")
# A row: | nr | name | in Toro | status |, where "in Toro" is `core`, `net`
# (the network kernel), an optional component's name, or `-` (no handler),
# and the status starts with "supported", "partial" or "ENOSYS" ("ENOSYS" if
# and only if there is no handler).
set -euo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
DOC=$ROOT/docs/syscalls.md
UNISTD=${TORO_UNISTD:-/usr/include/x86_64-linux-gnu/asm/unistd_64.h}
mode=${1:---check}
[ -f "$UNISTD" ] || { echo "syscall-table: $UNISTD missing (linux-libc-dev)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Linux: "nr name", by number.
sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9]*\)$/\2 \1/p' "$UNISTD" | sort -n > "$tmp/linux"

# Toro: "nr where" for every handler.
awk '
	/^#define CORE_CALLS/ { w = "core" }
	/^#else|^#endif|^#define ALL_CALLS/ { w = "" }
	w != "" {
		s = $0
		while (match(s, /X\([0-9]+, [a-z0-9_]+\)/)) {
			split(substr(s, RSTART + 2, RLENGTH - 3), a, ", ")
			print a[1], w
			s = substr(s, RSTART + RLENGTH)
		}
	}' "$ROOT/kernel/systab.c" > "$tmp/toro"
for f in $(grep -l 'SYSGROUP(' "$ROOT"/kernel/*.c "$ROOT"/fs/*.c "$ROOT"/net/*.c \
	"$ROOT"/drivers/*.c "$ROOT"/arch/x86_64/*.c 2>/dev/null); do
	awk '
		match($0, /^SYSGROUP\([a-z0-9_]+\)/) { g = substr($0, RSTART + 9, RLENGTH - 10) }
		g != "" {
			s = $0
			while (match(s, /SYSOPT_CALL\([0-9]+,/)) {
				print substr(s, RSTART + 12, RLENGTH - 13), g
				s = substr(s, RSTART + RLENGTH)
			}
		}' "$f" >> "$tmp/toro"
done
# A number in the core table and in a component, or in two components
# (shutdown: net and unix), shows the one the dispatcher finds first: the core
# table, then the components' tables in the order the link sorts them (by
# name, tools/toro.ld).
awk '{ print $1, ($2 == "core" ? 0 : 1), $2 }' "$tmp/toro" | LC_ALL=C sort -k1,1n -k2,2n -k3,3 |
	awk '!seen[$1]++ { print $1, $3 }' > "$tmp/toro.s"

# The expected rows' first three columns.
awk 'NR == FNR { w[$1] = $2; next } { print $1 "|" $2 "|" ($1 in w ? w[$1] : "-") }' \
	"$tmp/toro.s" "$tmp/linux" > "$tmp/want"

# The document's rows: "nr|name|where|status".
rows() {
	sed -n 's/^| *\([0-9][0-9]*\) *| *`\{0,1\}\([a-z0-9_]*\)`\{0,1\} *| *`\{0,1\}\([a-z0-9_-]*\)`\{0,1\} *| *\(.*[^ ]\) *|$/\1|\2|\3|\4/p' "$DOC"
}

if [ "$mode" = --write ]; then
	rows > "$tmp/have" 2>/dev/null || : > "$tmp/have"
	awk -F"|" 'FILENAME == ARGV[1] { st[$1 "|" $2] = $4; next }
		{
			k = $1 "|" $2; s = st[k]
			if (s == "" || ($3 == "-") != (s ~ /^ENOSYS/))
				s = $3 == "-" ? "ENOSYS: not yet" : "supported"
			printf "| %s | `%s` | %s | %s |\n", $1, $2, $3 == "-" ? "-" : "`" $3 "`", s
		}' "$tmp/have" "$tmp/want" > "$tmp/table"
	awk -v t="$tmp/table" '
		/^<!-- syscall-table begin -->/ { print; print "| nr | name | in Toro | status |"; print "|---:|---|---|---|"; while ((getline l < t) > 0) print l; skip = 1; next }
		/^<!-- syscall-table end -->/ { skip = 0 }
		!skip' "$DOC" > "$tmp/doc"
	cp "$tmp/doc" "$DOC"
	echo "syscall-table: $(wc -l < "$tmp/want") rows written to docs/syscalls.md"
	exit 0
fi

rows | awk -F'|' '{ print $1 "|" $2 "|" $3 }' > "$tmp/have3"
bad=0
if ! diff -u "$tmp/want" "$tmp/have3" > "$tmp/diff"; then
	echo "syscall-table: docs/syscalls.md differs from the kernel's tables (- expected, + document):"
	grep '^[-+][0-9]' "$tmp/diff" | head -n 40 | sed 's/^/    /'
	echo "    (tools/syscall-table.sh --write updates the rows; then fill in the status)"
	bad=1
fi
rows | awk -F'|' '($3 == "-") != ($4 ~ /^ENOSYS/) || $4 !~ /^(supported|partial|ENOSYS)/ {
	print "    row " $1 " " $2 ": status \"" $4 "\" does not fit \"" $3 "\""; b = 1 } END { exit b }' ||
	{ echo "syscall-table: statuses that do not match the handlers"; bad=1; }
n=$(wc -l < "$tmp/want")
s=$(rows | grep -c '|supported') || true
p=$(rows | grep -c '|partial') || true
e=$(rows | grep -c '|ENOSYS') || true
echo "syscall-table: $n Linux calls: $s supported, $p partial, $e ENOSYS$([ $bad = 0 ] && echo ', document up to date')"
exit $bad
