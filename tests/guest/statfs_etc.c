/* SPDX-License-Identifier: MIT */
/* statfs_etc (found by tests/sysfuzz): statfs and fstatfs of the kernel's own
 * /etc files (and of /etc itself when the root has none, as on a FAT disk)
 * answer like a read-only RAM file system; the kernel used to follow a null
 * file system pointer there and panic. On pc the root is a FAT disk without
 * /etc, elsewhere a RAM root whose empty /etc holds no hosts file. */
// expect-output: SUCCESS
// reject-output: FAIL
// pvh-machines: none
// mem: 32
// host-setup: $TORO_ROOT/bin/toro mkdisk --size 8M -o disk.img > /dev/null
// qemu-args-pc: -drive file={tmp}/disk.img,format=raw,if=none,id=d0 -device virtio-blk-pci,drive=d0
#include <fcntl.h>
#include <stdio.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

static int failures;

static void check(const char *what, int r, const struct statfs *st)
{
	if (r != 0) {
		printf("FAIL: %s: %m\n", what);
		failures++;
	} else if (st->f_type != 0x858458f6 || st->f_bsize != 4096 || !(st->f_flags & ST_RDONLY)) {
		printf("FAIL: %s: type %#lx bsize %ld flags %#lx\n", what, (long)st->f_type,
		       (long)st->f_bsize, (long)st->f_flags);
		failures++;
	} else {
		printf("ok %s: read-only, RAM file system type\n", what);
	}
}

int main(void)
{
	static const char *const files[] = { "/etc/hosts", "/etc/resolv.conf" };
	struct statfs st;
	int disk = access("/dev/vda", F_OK) == 0;

	for (int i = 0; i < 2; i++) {
		char what[64];
		snprintf(what, sizeof(what), "statfs %s", files[i]);
		check(what, statfs(files[i], &st), &st);
		/* Without the network kernel resolv.conf has no contents to open. */
		int fd = open(files[i], O_RDONLY);
		if (fd < 0) {
			printf("ok open %s: %m\n", files[i]);
			continue;
		}
		/* The open file is the kernel's own, not a vnode's: fstatfs may
		 * call it anonymous, but it must answer. */
		if (fstatfs(fd, &st) != 0)
			printf("FAIL: fstatfs %s: %m\n", files[i]), failures++;
		else
			printf("ok fstatfs %s\n", files[i]);
		close(fd);
	}
	if (disk)
		check("statfs /etc (the kernel's, over a FAT root)", statfs("/etc", &st), &st);
	else if (statfs("/etc", &st) != 0)
		printf("FAIL: statfs /etc: %m\n"), failures++;
	if (failures)
		return 1;
	printf("SUCCESS\n");
	return 0;
}
