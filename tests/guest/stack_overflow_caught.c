/* SPDX-License-Identifier: MIT */
/* stack_overflow_caught: a stack overflow is a SIGSEGV that a handler running
 * on an alternate signal stack (sigaltstack, SA_ONSTACK) catches; siglongjmp
 * then leaves it and the program goes on. */
// expect-output: SUCCESS
// reject-output: out of memory
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sigjmp_buf env;
static char altstack[64 * 1024];
static volatile int depth;
static void *volatile fault_addr;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	fault_addr = si->si_addr;
	siglongjmp(env, 1);
}

__attribute__((noinline)) static int recurse(int n)
{
	volatile char frame[512];
	memset((char *)frame, n, sizeof(frame));
	depth = n;
	return recurse(n + 1) + frame[n % 512];
}

int main(void)
{
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack), .ss_flags = 0 };
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	if (sigaltstack(&ss, NULL) || sigaction(SIGSEGV, &sa, NULL)) {
		printf("FAIL: sigaltstack/sigaction\n");
		return 1;
	}
	for (int round = 0; round < 2; round++) {
		if (sigsetjmp(env, 1) == 0) {
			recurse(0);
			printf("FAIL: recursion returned\n");
			return 1;
		}
		printf("round %d: overflow caught at depth %d, address %p\n", round, depth,
		       fault_addr);
		if (depth < 1000) {
			printf("FAIL: overflow after only %d frames\n", depth);
			return 1;
		}
	}
	printf("SUCCESS\n");
	return 0;
}
