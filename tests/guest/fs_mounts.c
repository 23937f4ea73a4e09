/* SPDX-License-Identifier: MIT */
/* fs_mounts: toro.root picks the second disk, toro.mount puts the first at
 * /data read-only and ignores a bad word and a missing device with a line
 * each; files land on the disk they were written to. */
// machines: microvm q35
// pvh-machines: none
// host-setup: mkdir a b && printf 'on a' > a/which.txt && printf 'on b' > b/which.txt && $TORO_ROOT/bin/toro mkdisk --fat 12 --size 4M -o a.img a > /dev/null && $TORO_ROOT/bin/toro mkdisk --fat 16 --size 16M -o b.img b > /dev/null && md5sum a.img > sum
// qemu-args-q35: -drive file={tmp}/a.img,format=raw,if=none,id=d0 -device virtio-blk-pci,drive=d0 -drive file={tmp}/b.img,format=raw,if=none,id=d1 -device virtio-blk-pci,drive=d1
// qemu-args-microvm: -drive file={tmp}/a.img,format=raw,if=none,id=d0 -device virtio-blk-device,drive=d0 -drive file={tmp}/b.img,format=raw,if=none,id=d1 -device virtio-blk-device,drive=d1
// host-check: md5sum -c sum && MTOOLS_SKIP_CHECK=1 mtype -i b.img ::/new.txt | grep -qx 'new on b' && fsck.fat -n b.img | grep -qv -iE 'dirty|wrong'
// args: toro.root=vdb toro.mount=vda:/data:ro toro.mount=junk toro.mount=vdz:/x
// expect-once: toro: / is vdb (vfat, 16 MiB, read-write)
// expect-once: toro: /data is vda (vfat, 4 MiB, read-only)
// expect-once: toro: toro.mount=junk: expected DEVICE:/PATH or DEVICE:/PATH:ro; ignored
// expect-once: toro: toro.mount=vdz:/x: no such block device; ignored
// expect-output: SUCCESS
// reject-output: FAIL
#include "fs_check.h"

int main(void)
{
	char buf[16] = { 0 };
	CHECK("root is b", get_file("/which.txt", buf, 15) == 4 && !strcmp(buf, "on b"), "'%s'", buf);
	memset(buf, 0, sizeof(buf));
	CHECK("/data is a", get_file("/data/which.txt", buf, 15) == 4 && !strcmp(buf, "on a"), "'%s'",
	      buf);
	errno = 0;
	CHECK("/data read-only", open("/data/n", O_CREAT | O_WRONLY, 0644) == -1 && errno == EROFS,
	      "open");
	CHECK("write on b", put_file("/new.txt", "new on b\n", 9) == 0, "put");
	errno = 0;
	CHECK("rename across mounts EXDEV", rename("/new.txt", "/tmp/new.txt") == -1 && errno == EXDEV,
	      "rename");
	errno = 0;
	CHECK("rmdir a mount point EBUSY", rmdir("/data") == -1 && errno == EBUSY, "rmdir");
	if (fs_fails == 0)
		printf("SUCCESS\n");
	return fs_fails != 0;
}
