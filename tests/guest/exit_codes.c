/* SPDX-License-Identifier: MIT */
/* exit_codes: the status given to exit(), _exit() or returned from main is the
 * one `toro run` reports. Run once per variant with the status as argument. */
// variants: 0 1 42 127 128 200 255
// expect-output: exiting with
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		printf("usage: exit_codes STATUS\n");
		return 99;
	}
	int code = atoi(argv[1]);
	static const char *how[] = { "return", "exit", "_exit" };
	printf("exiting with %d through %s\n", code, how[code % 3]);
	fflush(stdout);
	switch (code % 3) {
	case 0: return code;
	case 1: exit(code);
	default: _exit(code);
	}
}
