/* SPDX-License-Identifier: MIT */
/* stack_guard: unbounded recursion runs into the guard page below the main
 * stack: a SIGSEGV crash report and exit status 139, not a hang or a panic. */
// expect-exit: 139
// expect-output: toro: fatal signal 11 (SIGSEGV)
// expect-output: recursing
// reject-output: out of memory
#include <stdio.h>
#include <string.h>

__attribute__((noinline)) static int recurse(int n)
{
	volatile char frame[512];
	memset((char *)frame, n, sizeof(frame));
	return recurse(n + 1) + frame[n % 512];
}

int main(void)
{
	printf("recursing\n");
	fflush(stdout);
	printf("FAIL: recursion returned %d\n", recurse(0));
	return 0;
}
