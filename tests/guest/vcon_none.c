/* SPDX-License-Identifier: MIT */
/* vcon_none: no virtio-console device: opening /dev/hvc0, a named port or a
 * vportNpM fails at once with ENODEV and a console line; nothing waits. */
// machines: pc microvm
// pvh-machines: none
// expect-once: toro: /dev/hvc0: no virtio-console device
// expect-once: toro: /dev/virtio-ports/toro.in: no virtio-console device
// expect-output: vcon: SUCCESS
// reject-output: toro: virtio-console at
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int failures;

static void expect_enodev(const char *path)
{
	errno = 0;
	int fd = open(path, O_RDWR);
	if (fd != -1 || errno != ENODEV) {
		printf("vcon: FAIL open %s: %d errno %d (%s)\n", path, fd, errno, strerror(errno));
		failures++;
	}
}

int main(void)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	expect_enodev("/dev/hvc0");
	expect_enodev("/dev/virtio-ports/toro.in");
	expect_enodev("/dev/vport0p1");
	clock_gettime(CLOCK_MONOTONIC, &b);
	long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	if (ms > 100) {
		printf("vcon: FAIL the opens took %ld ms\n", ms);
		failures++;
	}
	if (failures == 0)
		printf("vcon: SUCCESS\n");
	return failures != 0;
}
