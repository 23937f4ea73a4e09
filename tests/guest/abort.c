/* SPDX-License-Identifier: MIT */
/* abort: raise() runs a handler (and SIG_IGN ignores); abort() ends the program
 * with status 128 + 6 and says which signal. */
// expect-exit: 134
// expect-output: SIGUSR1 handler ran
// expect-output: raise done
// expect-output: toro: terminated by signal 6
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t usr1;

static void on_usr1(int sig)
{
	usr1 = sig;
}

int main(void)
{
	signal(SIGUSR1, on_usr1);
	if (raise(SIGUSR1) != 0 || usr1 != SIGUSR1) {
		printf("FAIL: raise(SIGUSR1) did not run the handler\n");
		return 1;
	}
	printf("SIGUSR1 handler ran\n");
	signal(SIGUSR2, SIG_IGN);
	if (raise(SIGUSR2) != 0) {
		printf("FAIL: raise(SIGUSR2)\n");
		return 1;
	}
	/* A blocked signal waits until it is unblocked. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	usr1 = 0;
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR1);
	if (usr1 != 0) {
		printf("FAIL: a blocked SIGUSR1 ran its handler\n");
		return 1;
	}
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	if (usr1 != SIGUSR1) {
		printf("FAIL: unblocking SIGUSR1 did not deliver it\n");
		return 1;
	}
	printf("raise done\n");
	fflush(stdout);
	abort();
	printf("FAIL: abort returned\n");
	return 0;
}
