/* SPDX-License-Identifier: MIT */
/* smp_spawn_reset: toro_thread_create_on places one thread; the next plain
 * pthread_create goes back to the default, the creator's core. */
// expect-output: SUCCESS
// machines: microvm q35
// pvh-machines: none
// smp: 2
// mem: 32
// timeout: 60
#include <pthread.h>
#include <stdio.h>
#include <toro/thread.h>

static void *where(void *arg)
{
	*(int *)arg = toro_current_cpu();
	return NULL;
}

int main(void)
{
	int a = -1, b = -1;
	pthread_t t;
	if (toro_current_cpu() != 0) {
		printf("FAIL: main not on core 0\n");
		return 1;
	}
	if (toro_thread_create_on(&t, 1, where, &a) || pthread_join(t, NULL) || a != 1) {
		printf("FAIL: placed thread ran on core %d, want 1\n", a);
		return 1;
	}
	if (pthread_create(&t, NULL, where, &b) || pthread_join(t, NULL) || b != 0) {
		printf("FAIL: the next plain thread ran on core %d, want 0 (its creator's)\n", b);
		return 1;
	}
	printf("SUCCESS\n");
	return 0;
}
