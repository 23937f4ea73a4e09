/* SPDX-License-Identifier: MIT */
/* fs_full: a 2 MiB FAT12 disk filled until ENOSPC: every file written before
 * reads back intact, the last write is short or ENOSPC, deleting frees room
 * again; after the VM fsck.fat finds nothing and mtools reads the files. */
// machines: microvm pc
// pvh-machines: none
// timeout: 90
// host-setup: $TORO_ROOT/bin/toro mkdisk --fat 12 --size 2M -o disk.img > /dev/null
// qemu-args-pc: -drive file={tmp}/disk.img,format=raw,if=none,id=d0 -device virtio-blk-pci,drive=d0
// qemu-args-microvm: -drive file={tmp}/disk.img,format=raw,if=none,id=d0 -device virtio-blk-device,drive=d0
// host-check: fsck.fat -n disk.img > fsck.txt && ! grep -qiE 'dirty|differences|wrong|lost|reclaim|cross|invalid|bad' fsck.txt && MTOOLS_SKIP_CHECK=1 mcopy -n -i disk.img ::/f0.bin f0.bin && test "$(wc -c < f0.bin)" = 100000
// expect-output: SUCCESS
// reject-output: FAIL
#include "fs_check.h"

static unsigned char byte(int f, size_t i) { return (unsigned char)(f * 37 + i * 11); }

int main(void)
{
	static unsigned char buf[100000];
	char name[32];
	int files = 0, last_err = 0;
	ssize_t short_write = -1;
	for (;; files++) {
		snprintf(name, sizeof(name), "/f%d.bin", files);
		int fd = open(name, O_CREAT | O_WRONLY | O_TRUNC, 0644);
		if (fd < 0) {
			last_err = errno;
			break;
		}
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = byte(files, i);
		ssize_t w = write(fd, buf, sizeof(buf));
		int e = errno;
		close(fd);
		if (w != (ssize_t)sizeof(buf)) {
			short_write = w;
			last_err = w < 0 ? e : ENOSPC;
			unlink(name);
			break;
		}
	}
	printf("%d files of 100000 bytes, then %zd (%s)\n", files, short_write, strerror(last_err));
	CHECK("filled", files >= 15 && files <= 21, "%d files", files);
	CHECK("ENOSPC", last_err == ENOSPC, "errno %d", last_err);
	int intact = 1;
	for (int f = 0; f < files; f++) {
		snprintf(name, sizeof(name), "/f%d.bin", f);
		ssize_t n = get_file(name, buf, sizeof(buf));
		for (size_t i = 0; n == (ssize_t)sizeof(buf) && i < sizeof(buf); i++)
			if (buf[i] != byte(f, i)) {
				n = -2;
				break;
			}
		if (n != (ssize_t)sizeof(buf)) {
			printf("  f%d.bin: %zd\n", f, n);
			intact = 0;
		}
	}
	CHECK("earlier files intact", intact, "see above");
	struct statfs sf;
	CHECK("statfs says full", statfs("/", &sf) == 0 && sf.f_bfree * sf.f_bsize < sizeof(buf),
	      "%llu free", (unsigned long long)(sf.f_bfree * sf.f_bsize));
	snprintf(name, sizeof(name), "/f%d.bin", files - 1);
	CHECK("delete frees", unlink(name) == 0 && put_file("/again.bin", buf, 50000) == 0, "put");
	CHECK("sync", fsync(open("/again.bin", O_RDONLY)) == 0, "fsync");
	if (fs_fails == 0)
		printf("SUCCESS\n");
	return fs_fails != 0;
}
