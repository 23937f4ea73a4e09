/* SPDX-License-Identifier: MIT */
/* smp_tlb: a mapping changed on one core is changed for the threads on every
 * other core as soon as the call returns (TLB shootdown). Threads on the other
 * cores keep reading (or writing) a page; once they see that munmap (or
 * mprotect to read-only) has returned, the next access must fault; once a new
 * mapping has replaced an old one at the same address, they must read the new
 * page's zeros, never the old page's bytes. 20 rounds of each. */
// expect-output: SUCCESS
// machines: microvm q35
// pvh-machines: none
// smp: 2 4
// args: -- {smp}
// host-args: {smp}
// mem: 64
// timeout: 60
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <toro/except.h>
#include <toro/thread.h>

#define ROUNDS 20
#define PAGE 4096
#define MAXCPU 64

static int failures;

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			printf("FAIL line %d: %s (errno %d %s)\n", __LINE__, #cond,    \
			       errno, strerror(errno));                                \
			__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);            \
		}                                                                      \
	} while (0)

enum mode { UNMAP, PROTECT, REPLACE };

static int ncpu, nthreads;
static enum mode mode;
static char *volatile page;
static pthread_barrier_t start, end;  /* of each round: the threads and main */
static int quit;
static int warm;              /* threads that have used this round's page */
static int changed;           /* the main thread's call has returned */
static int stale;             /* accesses that worked after the change */
static int caught;            /* faults seen after the change */
static int too_early;         /* faults before the change */
static int64_t deadline_ns;

static int64_t mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* One access in a TRY block: 1 if it faulted. */
static int access_faults(volatile char *p, int write, char *out)
{
	volatile int faulted = 0;
	TRY {
		if (write)
			*p = 0x77;
		else
			*out = *p;
	} EXCEPT(sig) {
		faulted = sig == SIGSEGV;
	}
	return faulted;
}

/* Uses the page until the main thread's change, then checks the next access. */
static void take_part(void)
{
	volatile char *p = page;
	char v = 0;
	int write = mode == PROTECT;
	if (access_faults(p, write, &v) || v != (write ? 0 : 0x5a)) {
		__atomic_fetch_add(&too_early, 1, __ATOMIC_SEQ_CST);
		return;
	}
	__atomic_fetch_add(&warm, 1, __ATOMIC_SEQ_CST);
	while (mono_ns() < deadline_ns) {
		int done = __atomic_load_n(&changed, __ATOMIC_ACQUIRE);
		int faulted = access_faults(p, write, &v);
		if (!done) {
			/* The change may be landing right now: a fault (unmap,
			 * read-only) or the new zeros are fine, anything else not.
			 * Replacing a mapping is one step: no fault in between. */
			if (mode == REPLACE && (faulted || (v != 0x5a && v != 0))) {
				__atomic_fetch_add(&too_early, 1, __ATOMIC_SEQ_CST);
				return;
			}
			if (faulted) {
				__atomic_fetch_add(&caught, 1, __ATOMIC_SEQ_CST);
				return;
			}
			continue;
		}
		/* The change had returned before this access began. */
		if (mode == REPLACE) {
			if (faulted || v != 0)
				__atomic_fetch_add(&stale, 1, __ATOMIC_SEQ_CST);
			else
				__atomic_fetch_add(&caught, 1, __ATOMIC_SEQ_CST);
		} else if (faulted) {
			__atomic_fetch_add(&caught, 1, __ATOMIC_SEQ_CST);
		} else {
			__atomic_fetch_add(&stale, 1, __ATOMIC_SEQ_CST);
		}
		return;
	}
}

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_barrier_wait(&start);
		if (__atomic_load_n(&quit, __ATOMIC_ACQUIRE))
			return NULL;
		take_part();
		pthread_barrier_wait(&end);
	}
}

static void run_round(void)
{
	char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		exit(1);
	memset(p, 0x5a, PAGE);
	page = p;
	__atomic_store_n(&warm, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&changed, 0, __ATOMIC_SEQ_CST);
	deadline_ns = mono_ns() + 10000000000LL;
	pthread_barrier_wait(&start);
	while (__atomic_load_n(&warm, __ATOMIC_SEQ_CST) < nthreads && mono_ns() < deadline_ns)
		sched_yield();
	if (mode == UNMAP) {
		CHECK(munmap(p, PAGE) == 0);
	} else if (mode == PROTECT) {
		CHECK(mprotect(p, PAGE, PROT_READ) == 0);
	} else {
		/* Fresh zeroed memory at the same address. */
		char *q = mmap(p, PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		CHECK(q == p);
	}
	__atomic_store_n(&changed, 1, __ATOMIC_RELEASE);
	pthread_barrier_wait(&end);
	if (mode != UNMAP)
		munmap(p, PAGE);
}

static void run_mode(enum mode m, const char *what)
{
	int64_t t0 = mono_ns();
	mode = m;
	stale = caught = too_early = 0;
	for (int i = 0; i < ROUNDS; i++)
		run_round();
	printf("%s: %d rounds x %d threads: %d saw the change, %d did not, %d went wrong "
	       "before it (%lld ms)\n", what, ROUNDS, nthreads, caught, stale, too_early,
	       (long long)((mono_ns() - t0) / 1000000));
	CHECK(stale == 0);
	CHECK(too_early == 0);
	CHECK(caught == ROUNDS * nthreads);
}

int main(int argc, char **argv)
{
	int want = argc > 1 ? atoi(argv[1]) : -1;
	ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	CHECK(ncpu == want);
	if (ncpu < 2 || ncpu > MAXCPU) {
		printf("FAIL: needs 2 to %d cores, has %d\n", MAXCPU, ncpu);
		return 1;
	}
	/* One thread on every core but the main thread's. */
	int main_cpu = sched_getcpu();
	pthread_t t[MAXCPU];
	nthreads = main_cpu >= 0 && main_cpu < ncpu ? ncpu - 1 : ncpu;
	CHECK(pthread_barrier_init(&start, NULL, nthreads + 1) == 0);
	CHECK(pthread_barrier_init(&end, NULL, nthreads + 1) == 0);
	int n = 0;
	for (int c = 0; c < ncpu; c++) {
		if (c == main_cpu)
			continue;
		int r = toro_thread_create_on(&t[n++], c, worker, NULL);
		if (r) {
			printf("FAIL: toro_thread_create_on(%d): %s\n", c, strerror(r));
			return 1;
		}
	}
	CHECK(n == nthreads);
	run_mode(UNMAP, "munmap");
	run_mode(PROTECT, "mprotect read-only");
	run_mode(REPLACE, "mmap MAP_FIXED over");
	__atomic_store_n(&quit, 1, __ATOMIC_RELEASE);
	pthread_barrier_wait(&start);
	for (int i = 0; i < nthreads; i++)
		CHECK(pthread_join(t[i], NULL) == 0);
	if (failures) {
		printf("%d checks failed\n", failures);
		return 1;
	}
	printf("SUCCESS\n");
	return 0;
}
