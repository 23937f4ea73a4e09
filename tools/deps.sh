#!/bin/bash
# SPDX-License-Identifier: MIT
# Install the Debian packages the build and tests need, when missing.
# Run by `make` (and so by `make run` / `make test`); needs root to install.
set -e
need=()
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }
for p in gcc make binutils musl-dev musl-tools qemu-system-x86 libcmocka-dev clang \
	 libclang-rt-14-dev cpio xz-utils curl wrk patch dosfstools mtools tcl sqlite3 \
	 golang-go redis-tools; do
	have "$p" || need+=("$p")
done
[ ${#need[@]} = 0 ] && exit 0
echo "deps: installing ${need[*]}"
if [ "$(id -u)" != 0 ]; then
	echo "deps: not root; install them with: sudo apt-get install ${need[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
