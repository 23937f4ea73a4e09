/* SPDX-License-Identifier: MIT */
/* The thread-switch program of `make bench`: two threads hand a turn back and
 * forth through one futex word, ROUNDS round trips, timed with rdtsc:
 *   (a) both threads on core 0: each round trip is two thread switches;
 *   (b) threads on cores 0 and 1: each round trip is two cross-core wake-ups.
 * Prints "pingpong same rounds=N cycles=C" and "pingpong cross rounds=N cycles=C",
 * then "pingpong done". Under -icount shift=0 the guest TSC counts guest
 * instructions (plus the virtual time jumped over while every core halts).
 * Usage: pingpong [ROUNDS]. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <toro/thread.h>

/* From the Linux futex ABI (musl's headers do not carry them). */
#define FUTEX_WAIT_PRIVATE 128	/* FUTEX_WAIT (0) | FUTEX_PRIVATE_FLAG (128) */
#define FUTEX_WAKE_PRIVATE 129	/* FUTEX_WAKE (1) | FUTEX_PRIVATE_FLAG */

struct game {
	_Alignas(64) volatile int turn;	/* 0: ping's move, 1: pong's move */
	long rounds;
	int cpu[2];
	uint64_t t0, t1;
};

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void futex_wait(volatile int *w, int val)
{
	syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake(volatile int *w)
{
	syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Wait until it is `me`'s move. */
static void wait_turn(struct game *g, int me)
{
	int v;

	while ((v = __atomic_load_n(&g->turn, __ATOMIC_ACQUIRE)) != me)
		futex_wait(&g->turn, v);
}

static void give_turn(struct game *g, int to)
{
	__atomic_store_n(&g->turn, to, __ATOMIC_RELEASE);
	futex_wake(&g->turn);
}

static void *pong(void *arg)
{
	struct game *g = arg;

	pin(g->cpu[1]);
	for (long i = 0; i <= g->rounds; i++) {	/* the warm-up, then the rounds */
		wait_turn(g, 1);
		give_turn(g, 0);
	}
	return NULL;
}

static void *ping(void *arg)
{
	struct game *g = arg;

	pin(g->cpu[0]);
	/* A warm-up round trip, so both threads are parked where the loop expects. */
	give_turn(g, 1);
	wait_turn(g, 0);
	g->t0 = rdtsc();
	for (long i = 0; i < g->rounds; i++) {
		give_turn(g, 1);
		wait_turn(g, 0);
	}
	g->t1 = rdtsc();
	return NULL;
}

static int play(const char *name, int cpu0, int cpu1, long rounds)
{
	static struct game g;
	pthread_t a, b;
	int r;

	g = (struct game){ .turn = 0, .rounds = rounds, .cpu = { cpu0, cpu1 } };
	if ((r = toro_thread_create_on(&b, cpu1, pong, &g)) ||
	    (r = toro_thread_create_on(&a, cpu0, ping, &g))) {
		printf("pingpong error: %s: thread: %d\n", name, r);
		return -1;
	}
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("pingpong %s rounds=%ld cycles=%llu\n", name, rounds,
	       (unsigned long long)(g.t1 - g.t0));
	return 0;
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : 10000;

	printf("pingpong cpus=%d\n", toro_cpu_count());
	if (play("same", 0, 0, rounds))
		return 1;
	if (toro_cpu_count() < 2) {
		printf("pingpong error: cross needs 2 cores\n");
		return 1;
	}
	if (play("cross", 0, 1, rounds))
		return 1;
	printf("pingpong done\n");
	return 0;
}
