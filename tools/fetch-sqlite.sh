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

mkdir -p "$B"
verified || fetch
verified || die "downloaded files do not match tools/sqlite.sha256"
# The upstream tree with Debian's patch series applied, moved into place only
# when whole; its stamp (.unpacked) is touched on every run (Makefile rules
# depend on it).
"$ROOT/tools/debian-src.sh" unpack --sums "$SUMS" --src "$SRC" --out "$OUT"
[ -f "$OUT/tool/mksqlite3c.tcl" ] || die "the unpacked tree has no tool/mksqlite3c.tcl"
