/* SPDX-License-Identifier: MIT */
/* segv_kernel: ring 3 cannot touch kernel memory. Writes to the kernel's text
 * and data and reads of them raise SIGSEGV with the exact si_addr, caught by a
 * SA_SIGINFO handler and left with siglongjmp; the program then carries on. */
// expect-output: SUCCESS
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

extern char __toro_load_start[], __toro_krodata_start[], __toro_kdata_start[];
extern char __toro_kbss_start[];

static sigjmp_buf env;
static volatile int got_sig, got_code;
static void *volatile got_addr;
static int failures;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = si->si_signo == sig ? sig : -1;
	got_addr = si->si_addr;
	got_code = si->si_code;
	siglongjmp(env, 1);
}

/* Access addr (write if `write`); it must fault with si_addr == addr and
 * si_code `code` (0: either SEGV_MAPERR or SEGV_ACCERR). */
static void probe(const char *what, uintptr_t addr, int write, int code)
{
	got_sig = 0;
	got_addr = NULL;
	if (sigsetjmp(env, 1) == 0) {
		if (write)
			*(volatile char *)addr = 0x42;
		else
			(void)*(volatile char *)addr;
		printf("FAIL: %s of %s (%#lx) did not fault\n", write ? "write" : "read", what,
		       (unsigned long)addr);
		failures++;
		return;
	}
	int code_ok = code ? got_code == code
			   : got_code == SEGV_MAPERR || got_code == SEGV_ACCERR;
	int ok = got_sig == SIGSEGV && got_addr == (void *)addr && code_ok;
	printf("%s %s %s at %#lx: signal %d, si_addr %p, si_code %d\n", ok ? "ok" : "FAIL:",
	       write ? "write" : "read", what, (unsigned long)addr, got_sig, got_addr, got_code);
	failures += !ok;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, NULL)) {
		printf("FAIL: sigaction\n");
		return 1;
	}
	/* Kernel pages: Linux says SEGV_MAPERR for kernel addresses, a kernel
	 * that shares the low half may say SEGV_ACCERR; either is a real code. */
	probe("kernel text", 0x101000, 1, 0);
	probe("kernel text", 0x101000, 0, 0);
	probe("kernel ELF header", (uintptr_t)__toro_load_start, 1, 0);
	probe("kernel rodata", (uintptr_t)__toro_krodata_start, 1, 0);
	probe("kernel data", (uintptr_t)__toro_kdata_start + 8, 1, 0);
	probe("kernel data", (uintptr_t)__toro_kdata_start + 8, 0, 0);
	probe("kernel bss", (uintptr_t)__toro_kbss_start + 64, 1, 0);
	/* Nothing is mapped at 0. */
	probe("NULL", 0, 1, SEGV_MAPERR);
	probe("NULL+4096", 4096, 0, 0);
	/* The signal mask was restored by siglongjmp: a second round still works. */
	probe("kernel text again", 0x101000, 1, 0);

	if (failures)
		return 1;
	printf("SUCCESS\n");
	return 0;
}
