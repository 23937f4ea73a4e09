#!/bin/bash
# SPDX-License-Identifier: MIT
# Install the Debian packages one kind of work needs, when missing:
#   tools/deps.sh build   what `make` needs to build (run by `make`)
#   tools/deps.sh run     what `make run` needs besides (QEMU)
#   tools/deps.sh test    what `make test` needs: build, run and the host tools the
#                         tests check with (cmocka, curl, FAT tools, the reference
#                         programs the app tests compare with, systemd for
#                         systemd-socket-activate in tests/serve, ...)
#   tools/deps.sh pack    what `toro pack --format` needs
#   tools/deps.sh bench   what `make bench` needs
#   tools/deps.sh fuzz    what `make fuzz` needs (clang and its libFuzzer runtime)
#   tools/deps.sh all     all of them (no argument: the same)
# Installing needs root; when something is missing and this is not root, one
# line says what to install, and the exit status is 1. Nothing missing: silent,
# as any user.
set -e
build="gcc make binutils musl-dev musl-tools patch xz-utils debian-archive-keyring"
run="qemu-system-x86"
# toro pack --format (tools/pack.sh): GRUB for BIOS, the ISO, qcow2, JSON,
# the OCI layout and its inspection, libvirt's schema check.
pack="grub-pc-bin grub-common xorriso mtools qemu-utils jq umoci skopeo libvirt-clients"
test="$build $run libcmocka-dev curl wrk file dosfstools mtools tcl sqlite3 lua5.4 hello python3 \
      redis-tools golang-go systemd $pack"
bench="$build $run wrk curl cpio gzip dosfstools mtools grub-pc-bin grub-common xorriso"
fuzz="$build clang libclang-rt-14-dev dosfstools mtools"
case "${1:-all}" in
build) want=$build ;;
run) want="$build $run" ;;
pack) want=$pack ;;
test) want=$test ;;
bench) want=$bench ;;
fuzz) want=$fuzz ;;
all) want="$test $bench $fuzz" ;;
*) echo "usage: tools/deps.sh [build|run|test|pack|bench|fuzz|all]" >&2; exit 2 ;;
esac
need=()
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }
for p in $(printf '%s\n' $want | awk '!seen[$0]++'); do
	have "$p" || need+=("$p")
done
[ ${#need[@]} = 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: ${1:-all} needs ${need[*]}, missing; as root: apt-get install ${need[*]}" >&2
	exit 1
fi
echo "deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Another apt (a second make, an engineer) may hold the lock: wait for it.
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
