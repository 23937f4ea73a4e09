# SPDX-License-Identifier: MIT
# tools/pack-disk.sh: the GRUB formats of toro pack (iso, raw, qcow2); sourced by
# tools/pack.sh, which has checked the options and set image, image_abs, name,
# cmd_words and tmp. GRUB is Debian's (grub-pc-bin: the BIOS platform only):
# SeaBIOS, or a cloud's BIOS, loads GRUB, which loads the image with its
# Multiboot command (the same header QEMU's -kernel reads).

grub_dir=/usr/lib/grub/i386-pc
# The modules GRUB needs to read grub.cfg from the FAT partition (or the ISO)
# and boot a Multiboot kernel; grub-mkimage adds what they depend on.
grub_mods="biosdisk part_msdos fat iso9660 normal configfile multiboot boot"

need_grub() {
	[ -f "$grub_dir/boot.img" ] && [ -f "$grub_dir/moddep.lst" ] ||
		die "GRUB's BIOS files missing ($grub_dir): apt-get install grub-pc-bin"
	need grub-mkimage grub-common
}

# grub_cfg FILE: boot /boot/toro.elf at once with the command line. GRUB's
# console stays on the screen: the serial port is the program's alone.
# GRUB 2's multiboot hands the kernel the words after the file name only, and
# names itself in the Multiboot information, so the kernel takes every word as
# an argument (QEMU's -kernel puts the file name first and the kernel skips
# it: kernel/bootinfo.c). GRUB puts a word with a space in double quotes, as
# the kernel reads them, but writes ' and \ as \' and \\, which it does not:
# pack_check_grub refuses them.
grub_cfg() {
	local w line="multiboot /boot/toro.elf"
	for w in "${cmd_words[@]+"${cmd_words[@]}"}"; do
		line+=" '$w'"
	done
	{
		echo "# written by toro pack: boots the Toro image at once"
		echo "set timeout=0"
		echo "set default=0"
		echo "menuentry 'toro $name' {"
		echo "	$line"
		echo "	boot"
		echo "}"
	} > "$1"
}

pack_check_grub() {
	local w
	for w in "${cmd_words[@]+"${cmd_words[@]}"}"; do
		[[ "$w" == *[\'\\]* ]] &&
			die "GRUB's command line cannot carry ' or \\ (it adds a backslash), in $(printf %q "$w")"
	done
	return 0
}

pack_iso() { # OUT
	pack_check_grub
	need_grub
	need grub-mkrescue grub-common
	need xorriso xorriso
	mkdir -p "$tmp/iso/boot/grub"
	cp "$image" "$tmp/iso/boot/toro.elf" || die "cannot read '$image'"
	grub_cfg "$tmp/iso/boot/grub/grub.cfg"
	grub-mkrescue -d "$grub_dir" --install-modules="$grub_mods" --fonts= --locales= \
		--themes= --compress=xz -o "$tmp/out.iso" "$tmp/iso" > "$tmp/log" 2>&1 ||
		{ sed 's/^/  /' "$tmp/log" >&2; die "grub-mkrescue failed"; }
	mv -f "$tmp/out.iso" "$1" || die "cannot write '$1'"
}

le32() { # N: four little-endian bytes as printf escapes
	printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) \
		$(($1 >> 16 & 255)) $(($1 >> 24 & 255))
}
chs() { # LBA: the 3-byte CHS of an MBR entry (255 heads, 63 sectors), or the
	# "beyond CHS" value past cylinder 1023
	local c=$(($1 / (255 * 63))) h=$(($1 / 63 % 255)) s=$(($1 % 63 + 1))
	[ $c -gt 1023 ] && { printf '\\xfe\\xff\\xff'; return; }
	printf '\\x%02x\\x%02x\\x%02x' $h $((s | (c >> 8) << 6)) $((c & 255))
}

# The disk: sector 0 GRUB's boot.img (its code, then our partition table),
# sectors 1-2047 core.img (boot.img reads its first sector from LBA 1, and that
# one the rest, as grub-mkimage lays it out), then one FAT partition at 1 MiB.
pack_raw() { # OUT
	pack_check_grub
	need_grub
	need mformat mtools
	local part_start=2048 img_kib part_mib part_sec type fs
	img_kib=$((($(stat -c %s "$image") + 1023) / 1024))
	part_mib=$(((img_kib + 1023) / 1024 + 2))
	[ $part_mib -lt 8 ] && part_mib=8
	part_sec=$((part_mib * 2048))
	grub-mkimage -d "$grub_dir" -O i386-pc -o "$tmp/core.img" -p '(,msdos1)/boot/grub' \
		$grub_mods > "$tmp/log" 2>&1 || { cat "$tmp/log" >&2; die "grub-mkimage failed"; }
	[ "$(stat -c %s "$tmp/core.img")" -le $(((part_start - 1) * 512)) ] ||
		die "GRUB's core.img does not fit before the partition"
	grub_cfg "$tmp/grub.cfg"
	truncate -s $((part_sec * 512)) "$tmp/part.img"
	mformat -i "$tmp/part.img" -T $part_sec -h 255 -s 63 -H $part_start -v TORO :: > "$tmp/log" 2>&1 ||
		{ cat "$tmp/log" >&2; die "mformat failed"; }
	MTOOLS_NO_VFAT=1 mmd -i "$tmp/part.img" ::/boot ::/boot/grub &&
		mcopy -i "$tmp/part.img" "$image" ::/boot/toro.elf &&
		mcopy -i "$tmp/part.img" "$tmp/grub.cfg" ::/boot/grub/grub.cfg ||
		die "cannot copy the image onto the FAT partition"
	# The MBR partition type from what mformat chose (FAT12 0x01, FAT16 LBA
	# 0x0e, FAT32 LBA 0x0c); GRUB reads any, other systems look at it.
	fs=$(dd if="$tmp/part.img" bs=1 skip=54 count=5 2>/dev/null | tr -d "\0")
	[ "$fs" = FAT12 ] && type=01 || type=0e
	[ "$(dd if="$tmp/part.img" bs=1 skip=82 count=5 2>/dev/null | tr -d "\0")" = FAT32 ] && type=0c
	local disk=$tmp/disk.img
	truncate -s $(((part_start + part_sec) * 512)) "$disk"
	dd if="$grub_dir/boot.img" of="$disk" bs=440 count=1 conv=notrunc status=none &&
		printf "\\x80$(chs $part_start)\\x$type$(chs $((part_start + part_sec - 1)))$(le32 $part_start)$(le32 $part_sec)" |
		dd of="$disk" bs=1 seek=446 conv=notrunc status=none &&
		printf '\x55\xaa' | dd of="$disk" bs=1 seek=510 conv=notrunc status=none &&
		dd if="$tmp/core.img" of="$disk" bs=512 seek=1 conv=notrunc status=none &&
		dd if="$tmp/part.img" of="$disk" bs=512 seek=$part_start conv=notrunc,sparse status=none ||
		die "cannot write the disk image"
	rm -f "$tmp/part.img"
	mv -f "$disk" "$1" || die "cannot write '$1'"
}

pack_qcow2() { # OUT
	need qemu-img qemu-utils
	pack_raw "$tmp/disk.raw"
	qemu-img convert -f raw -O qcow2 "$tmp/disk.raw" "$tmp/disk.qcow2" > "$tmp/log" 2>&1 ||
		{ cat "$tmp/log" >&2; die "qemu-img convert failed"; }
	rm -f "$tmp/disk.raw"
	mv -f "$tmp/disk.qcow2" "$1" || die "cannot write '$1'"
}
