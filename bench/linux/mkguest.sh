#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the bench's Linux guest: Debian's linux-image-amd64 kernel and
# busybox-static, fetched with `apt-get download` (never installed), and an
# initramfs (cpio newc, gzip) whose /init runs one static musl program and powers off.
#   mkguest.sh fetch OUTDIR                      -> OUTDIR/vmlinuz, OUTDIR/busybox, OUTDIR/VERSIONS
#   mkguest.sh initrd OUTDIR NAME "ARGS" SRC.c.. -> OUTDIR/NAME (static), OUTDIR/NAME.initrd.gz
set -euo pipefail

die() { echo "mkguest: $*" >&2; exit 1; }

# The kernel package is the versioned one linux-image-amd64 depends on.
kernel_pkg() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }'
}

download() {	# DIR PKG...: apt-get download, refreshing the package lists once if needed
	local dir=$1; shift
	(cd "$dir" && apt-get download "$@" >/dev/null 2>&1) && return 0
	apt-get update -qq >/dev/null 2>&1 || true
	(cd "$dir" && apt-get download "$@" >/dev/null) || return 1
}

fetch() {
	local out=$1 debs=$1/debs kpkg
	[ -s "$out/vmlinuz" ] && [ -s "$out/busybox" ] && return 0
	mkdir -p "$debs"
	kpkg=$(kernel_pkg)
	if [ -z "$kpkg" ]; then
		apt-get update -qq >/dev/null 2>&1 || true
		kpkg=$(kernel_pkg)
	fi
	[ -n "$kpkg" ] || die "cannot resolve linux-image-amd64"
	ls "$debs/$kpkg"_*.deb >/dev/null 2>&1 || download "$debs" "$kpkg" || die "apt-get download $kpkg failed"
	ls "$debs"/busybox-static_*.deb >/dev/null 2>&1 || download "$debs" busybox-static || die "apt-get download busybox-static failed"
	# Only the compressed kernel is needed: hello uses no device modules.
	dpkg-deb --fsys-tarfile "$(ls "$debs/$kpkg"_*.deb | head -1)" |
		tar -x -O --wildcards './boot/vmlinuz-*' > "$out/vmlinuz.tmp"
	dpkg-deb --fsys-tarfile "$(ls "$debs"/busybox-static_*.deb | head -1)" |
		tar -x -O ./bin/busybox > "$out/busybox.tmp"
	chmod +x "$out/busybox.tmp"
	mv "$out/vmlinuz.tmp" "$out/vmlinuz"
	mv "$out/busybox.tmp" "$out/busybox"
	{
		echo "kernel $(basename "$(ls "$debs/$kpkg"_*.deb | head -1)" .deb)"
		echo "busybox $(basename "$(ls "$debs"/busybox-static_*.deb | head -1)" .deb)"
	} > "$out/VERSIONS"
}

initrd() {
	local out=$1 name=$2 args=$3; shift 3
	local root=$out/$name.root
	musl-gcc -static -O2 -o "$out/$name" "$@"
	strip "$out/$name"
	rm -rf "$root"
	mkdir -p "$root/bin" "$root/dev"
	cp "$out/busybox" "$root/bin/busybox"
	cp "$out/$name" "$root/$name"
	# The kernel's built-in initramfs already has /dev/console; ours adds it
	# too when we may (root), so /init has a console whatever the kernel config.
	[ "$(id -u)" = 0 ] && mknod -m 600 "$root/dev/console" c 5 1
	printf '#!/bin/busybox sh\n/%s %s\nexec /bin/busybox poweroff -f\n' "$name" "$args" > "$root/init"
	chmod +x "$root/init"
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
		gzip -9 > "$out/$name.initrd.gz"
	rm -rf "$root"
}

case "${1:-}" in
fetch) fetch "$2" ;;
initrd) shift; initrd "$@" ;;
*) die "usage: mkguest.sh fetch OUTDIR | initrd OUTDIR NAME ARGS SRC.c..." ;;
esac
