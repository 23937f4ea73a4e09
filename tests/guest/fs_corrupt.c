/* SPDX-License-Identifier: MIT */
/* fs_corrupt: disks that hold no valid FAT (a zeroed sector size, a zero
 * cluster size, random bytes) are refused with one console line each; the VM
 * goes on with a RAM root, and the disk's bytes are untouched. */
// machines: microvm pc
// pvh-machines: none
// host-setup: $TORO_ROOT/bin/toro mkdisk --fat 16 --size 16M -o a.img > /dev/null && printf '\0\0' | dd of=a.img bs=1 seek=11 conv=notrunc 2>/dev/null && $TORO_ROOT/bin/toro mkdisk --fat 32 --size 64M -o b.img > /dev/null && printf '\0' | dd of=b.img bs=1 seek=13 conv=notrunc 2>/dev/null && head -c 1048576 /dev/urandom > c.img && md5sum a.img b.img c.img > sum
// qemu-args-pc: -drive file={tmp}/a.img,format=raw,if=none,id=d0 -device virtio-blk-pci,drive=d0 -drive file={tmp}/b.img,format=raw,if=none,id=d1 -device virtio-blk-pci,drive=d1 -drive file={tmp}/c.img,format=raw,if=none,id=d2 -device virtio-blk-pci,drive=d2
// qemu-args-microvm: -drive file={tmp}/a.img,format=raw,if=none,id=d0 -device virtio-blk-device,drive=d0 -drive file={tmp}/b.img,format=raw,if=none,id=d1 -device virtio-blk-device,drive=d1 -drive file={tmp}/c.img,format=raw,if=none,id=d2 -device virtio-blk-device,drive=d2
// host-check: md5sum -c sum
// args: toro.mount=vda:/a toro.mount=vdb:/b toro.mount=vdc:/c
// expect-once: toro: no disk holds a file system Toro can mount: / is in RAM
// expect-output: toro: vda: no file system Toro can mount
// expect-output: toro: vdb: no file system Toro can mount
// expect-output: toro: vdc: no file system Toro can mount
// expect-output: SUCCESS
// reject-output: FAIL
#include "fs_check.h"

int main(void)
{
	struct stat st;
	CHECK("RAM root works", put_file("/x", "x", 1) == 0 && stat("/x", &st) == 0, "put");
	errno = 0;
	CHECK("no /a", stat("/a/anything", &st) == -1 && errno == ENOENT, "stat");
	if (fs_fails == 0)
		printf("SUCCESS\n");
	return fs_fails != 0;
}
