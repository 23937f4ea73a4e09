/* SPDX-License-Identifier: MIT */
/* The scaling program of `make bench`: a fixed amount of CPU-bound work (rounds
 * of a xorshift64* generator) done by 1 thread on core 0, then split over 2
 * threads on cores 0 and 1, REPS times, alternating. Prints the wall time of
 * each run from CLOCK_MONOTONIC:
 *     scale threads=1 ns=N sum=X
 * and "scale done" at the end. Usage: scale [ROUNDS_TOTAL [REPS]].
 * Threads are placed with toro_thread_create_on and pinned with
 * sched_setaffinity, so the same source places them under Linux too. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <toro/thread.h>

struct job {
	uint64_t rounds;
	uint64_t seed;
	int cpu;
	uint64_t result;
	char pad[64];	/* one cache line per job */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void *work(void *arg)
{
	struct job *j = arg;
	uint64_t x = j->seed, acc = 0;

	pin(j->cpu);
	for (uint64_t i = 0; i < j->rounds; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		acc += x * 0x2545f4914f6cdd1dull;
	}
	j->result = acc;
	return NULL;
}

static int run(int nthreads, uint64_t total, uint64_t *ns, uint64_t *sum)
{
	static struct job jobs[2];
	pthread_t t[2];
	uint64_t t0;

	for (int i = 0; i < nthreads; i++)
		jobs[i] = (struct job){ .rounds = total / nthreads, .seed = 88172645463325252ull + i,
					.cpu = i };
	t0 = now_ns();
	for (int i = 0; i < nthreads; i++) {
		int r = toro_thread_create_on(&t[i], i, work, &jobs[i]);
		if (r) {
			printf("scale error: thread on core %d: %d\n", i, r);
			return -1;
		}
	}
	*sum = 0;
	for (int i = 0; i < nthreads; i++) {
		pthread_join(t[i], NULL);
		*sum += jobs[i].result;
	}
	*ns = now_ns() - t0;
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t total = argc > 1 ? strtoull(argv[1], NULL, 0) : 200000000ull;
	int reps = argc > 2 ? atoi(argv[2]) : 3;
	uint64_t ns, sum;

	printf("scale cpus=%d rounds=%llu reps=%d\n", toro_cpu_count(),
	       (unsigned long long)total, reps);
	if (toro_cpu_count() < 2) {
		printf("scale error: needs 2 cores\n");
		return 1;
	}
	for (int r = 0; r < reps; r++) {
		for (int n = 1; n <= 2; n++) {
			if (run(n, total, &ns, &sum))
				return 1;
			printf("scale threads=%d ns=%llu sum=%llx\n", n,
			       (unsigned long long)ns, (unsigned long long)sum);
		}
	}
	printf("scale done\n");
	return 0;
}
