/* SPDX-License-Identifier: MIT */
/* pipe_sigpipe: a write to a pipe whose reader is gone raises SIGPIPE, and
 * with the default action the program ends as on Linux: 128 + 13. */
// expect-exit: 141
// expect-output: writing
// reject-output: survived
// machines: microvm
// pvh-machines: none
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	int p[2];
	if (pipe(p))
		return 1;
	close(p[0]);
	printf("writing\n");
	fflush(stdout);
	write(p[1], "x", 1);
	printf("survived\n");
	return 0;
}
