/* SPDX-License-Identifier: MIT */
/* fpe_caught: a division by zero is a SIGFPE that TRY/EXCEPT catches, also
 * nested; a SIGILL handler that returns after moving RIP past `ud2` (through
 * rt_sigreturn) resumes with every register, SSE/x87 and MXCSR state intact. */
// expect-output: SUCCESS
#define _GNU_SOURCE
#include <fenv.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>
#include <toro/except.h>

static int failures;
static volatile int zero = 0, sink;
static volatile int ill_count;
static volatile double handler_result;

static void check(int ok, const char *what)
{
	printf("%s %s\n", ok ? "ok" : "FAIL:", what);
	failures += !ok;
}

static void test_div_zero(void)
{
	volatile int caught = 0, r = 0;
	TRY {
		r = 100 / zero;
	} EXCEPT(sig) {
		caught = sig;
	}
	check(caught == SIGFPE && r == 0, "100 / 0 raises SIGFPE");
	check(toro_except_addr() != NULL, "SIGFPE carries the faulting address");

	volatile long long big = INT64_MIN, m1 = -1;
	caught = 0;
	TRY {
		big = big / m1;
	} EXCEPT(sig) {
		caught = sig;
	}
	check(caught == SIGFPE, "INT64_MIN / -1 raises SIGFPE");
}

static void test_nested(void)
{
	volatile int inner = 0, outer = 0, after_inner = 0;
	TRY {
		TRY {
			sink = 100 / zero;
		} EXCEPT(sig) {
			inner = sig;
		}
		after_inner = 1;
		*(volatile int *)0 = 1;
	} EXCEPT(sig) {
		outer = sig;
	}
	check(inner == SIGFPE && after_inner && outer == SIGSEGV,
	      "nested TRY: inner catches SIGFPE, outer catches SIGSEGV");

	/* A fault inside an EXCEPT block goes to the enclosing TRY. */
	inner = outer = 0;
	TRY {
		TRY {
			sink = 100 / zero;
		} EXCEPT(sig) {
			inner = sig;
			__asm__ volatile("ud2");
		}
	} EXCEPT(sig) {
		outer = sig;
	}
	check(inner == SIGFPE && outer == SIGILL, "a fault in EXCEPT reaches the outer TRY");

	/* After the blocks, a TRY still works. */
	outer = 0;
	TRY {
		sink = 7 / zero;
	} EXCEPT(sig) {
		outer = sig;
	}
	check(outer == SIGFPE, "TRY works after nesting");
}

/* SIGILL handler: clobber what it can, then skip the 2-byte ud2 and set RAX. */
static void on_ill(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	ill_count++;
	volatile double x = 1.0;
	for (int i = 1; i < 50; i++)
		x = x * 1.5 + sqrt((double)i);
	handler_result = x;
	fesetround(FE_TOWARDZERO);
	__asm__ volatile("pxor %%xmm0, %%xmm0\n\tpxor %%xmm1, %%xmm1\n\tpxor %%xmm7, %%xmm7\n\t"
			 "pxor %%xmm8, %%xmm8\n\tpxor %%xmm15, %%xmm15\n\t"
			 "fninit\n\tfldpi\n\tfldpi\n\tfldpi"
			 ::: "xmm0", "xmm1", "xmm7", "xmm8", "xmm15", "memory");
	if (si->si_addr != (void *)uc->uc_mcontext.gregs[REG_RIP])
		ill_count += 1000;
	uc->uc_mcontext.gregs[REG_RIP] += 2;
	uc->uc_mcontext.gregs[REG_RAX] = 0x1234;
	(void)sig;
}

static void test_sigreturn(void)
{
	struct sigaction sa, old;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_ill;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGILL, &sa, &old);

	/* General registers: the handler sets RAX, all others come back. */
	uint64_t rax, rbx, r12, r15, rcx;
	__asm__ volatile("mov $0x1111, %%rbx\n\tmov $0x2222, %%r12\n\tmov $0x3333, %%r15\n\t"
			 "mov $0x4444, %%rcx\n\tmov $0x5555, %%rax\n\tud2\n\t"
			 "mov %%rbx, %1\n\tmov %%r12, %2\n\tmov %%r15, %3\n\tmov %%rcx, %4"
			 : "=a"(rax), "=m"(rbx), "=m"(r12), "=m"(r15), "=m"(rcx)
			 :
			 : "rbx", "r12", "r15", "rcx", "memory");
	check(ill_count == 1, "SIGILL handler ran once with si_addr == RIP");
	check(rax == 0x1234, "the handler's change to RAX took effect");
	check(rbx == 0x1111 && r12 == 0x2222 && r15 == 0x3333 && rcx == 0x4444,
	      "other registers survive the signal");

	/* SSE registers, x87 stack and MXCSR/x87 rounding across the handler. */
	double before = sqrt(2.0) * 3.0;
	double in[4] = { 1.25, -2.5, 3.75, before }, out[4] = { 0 };
	long double ld_in = 1.0L / 3.0L, ld_out = 0;
	fesetround(FE_UPWARD);
	__asm__ volatile("movsd 0(%2), %%xmm0\n\tmovsd 8(%2), %%xmm1\n\t"
			 "movsd 16(%2), %%xmm7\n\tmovsd 24(%2), %%xmm15\n\t"
			 "fldt %3\n\tud2\n\tfstpt %1\n\t"
			 "movsd %%xmm0, 0(%0)\n\tmovsd %%xmm1, 8(%0)\n\t"
			 "movsd %%xmm7, 16(%0)\n\tmovsd %%xmm15, 24(%0)"
			 : : "r"(out), "m"(ld_out), "r"(in), "m"(ld_in)
			 : "xmm0", "xmm1", "xmm7", "xmm15", "rax", "memory");
	int round = fegetround();
	fesetround(FE_TONEAREST);
	check(ill_count == 2, "second SIGILL handled");
	check(memcmp(in, out, sizeof(in)) == 0, "xmm0/1/7/15 survive the signal");
	check(ld_out == ld_in, "x87 stack survives the signal");
	check(round == FE_UPWARD, "rounding mode (MXCSR, x87 CW) survives the signal");
	check(handler_result > 1e8, "the handler computed with doubles");
	double after = sqrt(2.0) * 3.0;
	check(after == before && after > 4.24 && after < 4.25, "doubles right after the signal");

	sigaction(SIGILL, &old, NULL);
}

int main(void)
{
	test_div_zero();
	test_nested();
	test_sigreturn();
	if (failures)
		return 1;
	printf("SUCCESS\n");
	return 0;
}
