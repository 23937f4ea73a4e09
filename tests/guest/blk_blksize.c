/* SPDX-License-Identifier: MIT */
/* blk_blksize: a disk with 4096-byte logical blocks (VIRTIO_BLK_F_BLK_SIZE
 * 4096), which Toro does not drive: refused with one console line, no
 * /dev/vda, the program runs; a second, ordinary disk next to it is vda. */
// machines: pc microvm
// pvh-machines: none
// host-setup: head -c 65536 /dev/zero > big.img && head -c 65536 /dev/zero > ok.img
// qemu-args-pc: -drive file={tmp}/big.img,format=raw,if=none,id=d0 -device virtio-blk-pci,drive=d0,logical_block_size=4096,physical_block_size=4096 -drive file={tmp}/ok.img,format=raw,if=none,id=d1 -device virtio-blk-pci,drive=d1
// qemu-args-microvm: -drive file={tmp}/big.img,format=raw,if=none,id=d0 -device virtio-blk-device,drive=d0,logical_block_size=4096,physical_block_size=4096 -drive file={tmp}/ok.img,format=raw,if=none,id=d1 -device virtio-blk-device,drive=d1
// expect-once: block size 4096 not supported (only 512)
// expect-once: toro: virtio-blk vda at
// expect-output: SUCCESS
// reject-output: FAIL
// reject-output: toro: virtio-blk vdb
#include "blk_check.h"

int main(void)
{
	int fd = open("/dev/vda", O_RDONLY);
	CHECK("the 512-byte disk is vda", fd >= 0, "open");
	check_facts(fd, 65536, 0, 0);
	close(fd);
	errno = 0;
	CHECK("no vdb", open("/dev/vdb", O_RDONLY) == -1 && errno == ENOENT, "open");
	if (fails == 0)
		printf("SUCCESS\n");
	return fails ? 1 : 0;
}
