/* SPDX-License-Identifier: MIT */
/* smp_mptable: with the MADT ignored (the test hook toro.smp.no_acpi), the
 * cores come from the firmware's MP table, as under a VMM that has only that
 * table (Firecracker before 1.8); both cores run threads. SeaBIOS (pc, q35)
 * lists only the first CPU of each package, hence two sockets; qboot (microvm)
 * leaves the table's entry count 0. */
// expect-output: toro: MP table: 2 CPUs
// expect-output: SUCCESS
// machines: pc q35 microvm
// pvh-machines: pc
// smp: 2
// qemu-args: -smp 2,sockets=2
// args: toro.smp.no_acpi -- {smp}
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
