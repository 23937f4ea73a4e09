/* SPDX-License-Identifier: MIT */
/* kstack_reuse (found by tests/sysfuzz): a thread's kernel stack is freed on
 * one core and its slot reused, newest first, for the next thread; another
 * core that ran the old thread must not keep the old translation. Each round,
 * main (on core 1) starts X on core 0; X moves itself to core 1 and ends
 * there (its stack freed on core 1), then main starts Y on core 0, which
 * gets X's slot. With the old translation still cached on core 0, Y started
 * from X's last frame on a page the allocator had handed out again: it
 * returned from X's exit instead of running (the fuzzer saw a clone child
 * land on ud2 with exit's number in rax, and kernel faults at rip 0). */
// expect-output: SUCCESS
// reject-output: FAIL
// machines: q35 microvm
// pvh-machines: none
// smp: 2
// timeout: 120
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <toro/thread.h>

#define ROUNDS 300

static volatile int ran[ROUNDS];

static void *mover(void *arg)
{
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(1, &one);
	sched_setaffinity(0, sizeof(one), &one); /* ends on core 1 */
	return arg;
}

static void *marker(void *arg)
{
	int i = (int)(long)arg;
	ran[i] = toro_current_cpu() == 0 ? 1 : 2;
	return arg;
}

int main(void)
{
	cpu_set_t one;
	int bad = 0;

	if (toro_cpu_count() < 2) {
		printf("FAIL: needs 2 cores\n");
		return 1;
	}
	CPU_ZERO(&one);
	CPU_SET(1, &one);
	sched_setaffinity(0, sizeof(one), &one);
	for (int i = 0; i < ROUNDS; i++) {
		pthread_t x, y;
		void *rv = NULL;
		if (toro_thread_create_on(&x, 0, mover, NULL) || pthread_join(x, NULL)) {
			printf("FAIL: round %d: thread X\n", i);
			return 1;
		}
		if (toro_thread_create_on(&y, 0, marker, (void *)(long)i) || pthread_join(y, &rv)) {
			printf("FAIL: round %d: thread Y\n", i);
			return 1;
		}
		if (ran[i] != 1 || rv != (void *)(long)i) {
			printf("FAIL: round %d: thread Y did not run its function on core 0 (%d, %p)\n",
			       i, ran[i], rv);
			bad++;
		}
	}
	printf("ok %d rounds: every new thread ran its own function on its core\n", ROUNDS);
	if (bad)
		return 1;
	printf("SUCCESS\n");
	return 0;
}
