/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the per-core lists of kernel/kheap.c over kernel/pmm.c:
 * pmm_cpu() is a per-host-thread index the test sets, so one thread plays four
 * cores in turn and four host threads are four cores at once. Blocks never
 * overlap, a block freed on another core goes back to its owner and is reused
 * there, and every page comes back once the cores trim.
 */
#include <k/kheap.h>

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <k/console.h>
#include <k/pmm.h>

#define NCORES 4
#define ARENA_PAGES 4096
#define OBJS_64 63 /* kernel/kheap.c: 64-byte objects after a page's header */

/* ---- the kernel hooks kheap.c and pmm.c call ---- */

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
static size_t initial_free;

static int setup(void **state)
{
	arena = aligned_alloc(PAGE_SIZE, ARENA_PAGES * PAGE_SIZE);
	if (arena == NULL)
		return -1;
	fake_cpu = 0;
	pmm_init();
	kheap_init();
	pmm_add_range((uintptr_t)arena, ARENA_PAGES * PAGE_SIZE);
	initial_free = pmm_free_pages();
	return 0;
}

static int teardown(void **state)
{
	free(arena);
	return 0;
}

/* Every core (and the boot core) takes its remote frees and drops empty pages. */
static void trim_all(void)
{
	int self = fake_cpu;

	for (int cpu = -1; cpu < NCORES; cpu++) {
		fake_cpu = cpu;
		kheap_trim();
	}
	fake_cpu = self;
}

static unsigned rnd(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 16;
}

static size_t pick_size(unsigned *seed)
{
	unsigned r = rnd(seed);

	switch (r % 8) {
	case 0:
		return 16 + r / 8 % 16;
	case 1:
	case 2:
	case 3:
		return 16 + r / 8 % 240;
	case 4:
	case 5:
	case 6:
		return 16 + r / 8 % 2033;		/* up to the largest class */
	default:
		return 2049 + r / 8 % (2 * PAGE_SIZE);	/* large */
	}
}

struct block {
	unsigned char *p;
	size_t size;
	unsigned char fill;
};

static void *alloc_on(int cpu, size_t size)
{
	fake_cpu = cpu;
	return kmalloc(size);
}

static void free_on(int cpu, void *p)
{
	fake_cpu = cpu;
	kfree(p);
}

static void check_fill(const struct block *b)
{
	for (size_t i = 0; i < b->size; i++) {
		if (b->p[i] != b->fill)
			fail_msg("block %p size %zu byte %zu is %#x, want %#x", (void *)b->p,
				 b->size, i, b->p[i], b->fill);
	}
}

static int cmp_block(const void *a, const void *b)
{
	const struct block *x = a, *y = b;

	return x->p < y->p ? -1 : x->p > y->p;
}

/* No two live blocks overlap, all inside the arena, 16-byte aligned, intact. */
static void check_layout(struct block *blocks, size_t n)
{
	static struct block sorted[2000];

	assert_true(n <= 2000);
	memcpy(sorted, blocks, n * sizeof(*blocks));
	qsort(sorted, n, sizeof(*sorted), cmp_block);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal((uintptr_t)sorted[i].p % 16, 0);
		assert_true(sorted[i].p >= arena);
		assert_true(sorted[i].p + sorted[i].size <= arena + ARENA_PAGES * PAGE_SIZE);
		if (i > 0)
			assert_true(sorted[i - 1].p + sorted[i - 1].size <= sorted[i].p);
		check_fill(&sorted[i]);
	}
}

/* ---- tests ---- */

static void test_cores_never_overlap(void **state)
{
	enum { N = 2000 };
	static struct block blocks[N];
	unsigned seed = 99;

	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < N; i++) {
			if (round > 0 && rnd(&seed) % 2)
				continue; /* keep half of the blocks across rounds */
			if (round > 0)
				free_on((int)(rnd(&seed) % NCORES), blocks[i].p);
			blocks[i].size = pick_size(&seed);
			blocks[i].p = alloc_on((int)(rnd(&seed) % NCORES), blocks[i].size);
			assert_non_null(blocks[i].p);
			blocks[i].fill = (unsigned char)(i * 7 + round * 31 + 1);
			memset(blocks[i].p, blocks[i].fill, blocks[i].size);
		}
		check_layout(blocks, N);
	}
	for (size_t i = 0; i < N; i++)
		free_on((int)(rnd(&seed) % NCORES), blocks[i].p);
	trim_all();
	assert_int_equal(pmm_free_pages(), initial_free);
}

static bool contains(void *const *set, size_t n, const void *p)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == p)
			return true;
	return false;
}

static void test_remote_free_goes_home(void **state)
{
	enum { N = 2 * OBJS_64 };
	void *mine[N], *freed[N], *again[N], *other[N];
	size_t nfreed = 0, before;

	/* Two full pages of 64-byte blocks on core 0; one block per page stays
	 * held so neither page goes back to the pmm. */
	for (int i = 0; i < N; i++)
		assert_non_null(mine[i] = alloc_on(0, 64));
	for (int i = 0; i < N; i++)
		if (i % OBJS_64 != 0)
			free_on(1 + i % 3, freed[nfreed++] = mine[i]);

	/* Cores 1-3 never hand out core 0's blocks, however many they take. */
	for (int cpu = 1; cpu < NCORES; cpu++) {
		for (size_t i = 0; i < nfreed; i++) {
			assert_non_null(other[i] = alloc_on(cpu, 64));
			assert_false(contains(freed, nfreed, other[i]));
		}
		for (size_t i = 0; i < nfreed; i++)
			free_on(cpu, other[i]);
	}

	/* Core 0 takes them back and hands out exactly those, with no new page. */
	before = pmm_free_pages();
	for (size_t i = 0; i < nfreed; i++) {
		assert_non_null(again[i] = alloc_on(0, 64));
		assert_true(contains(freed, nfreed, again[i]));
		assert_false(contains(again, i, again[i]));
	}
	assert_int_equal(pmm_free_pages(), before);

	/* A freed block on its owner's own core is reused at once. */
	free_on(0, again[0]);
	assert_ptr_equal(alloc_on(0, 64), again[0]);

	for (size_t i = 0; i < nfreed; i++)
		free_on(3, again[i]);
	for (int i = 0; i < N; i += OBJS_64)
		free_on(2, mine[i]);
	trim_all();
	assert_int_equal(pmm_free_pages(), initial_free);
}

