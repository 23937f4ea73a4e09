/* SPDX-License-Identifier: MIT */
/* sysinfo: sysinfo() reports the guest's memory (total > 0 and within the
 * MiB given in argv[2], 0 for no bound; free <= total) and an uptime; get_nprocs() and
 * sysconf(_SC_NPROCESSORS_ONLN) are the vCPU count (argv[1]), the configured
 * count no lower; _SC_PHYS_PAGES and get_phys_pages agree with sysinfo; the
 * same answers from a second thread. */
// expect-output: SUCCESS
// machines: microvm q35
// pvh-machines: none
// smp: 1 4
// args: -- {smp} 64
// host-args: {smp} 0
// mem: 64
// timeout: 60
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/sysinfo.h>

static int failures;

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			printf("FAIL line %d: %s (errno %d %s)\n", __LINE__, #cond,    \
			       errno, strerror(errno));                                \
			__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);            \
		}                                                                      \
	} while (0)

static uint64_t mem_limit = UINT64_MAX;

static void check_sysinfo(const char *who, struct sysinfo *si)
{
	CHECK(sysinfo(si) == 0);
	uint64_t unit = si->mem_unit ? si->mem_unit : 1;
	uint64_t total = si->totalram * unit, free_b = si->freeram * unit;
	printf("%s: sysinfo total %llu KiB, free %llu KiB, unit %llu, uptime %ld s, procs %u\n",
	       who, (unsigned long long)(total >> 10), (unsigned long long)(free_b >> 10),
	       (unsigned long long)unit, (long)si->uptime, (unsigned)si->procs);
	CHECK(total > 0);
	CHECK(total <= mem_limit);
	CHECK(free_b <= total);
	CHECK(si->uptime >= 0);
	CHECK(si->totalswap == 0 || si->freeswap <= si->totalswap);
}

static void *second(void *arg)
{
	struct sysinfo *si = arg;
	check_sysinfo("thread", si);
	return (void *)(intptr_t)get_nprocs();
}

int main(int argc, char **argv)
{
	int want = argc > 1 ? atoi(argv[1]) : -1;
	if (argc > 2 && atoi(argv[2]) > 0)
		mem_limit = (uint64_t)atoi(argv[2]) << 20;
	struct sysinfo si, si2;
	check_sysinfo("main", &si);

	long onln = sysconf(_SC_NPROCESSORS_ONLN), conf = sysconf(_SC_NPROCESSORS_CONF);
	printf("get_nprocs %d, get_nprocs_conf %d, _SC_NPROCESSORS_ONLN %ld, _CONF %ld, "
	       "expected %d\n", get_nprocs(), get_nprocs_conf(), onln, conf, want);
	CHECK(get_nprocs() == want);
	CHECK(onln == want);
	CHECK(conf >= onln);
	CHECK(get_nprocs_conf() >= get_nprocs());

	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	printf("_SC_PHYS_PAGES %ld, get_phys_pages %ld, get_avphys_pages %ld, page %ld\n", pages,
	       get_phys_pages(), get_avphys_pages(), page);
	CHECK(page == 4096);
	CHECK(pages > 0);
	CHECK((uint64_t)pages * (uint64_t)page <= mem_limit);
	CHECK(get_phys_pages() > 0);
	CHECK(get_avphys_pages() <= get_phys_pages());

	pthread_t t;
	int r = pthread_create(&t, NULL, second, &si2);
	if (r) {
		printf("FAIL: pthread_create: %s\n", strerror(r));
		return 1;
	}
	void *ret = NULL;
	CHECK(pthread_join(t, &ret) == 0);
	CHECK((int)(intptr_t)ret == want);
	CHECK(si2.totalram * (uint64_t)si2.mem_unit == si.totalram * (uint64_t)si.mem_unit);
	CHECK(si2.uptime >= si.uptime);
	if (failures) {
		printf("%d checks failed\n", failures);
		return 1;
	}
	printf("SUCCESS\n");
	return 0;
}
