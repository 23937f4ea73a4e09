/* SPDX-License-Identifier: MIT */
/*
 * TRY { ... } EXCEPT(sig) { ... }: CPU faults as exceptions, the C form of a
 * try..except block. A SIGSEGV, SIGFPE, SIGILL or SIGBUS raised inside the TRY
 * block (in it or in anything it calls) abandons the block and runs the EXCEPT
 * block with `sig` set to the signal number; toro_except_addr() gives the
 * faulting address. Blocks nest, also across functions, and are per thread.
 *
 *     TRY {
 *         *(volatile int *)0 = 1;
 *     } EXCEPT(sig) {
 *         printf("caught signal %d at %p\n", sig, toro_except_addr());
 *     }
 *
 * Rules: leave a TRY block only by reaching its end or by a fault (no return,
 * break or goto out of it); locals changed in TRY and read in EXCEPT must be
 * volatile (as with setjmp). A fault outside any TRY block keeps its default:
 * a crash report and exit status 128 + signal. Works with any POSIX C library
 * (sigsetjmp/siglongjmp, sigaction); header only.
 */
#ifndef TORO_EXCEPT_H
#define TORO_EXCEPT_H

#include <setjmp.h>
#include <signal.h>
#include <stddef.h>

struct toro_try {
	sigjmp_buf env;
	struct toro_try *prev;
	int signo;
	int active;
	void *addr;
};

__attribute__((weak)) __thread struct toro_try *toro_try_top;
__attribute__((weak)) __thread void *toro_try_last_addr;

__attribute__((weak)) void toro_try_handler(int sig, siginfo_t *si, void *uc)
{
	struct toro_try *t = toro_try_top;
	(void)uc;
	if (!t) {
		/* Not inside TRY: fall back to the default action; the fault
		 * repeats on return and ends the program with a crash report. */
		signal(sig, SIG_DFL);
		return;
	}
	toro_try_top = t->prev;
	t->active = 0;
	t->signo = sig;
	t->addr = si ? si->si_addr : NULL;
	toro_try_last_addr = t->addr;
	siglongjmp(t->env, 1);
}

__attribute__((weak)) struct toro_try *toro_try_push(struct toro_try *t)
{
	static const int sigs[] = { SIGSEGV, SIGFPE, SIGILL, SIGBUS };
	struct sigaction sa;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction old;
		sigaction(sigs[i], NULL, &old);
		if ((old.sa_flags & SA_SIGINFO) && old.sa_sigaction == toro_try_handler)
			continue;
		sa.sa_sigaction = toro_try_handler;
		sa.sa_flags = SA_SIGINFO;
		sigemptyset(&sa.sa_mask);
		sigaction(sigs[i], &sa, NULL);
	}
	t->prev = toro_try_top;
	t->signo = 0;
	t->addr = NULL;
	t->active = 1;
	toro_try_top = t;
	return t;
}

__attribute__((weak)) struct toro_try *toro_try_pop(struct toro_try *t)
{
	if (t->active) {
		toro_try_top = t->prev;
		t->active = 0;
	}
	return NULL;
}

/* Address of the fault the innermost EXCEPT block is handling. */
static inline void *toro_except_addr(void) { return toro_try_last_addr; }

#define TRY                                                                        \
	for (struct toro_try _toro_t, *_toro_p = toro_try_push(&_toro_t); _toro_p;  \
	     _toro_p = toro_try_pop(&_toro_t))                                      \
		if (sigsetjmp(_toro_t.env, 1) == 0)

#define EXCEPT(var) \
	else for (int var = _toro_t.signo, _toro_once = 1; _toro_once; _toro_once = 0)

#endif
