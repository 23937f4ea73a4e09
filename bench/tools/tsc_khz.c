/* SPDX-License-Identifier: MIT */
/* Prints the host's TSC frequency in kHz, measured against CLOCK_MONOTONIC_RAW
 * over 200 ms. Under TCG (without -icount) the guest's TSC is the host's, so
 * this is the value the Linux guest of the file bench gets as tsc_early_khz
 * (bench/files.sh, docs/bench.md). */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static uint64_t ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC_RAW, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

int main(void)
{
	uint64_t n0 = ns(), t0 = rdtsc(), n1, t1;
	struct timespec d = { 0, 200 * 1000 * 1000 };

	nanosleep(&d, NULL);
	n1 = ns();
	t1 = rdtsc();
	printf("%llu\n", (unsigned long long)((t1 - t0) * 1000000 / (n1 - n0)));
	return 0;
}
