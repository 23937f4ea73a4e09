/* SPDX-License-Identifier: MIT */
/* sigreturn_fpstate (found by tests/sysfuzz): rt_sigreturn whose FPU image
 * runs into an unmapped page. The kernel copied the image straight into the
 * thread's own save area, so a copy that faulted half way left the user's
 * bytes there (the XSAVE header's reserved bytes among them) unchecked; XSAVE
 * at the next switch does not rewrite those, and the XRSTOR after it raised
 * #GP in the kernel. Now the image is copied aside and checked first; one that
 * cannot be read leaves the FPU in its initial state, as before. After each,
 * the thread is switched out and back (yields to a second thread, a sleep)
 * and SSE still computes. */
// toro-cc: --with=signals
// expect-output: SUCCESS
// reject-output: FAIL
// pvh-machines: none
// smp: 1 2
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

static sigjmp_buf jb;
static uint64_t frame[512] __attribute__((aligned(64)));
static char stack[16384] __attribute__((aligned(16)));
static volatile int stop;

static void landing(void)
{
	siglongjmp(jb, 1);
}

static void *yielder(void *arg)
{
	while (!stop)
		sched_yield();
	return arg;
}

/* rt_sigreturn with fpstate at p, resuming in landing(). */
static void sigreturn_with_fpstate(void *p)
{
	if (sigsetjmp(jb, 1))
		return;
	ucontext_t *uc = (ucontext_t *)frame;
	memset(frame, 0, sizeof(frame));
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)landing;
	uc->uc_mcontext.gregs[REG_RSP] = (greg_t)(stack + sizeof(stack) - 64);
	uc->uc_mcontext.gregs[REG_EFL] = 0x202;
	uc->uc_mcontext.gregs[REG_CSGSFS] = 0x33;
	uc->uc_mcontext.fpregs = p;
	__asm__ volatile("mov %0, %%rsp; mov $15, %%eax; syscall; ud2" ::"r"(uc) : "memory");
}

int main(void)
{
	char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pthread_t th;
	volatile double x = 1.5;
	int bad = 0;

	if (two == MAP_FAILED || mprotect(two + 4096, 4096, PROT_NONE)) {
		printf("FAIL: mmap\n");
		return 1;
	}
	memset(two, 0xff, 4096); /* every byte of the image that can be read: all ones */
	pthread_create(&th, NULL, yielder, NULL);
	/* Images (64-byte aligned, as the frame's must be) of which only the
	 * first 576 to 1152 bytes can be read: the copy faults in or after the
	 * XSAVE header (bytes 512-575). */
	for (int cut = 576; cut <= 1152; cut += 4) {
		sigreturn_with_fpstate(two + 4096 - (cut & ~63));
		for (int i = 0; i < 3; i++)
			sched_yield();
		struct timespec ts = { 0, 100000 };
		nanosleep(&ts, NULL);
		x = x * 2.0 / 2.0 + 0.0;
		if (x != 1.5)
			bad++;
	}
	stop = 1;
	pthread_join(th, NULL);
	printf("%s 145 rt_sigreturns with an FPU image cut by an unmapped page, "
	       "each followed by switches; SSE arithmetic %s\n", bad ? "FAIL:" : "ok",
	       bad ? "wrong" : "right");
	if (bad)
		return 1;
	printf("SUCCESS\n");
	return 0;
}
