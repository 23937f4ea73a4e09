/* SPDX-License-Identifier: MIT */
/* Boot phase stamps (k/bootstats.h): TSC per phase, printed with toro.bootstats. */
#include <k/arch.h>
#include <k/bootstats.h>
#include <k/console.h>

struct stamp {
	const char *name;
	uint64_t tsc;
};

static struct stamp table[BOOTSTATS_MAX];
static int nstamps;
static uint64_t entry;
static bool enabled;
static int listened;

void bootstats_init(uint64_t entry_tsc, bool print)
{
	entry = entry_tsc;
	enabled = print;
	table[0] = (struct stamp){ "entry", entry_tsc };
	nstamps = 1;
}

void bootstats_stamp(const char *name)
{
	uint64_t now = arch_rdtsc();
	int i = __atomic_fetch_add(&nstamps, 1, __ATOMIC_RELAXED);
	if (i < BOOTSTATS_MAX)
		table[i] = (struct stamp){ name, now };
}

void bootstats_main(void)
{
	bootstats_stamp("main");
	if (!enabled)
		return;
	int n = __atomic_load_n(&nstamps, __ATOMIC_RELAXED);
	if (n > BOOTSTATS_MAX)
		n = BOOTSTATS_MAX;
	/* Stamps from other cores may come out of order: print in TSC order
	 * (the TSCs of QEMU's vCPUs agree). n is small: selection sort. */
	uint64_t last = 0;
	for (int k = 0; k < n; k++) {
		int best = -1;
		for (int i = 0; i < n; i++)
			if (table[i].tsc >= last && (best < 0 || table[i].tsc < table[best].tsc) &&
			    table[i].name)
				best = i;
		if (best < 0)
			break;
		kprintf("toro: boot +%lu %s\n", table[best].tsc - entry, table[best].name);
		last = table[best].tsc;
		table[best].name = NULL; /* printed */
	}
}

void bootstats_listen(void)
{
	if (__atomic_fetch_add(&listened, 1, __ATOMIC_RELAXED))
		return;
	uint64_t now = arch_rdtsc();
	if (enabled)
		kprintf("toro: boot listen_tsc=%lu +%lu\n", now, now - entry);
}
