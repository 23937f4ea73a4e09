/* SPDX-License-Identifier: MIT */
/* backtrace: the crash report of an uncaught fault names every function on the
 * call chain, also when the faulting function is a leaf that sets up no frame
 * (gcc omits the frame of such leaves even with -fno-omit-frame-pointer). */
// expect-exit: 139
// expect-output: toro: fatal signal 11 (SIGSEGV)
// expect-output: crash_leaf+
// expect-output: level2+
// expect-output: level1+
// expect-output: main+
#include <stdio.h>

int *volatile target;

__attribute__((noinline)) int crash_leaf(int v)
{
	*target = v;
	return v;
}

__attribute__((noinline)) int level2(int v)
{
	int r = crash_leaf(v + 1);
	return r * 2 + 1;
}

__attribute__((noinline)) int level1(int v)
{
	int r = level2(v + 1);
	return r * 3 + 1;
}

int main(void)
{
	printf("crashing\n");
	fflush(stdout);
	printf("FAIL: survived %d\n", level1(1));
	return 0;
}
