/* SPDX-License-Identifier: MIT */
/* hello_args: argv and envp come from the kernel command line: plain words, a
 * quoted word with spaces, KEY=VALUE environment (also with spaces), argv[0]. */
// args: GREETING=hi "MOTTO=small is fast" EMPTY= -- world "an argument with spaces" --x
// expect-output: hi, world!
// expect-output: SUCCESS
// pvh-machines: microvm pc
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;
static int failures;

static void check(int ok, const char *what)
{
	if (!ok) {
		printf("FAIL: %s\n", what);
		failures++;
	}
}

static int env_has(char **envp, const char *kv)
{
	for (; *envp; envp++)
		if (strcmp(*envp, kv) == 0)
			return 1;
	return 0;
}

int main(int argc, char **argv, char **envp)
{
	const char *greeting = getenv("GREETING");

	printf("%s, %s!\n", greeting ? greeting : "hello", argc > 1 ? argv[1] : "?");
	for (int i = 0; i < argc; i++)
		printf("argv[%d] = '%s'\n", i, argv[i]);
	for (char **e = envp; *e; e++)
		printf("env '%s'\n", *e);

	check(argc == 4, "argc is 4");
	check(argv[0] && argv[0][0], "argv[0] is present and not empty");
	check(argc > 1 && strcmp(argv[1], "world") == 0, "argv[1] is world");
	check(argc > 2 && strcmp(argv[2], "an argument with spaces") == 0,
	      "argv[2] keeps its spaces and loses its quotes");
	check(argc > 3 && strcmp(argv[3], "--x") == 0, "argv[3] is --x");
	check(argv[argc] == NULL, "argv is NULL-terminated");
	check(greeting && strcmp(greeting, "hi") == 0, "getenv(GREETING) is hi");
	check(getenv("MOTTO") && strcmp(getenv("MOTTO"), "small is fast") == 0,
	      "getenv(MOTTO) keeps its spaces");
	check(getenv("EMPTY") && getenv("EMPTY")[0] == 0, "getenv(EMPTY) is empty");
	check(getenv("NOT_SET") == NULL, "getenv of an unset name is NULL");
	check(environ == envp, "environ is main's envp");
	check(env_has(envp, "GREETING=hi"), "envp holds GREETING=hi");
	for (char **e = envp; *e; e++)
		check(strncmp(*e, "toro.", 5) != 0, "kernel options stay out of envp");
	for (int i = 0; i < argc; i++)
		check(strcmp(argv[i], "toro.debug") != 0, "kernel options stay out of argv");

	if (failures)
		return 1;
	printf("SUCCESS\n");
	return 0;
}
