/* SPDX-License-Identifier: MIT */
/* segv_text: the program's own text and read-only data are not writable: a
 * write faults with SIGSEGV (caught with TRY/EXCEPT), reading them still works. */
// expect-output: SUCCESS
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <toro/except.h>

static const char greeting[] = "read-only greeting";
static int failures;

static void check(int ok, const char *what)
{
	printf("%s %s\n", ok ? "ok" : "FAIL:", what);
	failures += !ok;
}

/* Write one byte at p inside TRY; returns the signal caught (0: none). */
static int try_write(volatile char *p, char v)
{
	volatile int caught = 0;
	TRY {
		*p = v;
	} EXCEPT(sig) {
		caught = sig;
		if (toro_except_addr() != (void *)p) {
			printf("FAIL: fault address %p, expected %p\n", toro_except_addr(),
			       (void *)p);
			failures++;
		}
	}
	return caught;
}

int main(void)
{
	volatile char *text = (volatile char *)(uintptr_t)main;
	char first = text[0];

	check(try_write(text, 0) == SIGSEGV, "write to main's text faults");
	check(text[0] == first, "main's text is unchanged and readable");
	check(try_write(text + 100, (char)0xcc) == SIGSEGV, "write further into text faults");

	volatile char *ro = (volatile char *)(uintptr_t)greeting;
	check(try_write(ro, 'X') == SIGSEGV, "write to rodata faults");
	check(strcmp(greeting, "read-only greeting") == 0, "rodata is unchanged and readable");

	const char *lit = "a string literal";
	check(try_write((volatile char *)(uintptr_t)lit, 'X') == SIGSEGV,
	      "write to a string literal faults");

	/* Faults can repeat: the handler is still installed. */
	check(try_write(text, 0) == SIGSEGV, "second write to text faults again");
	static char data[16];
	check(try_write(data, 1) == 0 && data[0] == 1, "write to .bss works");

	if (failures)
		return 1;
	printf("SUCCESS\n");
	return 0;
}
