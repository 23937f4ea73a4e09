/* SPDX-License-Identifier: MIT */
/* fpe_uncaught: an uncaught division by zero ends the program with a crash
 * report (signal, registers, a symbolized backtrace) and exit status 128 + 8. */
// expect-exit: 136
// expect-output: toro: fatal signal 8 (SIGFPE)
// expect-output: divide+
// expect-output: about to divide
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) int divide(int a, int b)
{
	return a / b;
}

int main(int argc, char **argv)
{
	volatile int b = argc - 1; /* 0: no arguments */
	printf("about to divide\n");
	fflush(stdout);
	int r = divide(100, b);
	printf("FAIL: survived, %d\n", r);
	return 0;
}
