/* SPDX-License-Identifier: MIT */
/* crash: faults as exceptions. A caught fault (TRY/EXCEPT), then an uncaught
 * one: the kernel prints a crash report with a symbolized backtrace and the VM
 * exits with status 128 + signal (139 for SIGSEGV).
 *   bin/toro run build/examples/crash.elf            (exits 139)
 *   bin/toro run build/examples/crash.elf -- caught  (stops after the caught one) */
#include <stdio.h>
#include <string.h>
#include <toro/except.h>

__attribute__((noinline)) static int divide(int a, int b) { return a / b; }

__attribute__((noinline)) static void store(volatile int *p, int v) { *p = v; }

__attribute__((noinline)) static void deeper(volatile int *p) { store(p, 42); }

int main(int argc, char **argv)
{
	volatile int zero = 0;

	TRY {
		printf("100 / 0 = %d\n", divide(100, zero));
	} EXCEPT(sig) {
		printf("caught signal %d (%s): division by zero\n", sig, strsignal(sig));
	}
	TRY {
		store((volatile int *)0x10, 1);
	} EXCEPT(sig) {
		printf("caught signal %d (%s) at address %p\n", sig, strsignal(sig),
		       toro_except_addr());
	}
	if (argc > 1 && strcmp(argv[1], "caught") == 0)
		return 0;
	printf("now an uncaught fault: writing to address 0x8\n");
	fflush(stdout);
	deeper((volatile int *)0x8);
	return 0;
}
