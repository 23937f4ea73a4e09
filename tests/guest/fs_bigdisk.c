/* SPDX-License-Identifier: MIT */
/* fs_bigdisk: a 1 GiB FAT32 disk in a guest with 8 MiB (and 4 MiB) of memory:
 * the FAT (1 MiB) is read through the bounded cache, never whole; mounting,
 * writing 4 MiB and reading it back work; the allocator does not scan the
 * whole FAT per cluster. */
// machines: microvm
// pvh-machines: none
// mem: 8
// timeout: 120
// host-setup: $TORO_ROOT/bin/toro mkdisk --fat 32 --size 1G -o disk.img > /dev/null
// qemu-args-microvm: -drive file={tmp}/disk.img,format=raw,if=none,id=d0 -device virtio-blk-device,drive=d0
// host-check: fsck.fat -n disk.img > fsck.txt && ! grep -qiE 'dirty|differences|wrong|lost|reclaim|cross' fsck.txt && MTOOLS_SKIP_CHECK=1 mdir -i disk.img ::/big.bin | grep -q 4194304
// expect-once: toro: / is vda (vfat, 1024 MiB, read-write)
// expect-output: SUCCESS
// reject-output: FAIL
#include "fs_check.h"

int main(void)
{
	static unsigned char buf[65536];
	int fd = open("/big.bin", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	int ok = fd >= 0;
	for (int i = 0; ok && i < 64; i++) {
		for (size_t j = 0; j < sizeof(buf); j++)
			buf[j] = (unsigned char)(i + j * 3);
		ok = write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf);
	}
	CHECK("4 MiB written", ok && fsync(fd) == 0, "write");
	close(fd);
	fd = open("/big.bin", O_RDONLY);
	for (int i = 0; ok && i < 64; i++) {
		ok = read(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf);
		for (size_t j = 0; ok && j < sizeof(buf); j++)
			ok = buf[j] == (unsigned char)(i + j * 3);
	}
	close(fd);
	CHECK("4 MiB read back", ok, "read");
	struct statfs sf;
	CHECK("statfs", statfs("/", &sf) == 0 && sf.f_blocks * sf.f_bsize > 1000000000ull, "statfs");
	if (fs_fails == 0)
		printf("SUCCESS\n");
	return fs_fails != 0;
}
