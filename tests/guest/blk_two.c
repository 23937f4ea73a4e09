/* SPDX-License-Identifier: MIT */
/* blk_two: two disks at once, vda (64.5 KiB, left alone) and vdb (300 KiB,
 * written), each with its own pattern: names in attach order, their sizes
 * and minor numbers, each read back whole; what is written to vdb lands on
 * vdb only (the host checks both images). With two cores a thread on core 1
 * reads vda over and over (its requests complete by the interrupt on core
 * 0, which wakes it across cores) while main writes vdb. */
// machines: pc q35 microvm
// smp: 2
// args: -- /dev/vdb 307200 4 0:512 100:5000 300000:7200
// host-setup: perl "$TORO_ROOT/tests/guest/blkimg.pl" make a.img 66048 3 && perl "$TORO_ROOT/tests/guest/blkimg.pl" make b.img 307200 4
// qemu-args-pc: -drive file={tmp}/a.img,format=raw,if=none,id=d0 -device virtio-blk-pci,drive=d0 -drive file={tmp}/b.img,format=raw,if=none,id=d1 -device virtio-blk-pci,drive=d1
// qemu-args-q35: -drive file={tmp}/a.img,format=raw,if=none,id=d0 -device virtio-blk-pci,drive=d0 -drive file={tmp}/b.img,format=raw,if=none,id=d1 -device virtio-blk-pci,drive=d1
// qemu-args-microvm: -drive file={tmp}/a.img,format=raw,if=none,id=d0 -device virtio-blk-device,drive=d0 -drive file={tmp}/b.img,format=raw,if=none,id=d1 -device virtio-blk-device,drive=d1
// host-check: perl "$TORO_ROOT/tests/guest/blkimg.pl" check a.img 66048 3 && perl "$TORO_ROOT/tests/guest/blkimg.pl" check b.img 307200 4 0:512 100:5000 300000:7200
// expect-output: toro: virtio-blk vda at
// expect-output: 129 sectors (64.5 KiB), flush
// expect-output: toro: virtio-blk vdb at
// expect-output: 600 sectors (300 KiB), flush
// expect-output: SUCCESS
// reject-output: FAIL
#include "blk_check.h"

#include <pthread.h>
#include <toro/thread.h>

static void *reader(void *arg)
{
	int fd = open("/dev/vda", O_RDONLY);
	long bad = fd < 0;
	for (int i = 0; i < 8 && !bad; i++)
		bad = verify_all(fd, 66048, 3, NULL, 0, 1536, 0) != -1;
	close(fd);
	return (void *)bad;
}

int main(int argc, char **argv)
{
	struct range w[MAX_RANGES];
	int nw = parse_ranges(argv + 4, argc - 4, w, MAX_RANGES);
	uint64_t size_b = strtoull(argv[2], NULL, 0);
	unsigned seed_b = (unsigned)atoi(argv[3]);

	int a = open("/dev/vda", O_RDWR), b = open(argv[1], O_RDWR);
	CHECK("open both", a >= 0 && b >= 0, "open");
	if (a < 0 || b < 0)
		return 1;
	check_facts(a, 66048, 0, 0);
	check_facts(b, size_b, 1, 0);
	check_contents(a, 66048, 3, NULL, 0);
	check_contents(b, size_b, seed_b, NULL, 0);
	pthread_t t;
	void *bad = (void *)1;
	int cpu = toro_cpu_count() > 1 ? 1 : 0;
	CHECK("reader thread", toro_thread_create_on(&t, cpu, reader, NULL) == 0, "create");
	write_ranges(b, size_b, seed_b, w, nw);
	CHECK("vda read 8 times on another core", pthread_join(t, &bad) == 0 && bad == NULL,
	      "reader");
	check_contents(a, 66048, 3, NULL, 0);
	check_contents(b, size_b, seed_b, w, nw);
	errno = 0;
	CHECK("no third disk", open("/dev/vdc", O_RDONLY) == -1 && errno == ENOENT, "open");
	close(a);
	close(b);
	if (fails == 0)
		printf("SUCCESS\n");
	return fails ? 1 : 0;
}
