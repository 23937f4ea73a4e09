/* SPDX-License-Identifier: MIT */
/* sighandler_noncanonical: a signal handler at a non-canonical address
 * cannot be entered (on hardware the iretq there would fault in the kernel):
 * the program ends with SIGSEGV and a console line naming the address, as
 * Linux kills it. */
// expect-exit: 139
// expect-output: toro: signal 10 has a handler at a non-canonical address 0x800000000000
// reject-output: reached
// pvh-machines: none
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct k_sigaction {
	unsigned long handler, flags, restorer, mask;
};

int main(void)
{
	struct k_sigaction ka;
	struct sigaction sa;

	/* musl's own restorer, then a handler no CPU can return to. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGUSR1, &sa, 0);
	syscall(SYS_rt_sigaction, SIGUSR1, 0, &ka, 8);
	ka.handler = 0x0000800000000000ul;
	ka.flags |= 0x04000000; /* SA_RESTORER */
	if (syscall(SYS_rt_sigaction, SIGUSR1, &ka, 0, 8) != 0) {
		printf("FAIL: rt_sigaction\n");
		return 1;
	}
	raise(SIGUSR1);
	printf("reached after the signal\n");
	return 0;
}
