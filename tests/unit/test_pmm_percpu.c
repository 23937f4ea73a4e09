/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the per-core page stacks of kernel/pmm.c: pmm_cpu() is a
 * per-host-thread index the test sets, so one thread can play four cores in
 * turn and four host threads can be four cores at once. Pages are never handed
 * out twice, pmm_free_pages counts cached pages, and pages freed on one core
 * are allocated on another.
 */
#include <k/pmm.h>

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <k/console.h>

#define NCORES 4
#define ARENA_PAGES 4096
#define PCP_MAX 32 /* kernel/pmm.c: the most pages a core's stack holds */

/* ---- the kernel hooks pmm.c calls ---- */

static __thread int fake_cpu;

int pmm_cpu(void) { return fake_cpu; }
void smp_poll(void) {}
void arch_pause(void) {}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

void panic(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("panic: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* ---- helpers ---- */

static unsigned char *arena;
static unsigned char owned[ARENA_PAGES]; /* 1 while some "core" holds the page */

static size_t page_index(const void *p)
{
	uintptr_t a = (uintptr_t)p;

	assert_true(a >= (uintptr_t)arena);
	assert_true(a < (uintptr_t)arena + ARENA_PAGES * PAGE_SIZE);
	assert_int_equal(a % PAGE_SIZE, 0);
	return (a - (uintptr_t)arena) / PAGE_SIZE;
}

static int setup(void **state)
{
	arena = aligned_alloc(PAGE_SIZE, ARENA_PAGES * PAGE_SIZE);
	if (arena == NULL)
		return -1;
	memset(owned, 0, sizeof(owned));
	fake_cpu = 0;
	pmm_init();
	return 0;
}

static int teardown(void **state)
{
	free(arena);
	return 0;
}

static void *alloc_on(int cpu)
{
	fake_cpu = cpu;
	void *p = pmm_alloc();
	if (p) {
		size_t i = page_index(p);
		assert_int_equal(owned[i], 0); /* never handed out twice */
		owned[i] = 1;
		memset(p, (int)cpu, PAGE_SIZE);
	}
	return p;
}

static void free_on(int cpu, void *p)
{
	size_t i = page_index(p);

	assert_int_equal(owned[i], 1);
	owned[i] = 0;
	fake_cpu = cpu;
	pmm_free(p);
}

/* Allocate on every core in turn until all of them say NULL. */
static size_t alloc_everything(void **out)
{
	size_t n = 0;
	bool dry[NCORES] = { false };
	int left = NCORES;

	for (int cpu = 0; left > 0; cpu = (cpu + 1) % NCORES) {
		if (dry[cpu])
			continue;
		void *p = alloc_on(cpu);
		if (p) {
			out[n++] = p;
		} else {
			dry[cpu] = true;
			left--;
		}
	}
	return n;
}

/* ---- tests ---- */

static void test_free_pages_counts_cached(void **state)
{
	void *p[40];

	pmm_add_range((uintptr_t)arena, 1000 * PAGE_SIZE);
	assert_int_equal(pmm_free_pages(), 1000);
	p[0] = alloc_on(0); /* core 0 fills its stack with a batch, hands out one */
	assert_int_equal(pmm_free_pages(), 999);
	p[1] = alloc_on(1);
	p[2] = alloc_on(2);
	assert_int_equal(pmm_free_pages(), 997);
	free_on(3, p[0]); /* into core 3's stack: still free */
	assert_int_equal(pmm_free_pages(), 998);
	free_on(3, p[1]);
	free_on(0, p[2]);
	assert_int_equal(pmm_free_pages(), 1000);

	/* Past PCP_MAX a core's stack spills back to the shared pool. */
	for (int i = 0; i < 40; i++)
		p[i] = alloc_on(1);
	assert_int_equal(pmm_free_pages(), 960);
	for (int i = 0; i < 40; i++) {
		free_on(2, p[i]);
		assert_int_equal(pmm_free_pages(), 961 + i);
	}
	assert_int_equal(pmm_total_pages(), 1000);
}

static void test_never_twice_across_cores(void **state)
{
	static void *held[ARENA_PAGES];
	size_t nheld = 0, total = ARENA_PAGES;
	unsigned seed = 12345;

	pmm_add_range((uintptr_t)arena, ARENA_PAGES * PAGE_SIZE);
	for (int step = 0; step < 200000; step++) {
		int cpu = (int)((seed = seed * 1103515245 + 12345) >> 16) % NCORES;
		unsigned r = (seed = seed * 1103515245 + 12345) >> 16;
		/* Drift between filling up and draining so both ends are hit. */
		bool grow = (step / 20000) % 2 == 0 ? r % 4 != 0 : r % 4 == 0;

		if (grow || nheld == 0) {
			void *p = alloc_on(cpu);
			if (p)
				held[nheld++] = p;
			else
				assert_true(nheld + pmm_free_pages() == total);
		} else {
			size_t k = r % nheld;
			free_on(cpu, held[k]);
			held[k] = held[--nheld];
		}
		assert_int_equal(pmm_free_pages(), total - nheld);
	}
	while (nheld > 0) {
		nheld--;
		free_on((int)(nheld % NCORES), held[nheld]);
	}
	assert_int_equal(pmm_free_pages(), total);

	/* Every page once, whichever core asks. */
	assert_int_equal(alloc_everything(held), total);
	assert_int_equal(pmm_free_pages(), 0);
	for (size_t i = 0; i < ARENA_PAGES; i++)
		assert_int_equal(owned[i], 1);
}

static void test_free_on_one_core_alloc_on_another(void **state)
{
	static void *pages[1000];
	bool seen[ARENA_PAGES] = { false };
	size_t got;

	/* Exactly 1000 pages: core 2 can only get what core 1 freed. */
	pmm_add_range((uintptr_t)arena, 1000 * PAGE_SIZE);
	for (int i = 0; i < 1000; i++)
		assert_non_null(pages[i] = alloc_on(0));
	assert_null(alloc_on(0));
	assert_null(alloc_on(2));
	assert_int_equal(pmm_free_pages(), 0);
	for (int i = 0; i < 1000; i++)
		free_on(1, pages[i]);
	assert_int_equal(pmm_free_pages(), 1000);

	for (got = 0; got < 1000; got++) {
		void *p = alloc_on(2);
		if (!p)
			break;
		pages[got] = p;
	}
	/* Core 2 gets all but what still sits in core 1's stack... */
	assert_true(got >= 1000 - PCP_MAX);
	assert_int_equal(pmm_free_pages(), 1000 - got);
	/* ... and core 1 hands out the rest. */
	while (got < 1000) {
		void *p = alloc_on(1);
		assert_non_null(p);
		pages[got++] = p;
	}
	assert_null(alloc_on(1));
	assert_null(alloc_on(3));
	assert_int_equal(pmm_free_pages(), 0);
	for (int i = 0; i < 1000; i++) {
		size_t k = page_index(pages[i]);
		assert_false(seen[k]);
		seen[k] = true;
	}
}

/* Four host threads as four cores at once. */

#define THREAD_STEPS 400000
#define THREAD_HOLD 300

static unsigned char thr_owned[ARENA_PAGES];
static long thr_errors;

static void *core_thread(void *arg)
{
	void *held[THREAD_HOLD];
	int nheld = 0;
	unsigned seed = 777u * (unsigned)(intptr_t)arg + 1;

	fake_cpu = (int)(intptr_t)arg;
	for (int step = 0; step < THREAD_STEPS; step++) {
		unsigned r = (seed = seed * 1103515245 + 12345) >> 16;
		if (nheld < THREAD_HOLD && (nheld == 0 || r % 2)) {
			void *p = pmm_alloc();
			if (!p)
				continue;
			uintptr_t i = ((uintptr_t)p - (uintptr_t)arena) / PAGE_SIZE;
			if (i >= ARENA_PAGES ||
			    __atomic_exchange_n(&thr_owned[i], 1, __ATOMIC_ACQ_REL) != 0)
				__atomic_add_fetch(&thr_errors, 1, __ATOMIC_RELAXED);
			*(volatile int *)p = fake_cpu; /* ASan: the page is real memory */
			held[nheld++] = p;
		} else {
			int k = (int)(r % (unsigned)nheld);
			void *p = held[k];
			held[k] = held[--nheld];
			uintptr_t i = ((uintptr_t)p - (uintptr_t)arena) / PAGE_SIZE;
			__atomic_store_n(&thr_owned[i], 0, __ATOMIC_RELEASE);
			pmm_free(p);
		}
	}
	while (nheld > 0) {
		void *p = held[--nheld];
		uintptr_t i = ((uintptr_t)p - (uintptr_t)arena) / PAGE_SIZE;
		__atomic_store_n(&thr_owned[i], 0, __ATOMIC_RELEASE);
		pmm_free(p);
	}
	return NULL;
}

/* pmm_check from a fifth thread while the four cores work: it takes every
 * lock, so it must always see a consistent allocator. */
static volatile int checking;
static long check_runs, check_problems;

static void *checker_thread(void *arg)
{
	(void)arg;
	fake_cpu = -1;
	while (__atomic_load_n(&checking, __ATOMIC_ACQUIRE)) {
		check_problems += pmm_check(0, 0);
		check_runs++;
		usleep(2000); /* leave the cores the locks most of the time */
	}
	return NULL;
}

static void test_threads_as_cores(void **state)
{
	static void *all[ARENA_PAGES];
	pthread_t th[NCORES], checker;

	/* Fewer pages than the threads want: they run dry and spill often. */
	pmm_add_range((uintptr_t)arena, 1024 * PAGE_SIZE);
	memset(thr_owned, 0, sizeof(thr_owned));
	thr_errors = 0;
	checking = 1;
	check_runs = check_problems = 0;
	assert_int_equal(pthread_create(&checker, NULL, checker_thread, NULL), 0);
	for (int i = 0; i < NCORES; i++)
		assert_int_equal(pthread_create(&th[i], NULL, core_thread, (void *)(intptr_t)i), 0);
	for (int i = 0; i < NCORES; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	__atomic_store_n(&checking, 0, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(checker, NULL), 0);
	assert_int_equal(thr_errors, 0);
	assert_true(check_runs > 0);
	assert_int_equal(check_problems, 0);
	assert_int_equal(pmm_check(0, 0), 0); /* with pages left in the cores' stacks */
	assert_int_equal(pmm_free_pages(), 1024);
	assert_int_equal(alloc_everything(all), 1024);
	assert_int_equal(pmm_free_pages(), 0);
}

/* Promised pages from four cores at once: each thread promises pages while
 * the others run the pool dry with kernel allocations and pages sit in every
 * core's stack; every page taken against a promise must come (pmm panics if
 * the search misses one), and the counts end where they began. */
#define PROMISE_ROUNDS 20000

static void *promise_thread(void *arg)
{
	void *held[THREAD_HOLD];
	int nheld = 0, mine = 0;
	unsigned seed = 31u * (unsigned)(intptr_t)arg + 7;

	fake_cpu = (int)(intptr_t)arg;
	for (int step = 0; step < PROMISE_ROUNDS; step++) {
		unsigned r = (seed = seed * 1103515245 + 12345) >> 16;
		if (nheld < THREAD_HOLD && (nheld == 0 || r % 2)) {
			void *p;
			bool promised = fake_cpu % 2 == 0;
			if (promised) {
				if (pmm_commit(1, 0))
					continue;
				p = pmm_alloc_committed();
				mine++;
			} else if ((p = pmm_alloc()) == NULL) {
				continue;
			}
			uintptr_t i = ((uintptr_t)p - (uintptr_t)arena) / PAGE_SIZE;
			if (i >= ARENA_PAGES ||
			    __atomic_exchange_n(&thr_owned[i], 1, __ATOMIC_ACQ_REL) != 0)
				__atomic_add_fetch(&thr_errors, 1, __ATOMIC_RELAXED);
			held[nheld++] = p;
		} else {
			int k = (int)(r % (unsigned)nheld);
			void *p = held[k];
			held[k] = held[--nheld];
			uintptr_t i = ((uintptr_t)p - (uintptr_t)arena) / PAGE_SIZE;
			__atomic_store_n(&thr_owned[i], 0, __ATOMIC_RELEASE);
			if (fake_cpu % 2 == 0) {
				pmm_free_committed(p);
				pmm_uncommit(1);
				mine--;
			} else {
				pmm_free(p);
			}
		}
	}
	while (nheld > 0) {
		void *p = held[--nheld];
		uintptr_t i = ((uintptr_t)p - (uintptr_t)arena) / PAGE_SIZE;
		__atomic_store_n(&thr_owned[i], 0, __ATOMIC_RELEASE);
		if (fake_cpu % 2 == 0) {
			pmm_free_committed(p);
			pmm_uncommit(1);
		} else {
			pmm_free(p);
		}
	}
	return NULL;
}

static void test_promises_across_cores(void **state)
{
	pthread_t th[NCORES];

	pmm_add_range((uintptr_t)arena, 600 * PAGE_SIZE);
	memset(thr_owned, 0, sizeof(thr_owned));
	thr_errors = 0;
	for (int i = 0; i < NCORES; i++)
		assert_int_equal(pthread_create(&th[i], NULL, promise_thread, (void *)(intptr_t)i), 0);
	for (int i = 0; i < NCORES; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	assert_int_equal(thr_errors, 0);
	assert_int_equal(pmm_free_pages(), 600);
	assert_int_equal(pmm_avail_pages(), 600);
}

/* The only free pages sit in another core's stack: a promise made on core 0
 * is met from there. */
static void test_promise_met_from_another_core(void **state)
{
	static void *all[ARENA_PAGES];
	void *p[8];

	pmm_add_range((uintptr_t)arena, 100 * PAGE_SIZE);
	size_t n = alloc_everything(all);
	assert_int_equal(n, 100);
	for (int i = 0; i < 8; i++)
		free_on(3, all[--n]);
	fake_cpu = 0;
	assert_int_equal(pmm_commit(8, 0), 0);
	assert_null(pmm_alloc());
	for (int i = 0; i < 8; i++)
		assert_non_null(p[i] = pmm_alloc_committed());
	assert_int_equal(pmm_free_pages(), 0);
	/* pmm_free: the page and its promise both end (free_committed + uncommit) */
	for (int i = 0; i < 8; i++)
		pmm_free(p[i]);
	assert_int_equal(pmm_avail_pages(), 8);
	while (n > 0)
		free_on(1, all[--n]);
	assert_int_equal(pmm_avail_pages(), 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_free_pages_counts_cached, setup, teardown),
		cmocka_unit_test_setup_teardown(test_never_twice_across_cores, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_on_one_core_alloc_on_another, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_threads_as_cores, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promises_across_cores, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promise_met_from_another_core, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
