#!/bin/bash
# SPDX-License-Identifier: MIT
# Fetch lwIP's Debian source package (bookworm, 2.1.3) into build/, verify it
# against tools/lwip.sha256, unpack the upstream sources into build/lwip/ and
# apply Toro's own fixes in tools/lwip-patches/ (docs/network.md says why).
# Uses a private apt source list and state directory (tools/debian-src.sh: the
# archive's address from the system's apt sources, which are not touched).
# Skips the download when the verified files are already in build/lwip-src/. Usage: tools/fetch-lwip.sh [BUILD_DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
B=$(readlink -f "${1:-$ROOT/build}")
SUMS=$ROOT/tools/lwip.sha256
SRC=$B/lwip-src        # the downloaded .dsc and tarballs
APT=$B/lwip-apt        # private apt state
OUT=$B/lwip            # unpacked tree (lwip/src/...)

die() { echo "fetch-lwip: $*" >&2; exit 1; }

verified() {
	[ -d "$SRC" ] || return 1
	(cd "$SRC" && sha256sum --quiet -c "$SUMS") >/dev/null 2>&1
}

fetch() {
	"$ROOT/tools/debian-src.sh" fetch --name lwip --sums "$SUMS" --suite bookworm \
		--apt-dir "$APT" --out "$SRC" "lwip=2.1.3+dfsg1-2" || die "download failed"
}

mkdir -p "$B"
verified || fetch
verified || die "downloaded files do not match tools/lwip.sha256"

# Unpack into a temporary directory, patch, and move it into place only when
# whole. The stamp names the tarball's and the patches' checksums, so a new
# version or a changed patch is unpacked anew; it is touched on every run, as
# the Makefile's rules depend on it.
orig=$(awk '/orig\.tar/ { print $2 }' "$SUMS")
patches=("$ROOT"/tools/lwip-patches/*.patch)
[ -e "${patches[0]}" ] || patches=()
sum="$(awk '/orig\.tar/ { print $1 }' "$SUMS")${patches[*]+ $(cat "${patches[@]}" | sha256sum | cut -c1-16)}"
if [ "$(cat "$OUT/.unpacked" 2>/dev/null)" != "$sum" ]; then
	tmp=$(mktemp -d "$B/lwip-unpack.XXXXXX")
	tar -C "$tmp" -xf "$SRC/$orig" || { rm -rf "$tmp"; die "cannot unpack $orig"; }
	top=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d | head -n 1)
	[ -n "$top" ] && [ -f "$top/src/core/tcp.c" ] ||
		{ rm -rf "$tmp"; die "$orig has no src/core/tcp.c"; }
	for p in "${patches[@]}"; do
		patch -s -d "$top" -p1 --no-backup-if-mismatch < "$p" ||
			{ rm -rf "$tmp"; die "patch $(basename "$p") does not apply"; }
	done
	rm -rf "$OUT"
	mv "$top" "$OUT"
	rm -rf "$tmp"
	echo "$sum" > "$OUT/.unpacked"
	echo "fetch-lwip: lwIP unpacked into $OUT"
fi
touch "$OUT/.unpacked"
