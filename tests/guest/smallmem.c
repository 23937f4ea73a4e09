/* SPDX-License-Identifier: MIT */
/* smallmem: a hello-sized program boots and runs in a 2 MiB VM. */
// machines: microvm
// mem: 2
// expect-output: hello from 2 MiB
// expect-output: SUCCESS
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	printf("hello from 2 MiB\n");
	char *p = malloc(1000);
	if (!p)
		return 1;
	strcpy(p, "SUCCESS");
	puts(p);
	free(p);
	return 0;
}
