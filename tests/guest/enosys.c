/* SPDX-License-Identifier: MIT */
/* enosys: an unsupported system call returns ENOSYS and is logged once per
 * call number, however often it is made. */
// expect-once: toro: unsupported system call 57 (fork), returning ENOSYS
// expect-once: toro: unsupported system call 27 (mincore), returning ENOSYS
// expect-once: toro: unsupported system call 1000
// expect-output: SUCCESS
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/time.h>

static int failures;

static void expect_enosys(long nr, long r, const char *what)
{
	if (r != -1 || errno != ENOSYS) {
		printf("FAIL: %s (%ld) = %ld, errno %d (%s), want ENOSYS\n", what, nr, r, errno,
		       strerror(errno));
		failures++;
	}
}

int main(void)
{
	static unsigned char buf[1];
	for (int i = 0; i < 3; i++) {
		errno = 0;
		expect_enosys(SYS_fork, syscall(SYS_fork), "fork");
		errno = 0;
		expect_enosys(1000, syscall(1000, 1, 2, 3), "syscall 1000");
		errno = 0;
		expect_enosys(SYS_mincore, syscall(SYS_mincore, 0, 4096, buf), "mincore");
	}
	/* Numbers far out of the table must not index it. */
	static const long far[] = { 335, 511, 512, 4096, 0x40000000 + 1, -1, -2, 0x7fffffff };
	for (size_t i = 0; i < sizeof(far) / sizeof(far[0]); i++) {
		errno = 0;
		expect_enosys(far[i], syscall(far[i], 0, 0, 0), "far");
	}
	/* The kernel still works after all that. */
	if (write(1, "still alive\n", 12) != 12)
		failures++;
	if (failures)
		return 1;
	printf("SUCCESS\n");
	return 0;
}
