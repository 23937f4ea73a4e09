#!/bin/bash
# SPDX-License-Identifier: MIT
# Fetch SQLite's Debian source package (bookworm, sqlite3 3.40.1-2+deb12u2)
# into build/, verify it against tools/sqlite.sha256, unpack the upstream tree
# into build/sqlite/ and apply Debian's own patch series (debian/patches/series:
# the security fixes of the +deb12u2 update among them), so the shell built for
# Toro is the source Debian's sqlite3 binary is built from. Uses a private apt
# source list and state directory (tools/debian-src.sh: the archive's address
# from the system's apt sources, which are not touched). Skips the download
# when the verified files are already in build/sqlite-src/. Nothing it fetches is committed (build/ is ignored).
# Usage: tools/fetch-sqlite.sh [BUILD_DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
B=$(readlink -f "${1:-$ROOT/build}")
SUMS=$ROOT/tools/sqlite.sha256
VERSION=3.40.1-2+deb12u2
SRC=$B/sqlite-src      # the downloaded .dsc and tarballs
APT=$B/sqlite-apt      # private apt state
OUT=$B/sqlite          # the patched upstream tree (configure, src/, tool/, ...)

die() { echo "fetch-sqlite: $*" >&2; exit 1; }

verified() {
	[ -d "$SRC" ] || return 1
	(cd "$SRC" && sha256sum --quiet -c "$SUMS") >/dev/null 2>&1
}

fetch() {
	"$ROOT/tools/debian-src.sh" fetch --name sqlite --sums "$SUMS" --suite bookworm \
		--apt-dir "$APT" --out "$SRC" "sqlite3=$VERSION" || die "download failed"
}

# Unpack the upstream tarball and Debian's patches into $1, apply the series
# in its order; the tree ends up in $1/tree.
unpack() {
	local dir=$1 orig debian top p
	orig=$(awk '/orig\.tar/ && !/www/ { print $2 }' "$SUMS")
	debian=$(awk '/debian\.tar/ { print $2 }' "$SUMS")
	tar -C "$dir" -xf "$SRC/$orig" || die "cannot unpack $orig"
	top=$(find "$dir" -mindepth 1 -maxdepth 1 -type d | head -n 1)
	[ -n "$top" ] && [ -f "$top/tool/mksqlite3c.tcl" ] && [ -x "$top/configure" ] ||
		die "$orig has no tool/mksqlite3c.tcl or configure"
	mkdir "$dir/deb"
	tar -C "$dir/deb" -xf "$SRC/$debian" || die "cannot unpack $debian"
	[ -f "$dir/deb/debian/patches/series" ] || die "$debian has no debian/patches/series"
	while read -r p _; do
		case "$p" in ''|'#'*) continue ;; esac
		patch -s -d "$top" -p1 --no-backup-if-mismatch < "$dir/deb/debian/patches/$p" ||
			die "Debian's patch $p does not apply"
	done < "$dir/deb/debian/patches/series"
	mv "$top" "$dir/tree"
}

mkdir -p "$B"
verified || fetch
verified || die "downloaded files do not match tools/sqlite.sha256"

# Unpacked into a temporary directory and moved into place only when whole.
# The stamp names the checksums, so a new version is unpacked anew; it is
# touched on every run, as the Makefile's rules depend on it.
sum=$(sha256sum "$SUMS" | cut -c1-16)
if [ "$(cat "$OUT/.unpacked" 2>/dev/null)" != "$sum" ]; then
	tmp=$(mktemp -d "$B/sqlite-unpack.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	unpack "$tmp"
	rm -rf "$OUT"
	mv "$tmp/tree" "$OUT"
	echo "$sum" > "$OUT/.unpacked"
	echo "fetch-sqlite: SQLite $VERSION unpacked into $OUT, Debian's patches applied"
fi
touch "$OUT/.unpacked"
