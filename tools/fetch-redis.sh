#!/bin/bash
# SPDX-License-Identifier: MIT
# Fetch Redis's Debian source package (bookworm, redis 7.0.15-1~deb12u7) into
# build/, verify it against tools/redis.sha256, unpack the upstream tree into
# build/redis/ and apply Debian's own patch series (debian/patches/series: the
# CVE fixes of the ~deb12u7 update among them), so the server built for Toro
# is the source Debian's redis-server is built from. Downloaded by
# tools/debian-src.sh from the system's own Debian archive (a private deb-src
# list and state directory: the system's apt configuration is not touched).
# Skips the download when the verified files are already in build/redis-src/.
# Nothing it fetches is committed (build/ is ignored).
# Usage: tools/fetch-redis.sh [BUILD_DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
B=$(readlink -f "${1:-$ROOT/build}")
SUMS=$ROOT/tools/redis.sha256
VERSION=5:7.0.15-1~deb12u7
SRC=$B/redis-src       # the downloaded .dsc and tarballs
APT=$B/redis-apt       # private apt state
OUT=$B/redis           # the patched upstream tree (Makefile, src/, deps/, ...)

die() { echo "fetch-redis: $*" >&2; exit 1; }

verified() {
	[ -d "$SRC" ] || return 1
	(cd "$SRC" && sha256sum --quiet -c "$SUMS") >/dev/null 2>&1
}

fetch() {
	"$ROOT/tools/debian-src.sh" fetch --name redis --sums "$SUMS" --suite bookworm \
		--apt-dir "$APT" --out "$SRC" "redis=$VERSION" || die "download failed"
}

mkdir -p "$B"
verified || fetch
verified || die "downloaded files do not match tools/redis.sha256"
# The upstream tree with Debian's patch series applied, moved into place only
# when whole; its stamp (.unpacked) is touched on every run (Makefile rules
# depend on it).
"$ROOT/tools/debian-src.sh" unpack --sums "$SUMS" --src "$SRC" --out "$OUT"
[ -f "$OUT/src/server.c" ] || die "the unpacked tree has no src/server.c"
