/* SPDX-License-Identifier: MIT */
/* sysgroup_unlinked: a program that uses no musl pipe, poll, epoll or eventfd
 * function gets none of those kernel groups (toro-cc); made anyway, through a
 * raw syscall instruction, such a call returns ENOSYS and says which group and
 * toro-cc option would have linked it. */
// expect-once: toro: unsupported system call 22 (pipe), returning ENOSYS: group pipe is not linked into this image (toro-cc links it
// expect-once: toro: unsupported system call 232 (epoll_wait), returning ENOSYS: group epoll is not linked
// expect-output: SUCCESS
#include <stdio.h>

static long raw_syscall3(long nr, long a, long b, long c)
{
	long r;

	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return r;
}

int main(void)
{
	int fds[2];
	int ok = 1;

	for (int i = 0; i < 2; i++) {
		if (raw_syscall3(22, (long)fds, 0, 0) != -38)	/* pipe */
			ok = 0;
		if (raw_syscall3(232, 3, (long)fds, 1) != -38)	/* epoll_wait */
			ok = 0;
		if (raw_syscall3(7, 0, 0, 0) != -38)		/* poll */
			ok = 0;
	}
	if (raw_syscall3(39, 0, 0, 0) <= 0)			/* getpid: core */
		ok = 0;
	puts(ok ? "SUCCESS" : "FAILURE");
	return ok ? 0 : 1;
}
