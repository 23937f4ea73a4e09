/* SPDX-License-Identifier: MIT */
/* sigreturn_rip: rt_sigreturn with a frame of the program's own whose rip is
 * non-canonical, the kernel's, or unmapped: the program gets SIGSEGV (its
 * handler runs on the alternate stack and leaves with siglongjmp) and goes
 * on, as on Linux (host-args). On hardware, an iretq to a non-canonical rip
 * faults inside the kernel with the user's GS loaded; the kernel turns such a
 * frame into SIGSEGV before it returns. (QEMU's TCG does not check the rip on
 * iretq, so under TCG this passed before too: the fuzzer's rt_sigreturn
 * frames led to the check, the SDM to the fault.) Also TF in the restored
 * flags: one instruction, then SIGTRAP. */
// expect-output: SUCCESS
// reject-output: FAIL
// pvh-machines: none
// host-args: -
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

static sigjmp_buf jb;
static char alt[65536];
static volatile int code;
static uint64_t frame[512] __attribute__((aligned(64)));
static char stack[16384] __attribute__((aligned(16)));
static int failures;

static void handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	code = si->si_code;
	siglongjmp(jb, sig);
}

static void landing(void)
{
	for (;;)
		__asm__ volatile("nop; nop; nop; ud2");
}

/* rt_sigreturn into rip with rflags; the signal it ends in, or 0. */
static int sigreturn_to(uint64_t rip, uint64_t rflags)
{
	int sig = sigsetjmp(jb, 1);
	if (sig)
		return sig;
	ucontext_t *uc = (ucontext_t *)frame;
	memset(frame, 0, sizeof(frame));
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)rip;
	uc->uc_mcontext.gregs[REG_RSP] = (greg_t)(stack + sizeof(stack) - 64);
	uc->uc_mcontext.gregs[REG_EFL] = (greg_t)rflags;
	uc->uc_mcontext.gregs[REG_CSGSFS] = 0x33; /* Linux checks cs */
	__asm__ volatile("mov %0, %%rsp; mov $15, %%eax; syscall; ud2" ::"r"(uc) : "memory");
	return 0;
}

static void expect(const char *what, uint64_t rip, uint64_t rflags, int want)
{
	int got = sigreturn_to(rip, rflags);
	if (got != want) {
		printf("FAIL: %s (rip %#lx): signal %d, expected %d\n", what, (unsigned long)rip, got, want);
		failures++;
	} else {
		printf("ok %s (rip %#lx): signal %d, code %d\n", what, (unsigned long)rip, got, code);
	}
}

int main(void)
{
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt) };
	struct sigaction sa;

	sigaltstack(&ss, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigaction(SIGSEGV, &sa, 0);
	sigaction(SIGILL, &sa, 0);
	sigaction(SIGTRAP, &sa, 0);
	sigaction(SIGBUS, &sa, 0);
	expect("just past the lower half", 0x0000800000000000ull, 0x202, SIGSEGV);
	expect("a canonical kernel address", 0xffff800000000000ull, 0x202, SIGSEGV);
	expect("non-canonical, high bit", 0x8000000000000000ull, 0x202, SIGSEGV);
	expect("non-canonical, below the high bit", 0x7fffffffffffffffull, 0x202, SIGSEGV);
	expect("unmapped user address", 0x0000500000000000ull, 0x202, SIGSEGV);
	expect("a landing that runs ud2", (uint64_t)(uintptr_t)landing, 0x202, SIGILL);
	expect("the landing with TF set", (uint64_t)(uintptr_t)landing, 0x302, SIGTRAP);
	if (failures)
		return 1;
	printf("SUCCESS\n");
	return 0;
}
