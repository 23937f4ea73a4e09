/* SPDX-License-Identifier: MIT */
/* fs_vvfat: QEMU's directory sharing (-drive file=fat:rw:DIR, a disk with an
 * MBR whose partition 1 is the FAT: vda1): the host's files read byte-exact;
 * what vvfat carries back to the host's directory arrives: a new file, a new
 * directory with a file, bytes overwritten in place, a rename (docs/files.md:
 * what vvfat does not do, such as growing a file, or reliably deleting one). */
// machines: microvm pc
// pvh-machines: none
// host-setup: mkdir share && printf 'from the host\n' > share/host.txt && printf 'old name\n' > share/old.txt && mkdir share/sub && LC_ALL=C awk 'BEGIN { for (i = 0; i < 200000; i++) printf "%c", i % 249 }' > share/sub/data.bin
// qemu-args-pc: -drive file=fat:rw:{tmp}/share,format=raw,if=none,id=d0 -device virtio-blk-pci,drive=d0
// qemu-args-microvm: -drive file=fat:rw:{tmp}/share,format=raw,if=none,id=d0 -device virtio-blk-device,drive=d0
// host-check: grep -qx 'written in the guest' share/guest.txt && grep -qx 'FROM the host' share/host.txt && grep -qx 'old name' share/new.txt && test ! -e share/old.txt && grep -qx inner share/newdir/inner.txt
// expect-once: toro: vda1: partition of vda
// expect-once: toro: / is vda1 (vfat
// expect-output: SUCCESS
// reject-output: FAIL
#include "fs_check.h"

int main(void)
{
	char buf[64] = { 0 };
	static unsigned char big[200000];
	CHECK("host file", get_file("/host.txt", buf, 63) == 14 && !strcmp(buf, "from the host\n"),
	      "'%s'", buf);
	ssize_t n = get_file("/sub/data.bin", big, sizeof(big));
	int ok = n == (ssize_t)sizeof(big);
	for (size_t i = 0; ok && i < sizeof(big); i++)
		ok = big[i] == (unsigned char)(i % 249);
	CHECK("200 kB host file", ok, "%zd bytes", n);
	CHECK("new file", put_file("/guest.txt", "written in the guest\n", 21) == 0, "put");
	int fd = open("/host.txt", O_WRONLY);
	CHECK("overwrite", fd >= 0 && pwrite(fd, "FROM", 4, 0) == 4 && fsync(fd) == 0, "pwrite");
	close(fd);
	CHECK("rename", rename("/old.txt", "/new.txt") == 0, "rename");
	CHECK("mkdir", mkdir("/newdir", 0755) == 0 && put_file("/newdir/inner.txt", "inner\n", 6) == 0,
	      "mkdir");
	if (fs_fails == 0)
		printf("SUCCESS\n");
	return fs_fails != 0;
}
