#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the bench's Linux guest: Debian's linux-image-amd64 kernel and
# busybox-static, fetched with `apt-get download` (never installed), and an
# initramfs (cpio newc, gzip) whose /init runs one static musl program and powers off.
#   mkguest.sh fetch OUTDIR                      -> OUTDIR/vmlinuz, OUTDIR/busybox, OUTDIR/VERSIONS
#   mkguest.sh initrd OUTDIR NAME "ARGS" SRC.. -> OUTDIR/NAME (static), OUTDIR/NAME.initrd.gz
#       (SRC: C sources, built with musl-gcc -static; or one static program, copied)
#   mkguest.sh netinitrd OUTDIR NAME "ARGS" SRC.. -> the same for a server: /init loads
#       virtio-mmio and virtio-net (modules from the same kernel package), gives eth0
#       QEMU user networking's 10.0.2.15/24 and runs the program in place of itself.
#   mkguest.sh diskinitrd OUTDIR NAME "ARGS" SRC.. -> /init loads virtio-mmio, virtio-blk
#       and vfat, mounts /dev/vda (a FAT disk) on /mnt, runs the program, prints
#       "mkguest: exit status N", unmounts and powers off.
#   mkguest.sh netdiskinitrd OUTDIR NAME "ARGS" SRC.. -> both: the disk mounted on /mnt
#       and eth0 up, then the program in place of /init.
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
	# Only the compressed kernel here; modules() takes the few a server guest needs.
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

# Debian's kernel builds virtio, virtio-mmio, virtio-net, virtio-blk and FAT as
# modules (and without CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES: on microvm the devices
# come from ACPI). A set's modules are the ones wanted; their dependencies are
# added from each module's .modinfo "depends=" line, and the list is ordered so
# that a module comes after what it depends on. vfat reads names in code page
# 437 and converts them with the "ascii" or utf8 tables (Debian's
# CONFIG_FAT_DEFAULT_*), all three loaded.
NET_MODULES="virtio_mmio virtio_net"
DISK_MODULES="virtio_mmio virtio_blk vfat nls_cp437 nls_ascii nls_utf8"

modinfo_depends() {	# KO -> its dependencies, one a line
	objcopy -O binary --only-section=.modinfo "$1" /dev/stdout 2>/dev/null |
		tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' '\n' | sed '/^$/d'
}

# modules OUTDIR SET MODULE...: OUTDIR/modules/SET/*.ko and .../order (load order).
modules() {
	local out=$1 set=$2; shift 2
	local deb dir=$out/modules/$set tree=$out/modules/$set/tree m
	[ -s "$dir/order" ] && return 0
	deb=$(ls "$out"/debs/linux-image-*.deb 2>/dev/null | head -1)
	[ -n "$deb" ] || die "no kernel package in $out/debs (run fetch first)"
	rm -rf "$dir"
	mkdir -p "$tree"
	dpkg-deb --fsys-tarfile "$deb" |
		tar -x -C "$tree" --wildcards './lib/modules/*/kernel/drivers/virtio/*.ko' \
		    './lib/modules/*/kernel/drivers/net/*.ko' './lib/modules/*/kernel/net/core/*.ko' \
		    './lib/modules/*/kernel/drivers/block/virtio_blk.ko' \
		    './lib/modules/*/kernel/fs/fat/*.ko' './lib/modules/*/kernel/fs/nls/*.ko'
	local done_list=" " order=()
	visit() {	# depth first: dependencies before the module
		local m=$1 ko d
		[[ "$done_list" == *" $m "* ]] && return 0
		ko=$(find "$tree" -name "$m.ko" | head -1)
		[ -n "$ko" ] || die "module $m not in $deb"
		for d in $(modinfo_depends "$ko"); do visit "$d"; done
		cp "$ko" "$dir/$m.ko"
		done_list+="$m "
		order+=("$m")
	}
	for m in "$@"; do visit "$m"; done
	rm -rf "$tree"
	printf '%s\n' "${order[@]}" > "$dir/order"
}

