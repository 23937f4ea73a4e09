/* SPDX-License-Identifier: MIT */
/* smp_dead_cpu: a core that does not answer its start-up IPIs (the test hook
 * toro.smp.extra_apic=9 adds an APIC id no vCPU has) is reported on the
 * console and skipped; the program runs on the cores that did start. */
// expect-output: toro: CPU with APIC id 9 did not start, going on without it
// expect-output: SUCCESS
// machines: microvm q35
// pvh-machines: none
// smp: 2
// args: toro.smp.extra_apic=9 -- {smp}
// mem: 32
// timeout: 60
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <toro/thread.h>

static void *where(void *arg)
{
	*(int *)arg = toro_current_cpu();
	return NULL;
}

int main(int argc, char **argv)
{
	int want = argc > 1 ? atoi(argv[1]) : 2;
	int n = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (n != want) {
		printf("FAIL: %d cores online, want %d\n", n, want);
		return 1;
	}
	for (int cpu = 0; cpu < n; cpu++) {
		pthread_t t;
		int seen = -1;
		if (toro_thread_create_on(&t, cpu, where, &seen) || pthread_join(t, NULL)) {
			printf("FAIL: thread on core %d\n", cpu);
			return 1;
		}
		if (seen != cpu) {
			printf("FAIL: thread for core %d ran on %d\n", cpu, seen);
			return 1;
		}
	}
	printf("SUCCESS\n");
	return 0;
}
