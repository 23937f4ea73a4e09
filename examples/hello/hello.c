/* SPDX-License-Identifier: MIT */
/* hello: the smallest Toro program. Prints a greeting, its arguments and the
 * environment it was given, then exits 0.
 *   bin/toro run build/examples/hello.elf -- world      (GREETING=hi before -- sets env) */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	const char *who = argc > 1 ? argv[1] : "world";
	const char *greeting = getenv("GREETING");

	printf("%s, %s!\n", greeting ? greeting : "hello", who);
	for (int i = 0; i < argc; i++)
		printf("argv[%d] = %s\n", i, argv[i]);
	return 0;
}
