/* SPDX-License-Identifier: MIT */
/* blk_ro: a read-only disk (-drive readonly=on: VIRTIO_BLK_F_RO): opening
 * /dev/vda for writing is EROFS, reading works and every byte is right,
 * BLKROGET says 1, fsync is 0, a write on the read-only descriptor EBADF;
 * the host finds the image unchanged. */
// machines: pc microvm
// args: -- /dev/vda 262144 5
// host-setup: perl "$TORO_ROOT/tests/guest/blkimg.pl" make disk.img 262144 5
// qemu-args-pc: -drive file={tmp}/disk.img,format=raw,if=none,id=d0,readonly=on -device virtio-blk-pci,drive=d0
// qemu-args-microvm: -drive file={tmp}/disk.img,format=raw,if=none,id=d0,readonly=on -device virtio-blk-device,drive=d0
// host-check: perl "$TORO_ROOT/tests/guest/blkimg.pl" check disk.img 262144 5
// expect-output: 512 sectors (256 KiB), read-only
// expect-output: SUCCESS
// reject-output: FAIL
#include "blk_check.h"

int main(int argc, char **argv)
{
	const char *dev = argv[1];
	uint64_t size = strtoull(argv[2], NULL, 0);
	unsigned seed = (unsigned)atoi(argv[3]);

	errno = 0;
	CHECK("open O_RDWR: EROFS", open(dev, O_RDWR) == -1 && errno == EROFS, "open");
	errno = 0;
	CHECK("open O_WRONLY: EROFS", open(dev, O_WRONLY) == -1 && errno == EROFS, "open");
	int fd = open(dev, O_RDONLY);
	CHECK("open O_RDONLY", fd >= 0, "open");
	if (fd < 0)
		return 1;
	check_facts(fd, size, 0, 1);
	check_contents(fd, size, seed, NULL, 0);
	CHECK("fsync", fsync(fd) == 0, "fsync");
	errno = 0;
	CHECK("write: EBADF", pwrite(fd, "x", 1, 0) == -1 && errno == EBADF, "pwrite");
	close(fd);
	if (fails == 0)
		printf("SUCCESS\n");
	return fails ? 1 : 0;
}