static void test_boot_core_and_cores(void **state)
{
	/* Before the cores are up: a boot block freed on a core goes back to the
	 * boot lists at once; a core's block freed at boot goes to that core. */
	void *b = alloc_on(-1, 100);
	free_on(2, b);
	assert_ptr_equal(alloc_on(-1, 100), b);

	void *c = alloc_on(1, 100);
	void *c2 = alloc_on(1, 100);
	free_on(-1, c);
	assert_ptr_equal(alloc_on(1, 100), c);
	free_on(-1, b);
	free_on(-1, c);
	free_on(1, c2);
	trim_all();
	assert_int_equal(pmm_free_pages(), initial_free);
}

/* Four host threads as four cores, taking and freeing each other's blocks. */

#define THREAD_OPS 100000
#define NSLOTS 1024
#define HDR_BYTES 32 /* kernel/kheap.c: the header in front of a large block */

struct tblock {
	size_t size;
	int core; /* allocated on */
	int pad;
};

static struct tblock *slots[NSLOTS];
/*
 * thr_nomem counts failed requests of at most one page, thr_nocontig failed
 * large requests (two or three contiguous pages). The slots hold a few
 * hundred pages of the 4096 (most of the arena stays free), so a failure
 * means lost pages, or, for thr_nocontig, kernel/pmm.c not merging scattered
 * free pages back into runs when a contiguous request needs one.
 */
static long thr_errors, thr_remote, thr_nomem, thr_nocontig;

static unsigned char pattern(const struct tblock *b)
{
	return (unsigned char)(((uintptr_t)b >> 4) ^ b->size);
}

static bool intact(const struct tblock *b)
{
	const unsigned char *bytes = (const unsigned char *)b;

	if (b->size < sizeof(*b) || b->size > 3 * PAGE_SIZE || b->core < 0 || b->core >= NCORES)
		return false;
	for (size_t i = sizeof(*b); i < b->size; i++)
		if (bytes[i] != pattern(b))
			return false;
	return true;
}

static void *core_thread(void *arg)
{
	unsigned seed = 4242u * (unsigned)(intptr_t)arg + 7;

	fake_cpu = (int)(intptr_t)arg;
	for (int op = 0; op < THREAD_OPS; op++) {
		unsigned k = rnd(&seed) % NSLOTS;
		struct tblock *b = __atomic_exchange_n(&slots[k], NULL, __ATOMIC_ACQ_REL);

		if (b != NULL) {
			if (!intact(b))
				__atomic_add_fetch(&thr_errors, 1, __ATOMIC_RELAXED);
			if (b->core != fake_cpu)
				__atomic_add_fetch(&thr_remote, 1, __ATOMIC_RELAXED);
			kfree(b);
			continue;
		}
		size_t size = pick_size(&seed);
		b = kmalloc(size);
		if (b == NULL) {
			__atomic_add_fetch(size + HDR_BYTES > PAGE_SIZE ? &thr_nocontig : &thr_nomem, 1,
					   __ATOMIC_RELAXED);
			continue;
		}
		b->size = size;
		b->core = fake_cpu;
		memset(b + 1, pattern(b), size - sizeof(*b));
		struct tblock *empty = NULL;
		if (!__atomic_compare_exchange_n(&slots[k], &empty, b, false, __ATOMIC_ACQ_REL,
						 __ATOMIC_RELAXED))
			kfree(b); /* another core filled the slot meanwhile */
	}
	return NULL;
}

static void test_threads_as_cores(void **state)
{
	pthread_t th[NCORES];

	memset(slots, 0, sizeof(slots));
	thr_errors = thr_remote = thr_nomem = thr_nocontig = 0;
	for (int i = 0; i < NCORES; i++)
		assert_int_equal(pthread_create(&th[i], NULL, core_thread, (void *)(intptr_t)i), 0);
	for (int i = 0; i < NCORES; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	assert_int_equal(thr_errors, 0);
	assert_int_equal(thr_nomem, 0);
	printf("# %d ops on each of %d cores, %ld cross-core frees, %ld large requests found "
	       "no contiguous run\n", THREAD_OPS, NCORES, thr_remote, thr_nocontig);
	assert_int_equal(thr_nocontig, 0);
	assert_true(thr_remote > THREAD_OPS / 10); /* cross-core frees did happen */

	for (int k = 0; k < NSLOTS; k++) {
		if (slots[k] != NULL) {
			assert_true(intact(slots[k]));
			free_on(k % NCORES, slots[k]);
		}
	}
	trim_all();
	assert_int_equal(pmm_free_pages(), initial_free);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cores_never_overlap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remote_free_goes_home, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boot_core_and_cores, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads_as_cores, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
