/* SPDX-License-Identifier: MIT */
/* fs_ro: a read-only disk (QEMU readonly=on: VIRTIO_BLK_F_RO) is mounted
 * read-only with a console line; reading works, every way of writing is
 * EROFS; the image is unchanged afterwards. */
// machines: microvm q35
// pvh-machines: none
// host-setup: mkdir src && printf 'read me' > src/r.txt && $TORO_ROOT/bin/toro mkdisk --fat 16 --size 16M -o disk.img src > /dev/null && md5sum disk.img > sum
// qemu-args-q35: -drive file={tmp}/disk.img,format=raw,if=none,id=d0,readonly=on -device virtio-blk-pci,drive=d0
// qemu-args-microvm: -drive file={tmp}/disk.img,format=raw,if=none,id=d0,readonly=on -device virtio-blk-device,drive=d0
// host-check: md5sum -c sum
// expect-once: toro: / is vda (vfat, 16 MiB, read-only)
// expect-output: SUCCESS
// reject-output: FAIL
#include "fs_check.h"

int main(void)
{
	char buf[16];
	struct timespec ts[2] = { { 1, 0 }, { 1, 0 } };
	CHECK("read", get_file("/r.txt", buf, sizeof(buf)) == 7 && !memcmp(buf, "read me", 7), "get");
	errno = 0;
	CHECK("create EROFS", open("/new", O_CREAT | O_WRONLY, 0644) == -1 && errno == EROFS, "open");
	errno = 0;
	CHECK("open for writing EROFS", open("/r.txt", O_WRONLY) == -1 && errno == EROFS, "open");
	errno = 0;
	CHECK("mkdir EROFS", mkdir("/d", 0755) == -1 && errno == EROFS, "mkdir");
	errno = 0;
	CHECK("unlink EROFS", unlink("/r.txt") == -1 && errno == EROFS, "unlink");
	errno = 0;
	CHECK("rename EROFS", rename("/r.txt", "/s.txt") == -1 && errno == EROFS, "rename");
	errno = 0;
	CHECK("truncate EROFS", truncate("/r.txt", 0) == -1 && errno == EROFS, "truncate");
	errno = 0;
	CHECK("utimensat EROFS", utimensat(AT_FDCWD, "/r.txt", ts, 0) == -1 && errno == EROFS, "utimensat");
	errno = 0;
	CHECK("access W_OK EROFS", access("/r.txt", W_OK) == -1 && errno == EROFS, "access");
	struct statfs sf;
	CHECK("statfs ST_RDONLY", statfs("/", &sf) == 0 && (sf.f_flags & 1), "flags %lx",
	      (unsigned long)sf.f_flags);
	CHECK("/tmp still writable", put_file("/tmp/x", "x", 1) == 0, "put");
	errno = 0;
	int fd = open("/dev/vda", O_WRONLY);
	CHECK("raw device EROFS", fd == -1 && errno == EROFS, "open /dev/vda");
	if (fs_fails == 0)
		printf("SUCCESS\n");
	return fs_fails != 0;
}
