/* SPDX-License-Identifier: MIT */
/* blk_vvfat: a host directory shared through QEMU's vvfat (-drive
 * file=fat:rw:DIR, what toro run --disk DIR gives), a partitioned disk: the
 * MBR's partition is /dev/vda1 (254:1; its sector 0 is the disk's 63, a FAT
 * boot sector), the file system on it is the root: the host's file reads
 * back, a file written here appears in the host's directory. */
// machines: pc microvm
// pvh-machines: none
// host-setup: mkdir share && printf 'hello from the host\n' > share/a.txt
// qemu-args-pc: -drive file=fat:rw:{tmp}/share,format=raw,if=none,id=d0 -device virtio-blk-pci,drive=d0
// qemu-args-microvm: -drive file=fat:rw:{tmp}/share,format=raw,if=none,id=d0 -device virtio-blk-device,drive=d0
// host-check: grep -qx 'written by the guest' share/guest.txt
// expect-once: toro: vda: MBR: vda1 (type 0x06, 1032129 sectors from 63)
// expect-output: SUCCESS
// reject-output: FAIL
#include "blk_check.h"

int main(void)
{
	struct stat st;
	uint8_t a[512], b[512];

	CHECK("stat /dev/vda1", stat("/dev/vda1", &st) == 0 && S_ISBLK(st.st_mode) &&
	      major(st.st_rdev) == 254 && minor(st.st_rdev) == 1, "mode %o", st.st_mode);
	int d = open("/dev/vda", O_RDONLY), p = open("/dev/vda1", O_RDONLY);
	CHECK("fstat: the partition's size", fstat(p, &st) == 0 && st.st_size == 1032129LL * 512,
	      "size %lld", (long long)st.st_size);
	CHECK("vda1's sector 0 is vda's 63", d >= 0 && p >= 0 &&
	      pread(d, a, 512, 63 * 512) == 512 && read(p, b, 512) == 512 && !memcmp(a, b, 512),
	      "read");
	CHECK("a FAT boot sector", b[510] == 0x55 && b[511] == 0xaa && !memcmp(b + 54, "FAT", 3),
	      "%02x%02x", b[510], b[511]);
	close(d);
	close(p);
	char line[64] = "";
	FILE *f = fopen("/a.txt", "r");
	CHECK("the host's file", f && fgets(line, sizeof(line), f) &&
	      !strcmp(line, "hello from the host\n"), "'%s'", line);
	if (f)
		fclose(f);
	int fd = open("/guest.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	CHECK("write a file", fd >= 0 && write(fd, "written by the guest\n", 21) == 21 &&
	      fsync(fd) == 0 && close(fd) == 0, "write");
	if (fails == 0)
		printf("SUCCESS\n");
	return fails ? 1 : 0;
}
