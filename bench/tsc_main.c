/* SPDX-License-Identifier: MIT */
/* Prints the TSC as the first thing main does. Under QEMU's -icount shift=0 the
 * guest TSC counts guest instructions, so this is the exact instruction count
 * from VM start to main. Built with bin/toro-cc for Toro and musl-gcc -static
 * for the Linux guest. */
#include <stdint.h>
#include <stdio.h>

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

int main(void)
{
	uint64_t tsc = rdtsc();

	printf("main_tsc=%llu\n", (unsigned long long)tsc);
	return 0;
}
