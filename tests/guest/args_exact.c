/* SPDX-License-Identifier: MIT */
/* args_exact: prints the length and FNV-1a hash of every argument and
 * environment string main gets, between "args-begin" and "args-end", for
 * tests/guest/args.sh to compare byte-exact with what it gave `toro run`
 * (quotes, empty strings, newlines, UTF-8, 64 KiB, 1,000 arguments). Run
 * only from there: the arguments are made by the script, not a header. */
// machines: none
// pvh-machines: none
#include <stdint.h>
#include <stdio.h>
#include <string.h>

extern char **environ;

/* FNV-1a, 32 bits: the script computes the same on the host. */
static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

int main(int argc, char **argv, char **envp)
{
	int envc = 0;

	while (envp[envc])
		envc++;
	printf("args-begin argc=%d envc=%d\n", argc, envc);
	for (int i = 0; i < argc; i++)
		printf("a %d %zu %08x\n", i, strlen(argv[i]), (unsigned)fnv1a(argv[i]));
	for (int i = 0; i < envc; i++)
		printf("e %d %zu %08x\n", i, strlen(envp[i]), (unsigned)fnv1a(envp[i]));
	/* What musl sees must be what main sees. */
	printf("args-end %s %s\n", argv[argc] == NULL ? "argv-null" : "argv-NOT-NULL",
	       environ == envp ? "environ" : "environ-DIFFERS");
	return 0;
}
