#!/bin/bash
# SPDX-License-Identifier: MIT
# Fetch one of the Debian source packages the app tests build with toro-cc
# (tests/apps/, docs/apps.md) into build/: downloaded through a private deb-src
# list from the archive the system's apt sources name, checked against
# tools/NAME.sha256 (tools/debian-src.sh), unpacked into build/NAME with
# Debian's patches applied. Skips the download when the verified files are
# already in build/NAME-src/. Nothing it fetches is committed.
#   tools/fetch-app.sh NAME [BUILD_DIR]     NAME: hello or lua
set -euo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
NAME=${1:-}
B=$(readlink -f "${2:-$ROOT/build}")
die() { echo "fetch-app: $*" >&2; exit 1; }
skips=()
case "$NAME" in
# GNU hello 2.10, autoconf and gnulib: Debian adds no patches.
hello) pkg=hello=2.10-3 ;;
# Lua 5.4.4 with Debian's fixes (module paths, extern "C", two CVEs) but not
# its build system patch, which builds shared libraries with libtool: a Toro
# image is static, so upstream's own Makefile builds the interpreter.
lua) pkg=lua5.4=5.4.4-3+deb12u1 skips=(--skip 0001-build-system.patch) ;;
*) die "usage: tools/fetch-app.sh hello|lua [BUILD_DIR]" ;;
esac
SUMS=$ROOT/tools/$NAME.sha256
SRC=$B/$NAME-src
mkdir -p "$B"
verified() { [ -d "$SRC" ] && (cd "$SRC" && sha256sum --quiet -c "$SUMS") >/dev/null 2>&1; }
verified || "$ROOT/tools/debian-src.sh" fetch --name "$NAME" --sums "$SUMS" --suite bookworm \
	--apt-dir "$B/$NAME-apt" --out "$SRC" "$pkg" || die "download of $pkg failed"
verified || die "downloaded files do not match tools/$NAME.sha256"
"$ROOT/tools/debian-src.sh" unpack --sums "$SUMS" --src "$SRC" --out "$B/$NAME" "${skips[@]}"
# Debian's luaconf.h patch includes the header debian/rules writes: the
# multiarch name in the module search path, the same as Debian's lua5.4.
if [ "$NAME" = lua ] && [ ! -f "$B/lua/src/lua5.4-deb-multiarch.h" ]; then
	echo '#define DEB_HOST_MULTIARCH "x86_64-linux-gnu"' > "$B/lua/src/lua5.4-deb-multiarch.h"
fi
