/* SPDX-License-Identifier: MIT */
/* fcntl_fd_bits (found by tests/sysfuzz): a descriptor is an unsigned int, as
 * on Linux, so fcntl(2^32 + fd, F_SETFD/F_GETFD) acts on fd. The kernel took
 * the file by the truncated number but indexed its close-on-exec table with
 * all 64 bits: a write 4 GiB and more past the table, a kernel fault (or, with
 * that much RAM, a byte written anywhere). Also on Linux (host-args). */
// expect-output: SUCCESS
// reject-output: FAIL
// pvh-machines: none
// host-args: -
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

static int failures;

static void expect(const char *what, long got, long want)
{
	if (got != want) {
		printf("FAIL: %s: %ld, expected %ld\n", what, got, want);
		failures++;
	} else {
		printf("ok %s: %ld\n", what, got);
	}
}

int main(void)
{
	static const long high[] = { 1l << 32, 0x0800000000000000l, 0x7fffffff00000000l,
				     (long)0x8000000000000000ul, 0xffff00000000l };
	int fd = open("/dev/null", O_RDONLY);

	if (fd < 0) {
		printf("FAIL: open /dev/null\n");
		return 1;
	}
	for (unsigned i = 0; i < sizeof(high) / sizeof(high[0]); i++) {
		long big = high[i] | fd;
		char what[96];
		snprintf(what, sizeof(what), "fcntl(%#lx, F_SETFD, FD_CLOEXEC)", big);
		expect(what, syscall(SYS_fcntl, big, F_SETFD, FD_CLOEXEC), 0);
		expect("  F_GETFD on the plain number", fcntl(fd, F_GETFD), FD_CLOEXEC);
		snprintf(what, sizeof(what), "fcntl(%#lx, F_SETFD, 0)", big);
		expect(what, syscall(SYS_fcntl, big, F_SETFD, 0), 0);
		snprintf(what, sizeof(what), "fcntl(%#lx, F_GETFD)", big);
		expect(what, syscall(SYS_fcntl, big, F_GETFD), 0);
	}
	close(fd);
	if (failures)
		return 1;
	printf("SUCCESS\n");
	return 0;
}
