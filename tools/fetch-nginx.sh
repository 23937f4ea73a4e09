#!/bin/bash
# SPDX-License-Identifier: MIT
# Fetch nginx's Debian source package (bookworm, nginx 1.22.1-9+deb12u9) into
# build/, verify it against tools/nginx.sha256, unpack the upstream tree into
# build/nginx/ and apply Debian's own patch series (debian/patches/series: the
# security fixes of the bookworm updates among them), so the nginx built for
# Toro is the source Debian's nginx packages are built from. Uses a private apt
# source list and state directory: the system's apt configuration is not
# touched. Skips the download when the verified files are already in
# build/nginx-src/. Nothing it fetches is committed (build/ is ignored).
# Usage: tools/fetch-nginx.sh [BUILD_DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
B=$(readlink -f "${1:-$ROOT/build}")
SUMS=$ROOT/tools/nginx.sha256
VERSION=1.22.1-9+deb12u9
SRC=$B/nginx-src      # the downloaded .dsc and tarballs
APT=$B/nginx-apt      # private apt state
OUT=$B/nginx          # the patched upstream tree (configure, auto/, src/, conf/)

die() { echo "fetch-nginx: $*" >&2; exit 1; }

verified() {
	[ -d "$SRC" ] || return 1
	(cd "$SRC" && sha256sum --quiet -c "$SUMS") >/dev/null 2>&1
}

fetch() {
	"$ROOT/tools/debian-src.sh" fetch --name nginx --sums "$SUMS" --suite bookworm \
		--apt-dir "$APT" --out "$SRC" "nginx=$VERSION" || die "download failed"
}

mkdir -p "$B"
verified || fetch
verified || die "downloaded files do not match tools/nginx.sha256"
# The upstream tree with Debian's patch series applied, moved into place only
# when whole; its stamp (.unpacked) is touched on every run (Makefile rules
# depend on it).
"$ROOT/tools/debian-src.sh" unpack --sums "$SUMS" --src "$SRC" --out "$OUT"
[ -f "$OUT/auto/os/linux" ] || die "the unpacked tree has no auto/os/linux"
