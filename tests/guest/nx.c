/* SPDX-License-Identifier: MIT */
/* nx: data is not code (W^X). Jumping into a buffer on the stack, in the heap,
 * in .data or in an RW mapping raises SIGSEGV at the buffer; a mapping made
 * read+execute after it was written (the JIT pattern) runs. */
// expect-output: SUCCESS
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <toro/except.h>

/* mov $42, %eax; ret */
static const unsigned char code42[] = { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 };
static unsigned char data_buf[64] = { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 };
static int failures;

/* Call code at p in TRY: 0 if it ran and returned 42, else the signal. */
static int try_call(void *p)
{
	volatile int caught = -1;
	TRY {
		int (*fn)(void) = (int (*)(void))p;
		caught = fn() == 42 ? 0 : -2;
	} EXCEPT(sig) {
		caught = sig;
		if (toro_except_addr() != p) {
			printf("FAIL: fault address %p, expected %p\n", toro_except_addr(), p);
			failures++;
		}
	}
	return caught;
}

static void check(int got, int want, const char *what)
{
	printf("%s %s: %d\n", got == want ? "ok" : "FAIL:", what, got);
	failures += got != want;
}

int main(void)
{
	unsigned char stack_buf[64];
	memcpy(stack_buf, code42, sizeof(code42));
	check(try_call(stack_buf), SIGSEGV, "jump to the stack");

	unsigned char *heap = malloc(64);
	memcpy(heap, code42, sizeof(code42));
	check(try_call(heap), SIGSEGV, "jump to the heap");
	unsigned char *big = malloc(1 << 20);
	memcpy(big, code42, sizeof(code42));
	check(try_call(big), SIGSEGV, "jump to a big (mmapped) heap block");

	check(try_call(data_buf), SIGSEGV, "jump to .data");
	check(try_call((void *)code42), SIGSEGV, "jump to .rodata");

	unsigned char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				-1, 0);
	if (m == MAP_FAILED) {
		printf("FAIL: mmap\n");
		return 1;
	}
	memcpy(m, code42, sizeof(code42));
	check(try_call(m), SIGSEGV, "jump to an RW mapping");
	check(mprotect(m, 4096, PROT_READ | PROT_EXEC), 0, "mprotect RW -> RX");
	check(try_call(m), 0, "RX mapping runs");
	check(mprotect(m, 4096, PROT_READ), 0, "mprotect RX -> R");
	check(try_call(m), SIGSEGV, "R mapping does not run");

	if (failures)
		return 1;
	printf("SUCCESS\n");
	return 0;
}
