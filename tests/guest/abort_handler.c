/* SPDX-License-Identifier: MIT */
/* abort_handler: a SIGABRT handler that returns does not stop abort(): the
 * program still ends with status 134. */
// expect-exit: 134
// expect-output: SIGABRT handler ran
// expect-output: toro: terminated by signal 6
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void on_abrt(int sig)
{
	(void)sig;
	write(1, "SIGABRT handler ran\n", 20);
}

int main(void)
{
	signal(SIGABRT, on_abrt);
	abort();
	printf("FAIL: abort returned\n");
	return 0;
}