# init_modules OUTDIR ROOT SET MODULE...: copies a set into ROOT/lib/modules and
# prints the /init lines that load it.
init_modules() {
	local out=$1 root=$2 set=$3; shift 3
	modules "$out" "$set" "$@"
	mkdir -p "$root/lib/modules"
	for m in $(cat "$out/modules/$set/order"); do
		cp "$out/modules/$set/$m.ko" "$root/lib/modules/"
		echo "/bin/busybox insmod /lib/modules/$m.ko"
	done
}

# The /init lines that mount the first virtio disk on /mnt: devtmpfs first
# (the initramfs has no /dev/vda), and a short wait for the disk's node,
# which the kernel's devtmpfs thread makes after virtio_blk's probe.
init_disk() {
	cat <<-'EOF'
	/bin/busybox mount -t devtmpfs dev /dev
	/bin/busybox mount -t proc proc /proc
	i=0
	while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do /bin/busybox usleep 20000; i=$((i + 1)); done
	/bin/busybox mkdir -p /mnt
	/bin/busybox mount -t vfat /dev/vda /mnt || echo "mkguest: cannot mount /dev/vda"
	EOF
}

# initrd OUTDIR NAME ARGS SRC...: KIND (from the environment) is "run" (run
# the program, then power off), "net" (bring eth0 up first, exec the
# program), "disk" (mount the disk, run the program, unmount, power off) or
# "netdisk" (mount the disk, bring eth0 up, exec the program).
initrd() {
	local out=$1 name=$2 args=$3; shift 3
	local root=$out/$name.root kind=${KIND:-run}
	# One SRC that is not C: a static program already built (Redis, bench/redis.sh).
	if [ $# = 1 ] && [[ "$1" != *.c ]]; then
		cp "$1" "$out/$name"
	else
		musl-gcc -static -O2 -o "$out/$name" "$@"
	fi
	strip "$out/$name"
	rm -rf "$root"
	mkdir -p "$root/bin" "$root/dev"
	case $kind in disk|netdisk) mkdir -p "$root/proc" ;; esac
	cp "$out/busybox" "$root/bin/busybox"
	cp "$out/$name" "$root/$name"
	# The kernel's built-in initramfs already has /dev/console; ours adds it
	# too when we may (root), so /init has a console whatever the kernel config.
	[ "$(id -u)" = 0 ] && mknod -m 600 "$root/dev/console" c 5 1
	{
		echo '#!/bin/busybox sh'
		case $kind in
		net) init_modules "$out" "$root" net $NET_MODULES ;;
		disk) init_modules "$out" "$root" disk $DISK_MODULES ;;
		netdisk) init_modules "$out" "$root" netdisk $DISK_MODULES $NET_MODULES ;;
		esac
		case $kind in disk|netdisk) init_disk ;; esac
		case $kind in
		net|netdisk)
			echo '/bin/busybox ifconfig lo 127.0.0.1 up'
			echo '/bin/busybox ifconfig eth0 10.0.2.15 netmask 255.255.255.0 up'
			echo '/bin/busybox route add default gw 10.0.2.2'
			echo "exec /$name $args" ;;
		disk)
			echo "/$name $args"
			echo 'echo "mkguest: exit status $?"'
			echo '/bin/busybox umount /mnt'
			echo 'exec /bin/busybox poweroff -f' ;;
		*)
			echo "/$name $args"
			echo 'exec /bin/busybox poweroff -f' ;;
		esac
	} > "$root/init"
	chmod +x "$root/init"
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
		gzip -9 > "$out/$name.initrd.gz"
	rm -rf "$root"
}

case "${1:-}" in
fetch) fetch "$2" ;;
initrd) shift; KIND=run initrd "$@" ;;
netinitrd) shift; KIND=net initrd "$@" ;;
diskinitrd) shift; KIND=disk initrd "$@" ;;
netdiskinitrd) shift; KIND=netdisk initrd "$@" ;;
*) die "usage: mkguest.sh fetch OUTDIR | initrd|netinitrd|diskinitrd|netdiskinitrd OUTDIR NAME ARGS SRC..." ;;
esac
