/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for kernel/pmm.c over a host arena standing in for RAM: ranges
 * added and reserved, every page allocated once and never from a hole, free
 * and reallocate, contiguous runs, zeroed pages, contiguous runs found again
 * after scattered frees overflowed the extent table, the panics on bad
 * frees, and commitments (promised pages the kernel's allocations never take).
 */
#include <k/pmm.h>

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <k/errno.h>

#include "expect_panic.h"

#define ARENA_PAGES 1024

static unsigned char *arena;

static uintptr_t page_addr(size_t i)
{
	return (uintptr_t)arena + i * PAGE_SIZE;
}

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
	memset(arena, 0x5a, ARENA_PAGES * PAGE_SIZE);
	pmm_init();
	return 0;
}

static int teardown(void **state)
{
	free(arena);
	return 0;
}

/* Allocate until NULL; checks each page is new and allowed; returns the count. */
static size_t alloc_all(void **pages, const bool *allowed)
{
	bool seen[ARENA_PAGES] = { false };
	size_t n = 0;
	void *p;

	while ((p = pmm_alloc()) != NULL) {
		size_t i = page_index(p);

		assert_false(seen[i]);		/* never handed out twice */
		assert_true(allowed[i]);	/* never from a hole */
		seen[i] = true;
		memset(p, (int)(i & 0xff), PAGE_SIZE);	/* the page is really ours */
		pages[n++] = p;
		assert_true(n <= ARENA_PAGES);
	}
	for (size_t k = 0; k < n; k++)
		assert_int_equal(*(unsigned char *)pages[k], page_index(pages[k]) & 0xff);
	return n;
}

static void test_add_reserve_alloc_all(void **state)
{
	static void *pages[ARENA_PAGES];
	bool allowed[ARENA_PAGES];
	size_t n;

	for (size_t i = 0; i < ARENA_PAGES; i++)
		allowed[i] = true;
	pmm_add_range(page_addr(0), ARENA_PAGES * PAGE_SIZE);
	assert_int_equal(pmm_total_pages(), ARENA_PAGES);
	assert_int_equal(pmm_free_pages(), ARENA_PAGES);

	/* Holes, rounded outwards: one byte reserves its page. */
	pmm_reserve_range(page_addr(10) + 5, 1);
	allowed[10] = false;
	pmm_reserve_range(page_addr(100), 100 * PAGE_SIZE);
	for (size_t i = 100; i < 200; i++)
		allowed[i] = false;
	pmm_reserve_range(page_addr(300) - 1, 2);	/* straddles 299 and 300 */
	allowed[299] = allowed[300] = false;
	pmm_reserve_range(page_addr(0), PAGE_SIZE);	/* the first page */
	allowed[0] = false;
	pmm_reserve_range(page_addr(ARENA_PAGES - 3), 10 * PAGE_SIZE);	/* past the end */
	allowed[ARENA_PAGES - 3] = allowed[ARENA_PAGES - 2] = allowed[ARENA_PAGES - 1] = false;
	pmm_reserve_range(page_addr(100), 50 * PAGE_SIZE);	/* already reserved */
	pmm_reserve_range(page_addr(10), 0);			/* empty range: nothing */

	size_t want = 0;
	for (size_t i = 0; i < ARENA_PAGES; i++)
		want += allowed[i];
	assert_int_equal(pmm_total_pages(), want);
	assert_int_equal(pmm_free_pages(), want);

	n = alloc_all(pages, allowed);
	assert_int_equal(n, want);
	assert_int_equal(pmm_free_pages(), 0);
	assert_null(pmm_alloc());
	assert_null(pmm_alloc_contig(2));

	/* Free every other page, then all: everything comes back and is reusable. */
	for (size_t i = 0; i < n; i += 2)
		pmm_free(pages[i]);
	assert_int_equal(pmm_free_pages(), (n + 1) / 2);
	for (size_t i = 1; i < n; i += 2)
		pmm_free(pages[i]);
	assert_int_equal(pmm_free_pages(), want);
	assert_int_equal(alloc_all(pages, allowed), want);
	for (size_t i = 0; i < n; i++)
		pmm_free(pages[i]);
	assert_int_equal(pmm_free_pages(), want);
	assert_int_equal(pmm_total_pages(), want);
}

static void test_rounding_and_merging(void **state)
{
	/* base rounded up, end rounded down */
	pmm_add_range(page_addr(0) + 100, 3 * PAGE_SIZE);
	assert_int_equal(pmm_total_pages(), 2);
	pmm_add_range(page_addr(10) + 1, PAGE_SIZE);	/* less than a whole page */
	assert_int_equal(pmm_total_pages(), 2);
	pmm_add_range(page_addr(20), 0);
	assert_int_equal(pmm_total_pages(), 2);

	/* overlapping and adjacent ranges are counted once and merge */
	pmm_add_range(page_addr(1), 10 * PAGE_SIZE);	/* overlaps pages 1, 2 */
	assert_int_equal(pmm_total_pages(), 10);
	pmm_add_range(page_addr(11), 5 * PAGE_SIZE);	/* adjacent */
	assert_int_equal(pmm_total_pages(), 15);
	pmm_add_range(page_addr(5), 3 * PAGE_SIZE);	/* inside */
	assert_int_equal(pmm_total_pages(), 15);
	void *p = pmm_alloc_contig(15);			/* one run across them all */
	assert_int_equal(page_index(p), 1);
	assert_int_equal(pmm_free_pages(), 0);
	pmm_free_contig(p, 15);
	assert_int_equal(pmm_free_pages(), 15);
}

static void test_contiguous(void **state)
{
	void *a, *b, *c;

	pmm_add_range(page_addr(0), ARENA_PAGES * PAGE_SIZE);
	pmm_reserve_range(page_addr(500), PAGE_SIZE);	/* extents: 0..499, 501..1023 */

	assert_null(pmm_alloc_contig(0));
	assert_null(pmm_alloc_contig(ARENA_PAGES));
	assert_null(pmm_alloc_contig(524));		/* no run spans the hole */
	a = pmm_alloc_contig(523);
	assert_non_null(a);
	assert_int_equal(page_index(a), 501);
	memset(a, 1, 523 * PAGE_SIZE);
	b = pmm_alloc_contig(400);
	assert_int_equal(page_index(b), 0);
	memset(b, 2, 400 * PAGE_SIZE);
	assert_null(pmm_alloc_contig(101));
	c = pmm_alloc_contig(100);
	assert_int_equal(page_index(c), 400);
	assert_int_equal(pmm_free_pages(), 0);

	/* A freed run is contiguous again. */
	pmm_free_contig(a, 523);
	assert_int_equal(pmm_free_pages(), 523);
	a = pmm_alloc_contig(523);
	assert_int_equal(page_index(a), 501);

	/* Neighbouring runs freed separately merge back into one. */
	pmm_free_contig(b, 400);
	pmm_free_contig(c, 100);
	assert_int_equal(page_index(pmm_alloc_contig(500)), 0);
}

static void test_single_frees_merge_back(void **state)
{
	void *p[8];

	pmm_add_range(page_addr(0), 8 * PAGE_SIZE);
	for (int i = 0; i < 8; i++)
		p[i] = pmm_alloc();
	/* Freed from the top down, each page borders the run above it. */
	for (int i = 7; i >= 0; i--)
		pmm_free(p[i]);
	assert_int_equal(pmm_free_pages(), 8);
	assert_int_equal(page_index(pmm_alloc_contig(8)), 0);
}

/*
 * Pages freed in a scattered order: first every fourth page, so each starts an
 * extent until the table is half full, then lone pages that border none (they
 * go on the single-page list), then their neighbours. The runs exist only
 * across the list and the extents; contiguous requests must find them.
 */
static void test_fragmented_frees_coalesce(void **state)
{
	static void *pages[ARENA_PAGES];
	bool allowed[ARENA_PAGES], held[ARENA_PAGES];
	void *runs[ARENA_PAGES / 8];

	for (size_t i = 0; i < ARENA_PAGES; i++)
		allowed[i] = held[i] = true;
	pmm_add_range(page_addr(0), ARENA_PAGES * PAGE_SIZE);
	assert_int_equal(alloc_all(pages, allowed), ARENA_PAGES);
	for (size_t s = 0; s < 3; s++) {
		/* every 4th page, then the pages between, then 8k+1 joining 8k and 8k+2 */
		size_t first = s == 0 ? 0 : s == 1 ? 2 : 1, step = s == 2 ? 8 : 4;

		for (size_t i = first; i < ARENA_PAGES; i += step) {
			pmm_free((void *)page_addr(i));
			held[i] = false;
		}
	}
	/* Free now: runs 8k..8k+2, lone pages 8k+4 and 8k+6. */
	assert_int_equal(pmm_free_pages(), ARENA_PAGES / 8 * 5);
	for (size_t k = 0; k < ARENA_PAGES / 8; k++) {
		runs[k] = pmm_alloc_contig(3);
		assert_non_null(runs[k]);
		assert_int_equal(page_index(runs[k]) % 8, 0);
		memset(runs[k], 0x33, 3 * PAGE_SIZE);
	}
	assert_null(pmm_alloc_contig(2));		/* only lone pages left */
	assert_int_equal(pmm_free_pages(), ARENA_PAGES / 8 * 2);
	/* Everything back in a scattered order: the whole arena is one run again. */
	for (size_t k = 0; k < ARENA_PAGES / 8; k++)
		pmm_free_contig(runs[(k * 37) % (ARENA_PAGES / 8)], 3);
	for (size_t k = 0; k < ARENA_PAGES; k++) {
		size_t i = (k * 389) % ARENA_PAGES;

		if (held[i] && i % 8 > 2)
			pmm_free((void *)page_addr(i));
	}
	assert_int_equal(pmm_free_pages(), ARENA_PAGES);
	void *all = pmm_alloc_contig(ARENA_PAGES);
	assert_int_equal(page_index(all), 0);
	pmm_free_contig(all, ARENA_PAGES);
	assert_int_equal(pmm_free_pages(), ARENA_PAGES);
}

/* Random frees of a fully allocated arena: runs of every length come back. */
static void test_random_frees_coalesce(void **state)
{
	static void *pages[ARENA_PAGES];
	bool allowed[ARENA_PAGES];
	unsigned seed = 11;
	size_t n;

	for (size_t i = 0; i < ARENA_PAGES; i++)
		allowed[i] = true;
	pmm_add_range(page_addr(0), ARENA_PAGES * PAGE_SIZE);
	n = alloc_all(pages, allowed);
	for (size_t i = n - 1; i > 0; i--) {		/* shuffle */
		size_t j = (size_t)rand_r(&seed) % (i + 1);
		void *t = pages[i];

		pages[i] = pages[j];
		pages[j] = t;
	}
	for (size_t i = 0; i < n; i++) {
		pmm_free(pages[i]);
		/* Half way, the longest free run must be found. */
		if (i == n / 2) {
			static bool is_free[ARENA_PAGES];
			size_t run = 0, best = 0;

			for (size_t k = 0; k <= i; k++)
				is_free[page_index(pages[k])] = true;
			for (size_t k = 0; k < ARENA_PAGES; k++) {
				run = is_free[k] ? run + 1 : 0;
				best = run > best ? run : best;
			}
			assert_true(best >= 4);
			void *p = pmm_alloc_contig(best);
			assert_non_null(p);
			for (size_t k = 0; k < best; k++)
				assert_true(is_free[page_index(p) + k]);
			assert_null(pmm_alloc_contig(best + 1));
			pmm_free_contig(p, best);
		}
	}
	assert_int_equal(pmm_free_pages(), ARENA_PAGES);
	assert_int_equal(page_index(pmm_alloc_contig(ARENA_PAGES)), 0);
}

static void test_alloc_zero(void **state)
{
	unsigned char *p;

	pmm_add_range(page_addr(0), 4 * PAGE_SIZE);
	p = pmm_alloc();
	memset(p, 0xff, PAGE_SIZE);
	pmm_free(p);
	for (int i = 0; i < 4; i++) {
		p = pmm_alloc_zero();
		assert_non_null(p);
		for (size_t k = 0; k < PAGE_SIZE; k++)
			assert_int_equal(p[k], 0);
	}
	assert_null(pmm_alloc_zero());
}

static void test_page_zero_never_used(void **state)
{
	/* Not dereferenced: carving from an extent touches no page. */
	pmm_add_range(0, 3 * PAGE_SIZE);
	assert_int_equal(pmm_total_pages(), 2);
	assert_int_equal((uintptr_t)pmm_alloc(), PAGE_SIZE);
	assert_int_equal((uintptr_t)pmm_alloc(), 2 * PAGE_SIZE);
	assert_null(pmm_alloc());
	pmm_init();
	pmm_add_range(UINT64_MAX - 5 * PAGE_SIZE, 100 * PAGE_SIZE);	/* wraps: clipped */
	assert_int_equal(pmm_total_pages(), 4);
	pmm_reserve_range(UINT64_MAX - 2 * PAGE_SIZE, 100 * PAGE_SIZE);
	assert_int_equal(pmm_total_pages(), 2);
}

static void test_too_many_ranges(void **state)
{
	/* Far-away fake addresses, never dereferenced. */
	const uint64_t base = 1ull << 40;

	for (int i = 0; i < PMM_MAX_RANGES + 5; i++)
		pmm_add_range(base + (uint64_t)i * 4 * PAGE_SIZE, 2 * PAGE_SIZE);
	assert_int_equal(pmm_total_pages(), 2 * PMM_MAX_RANGES);
	/* A hole in a full table keeps the larger side. */
	pmm_add_range(base - 16 * PAGE_SIZE, 3 * PAGE_SIZE);	/* table full: dropped */
	assert_int_equal(pmm_total_pages(), 2 * PMM_MAX_RANGES);
	pmm_reserve_range(base + 4 * PAGE_SIZE, PAGE_SIZE);	/* cut a 2-page range's head */
	assert_int_equal(pmm_total_pages(), 2 * PMM_MAX_RANGES - 1);
	assert_int_equal(pmm_free_pages(), pmm_total_pages());
}

static void test_hole_in_full_table(void **state)
{
	const uint64_t base = 1ull << 40;

	for (int i = 0; i < PMM_MAX_RANGES; i++)
		pmm_add_range(base + (uint64_t)i * 16 * PAGE_SIZE, 10 * PAGE_SIZE);
	assert_int_equal(pmm_total_pages(), 10 * PMM_MAX_RANGES);
	/* pages 2 of 0..9 reserved: the sides are 2 and 7 pages, only 7 kept */
	pmm_reserve_range(base + 2 * PAGE_SIZE, PAGE_SIZE);
	assert_int_equal(pmm_total_pages(), 10 * PMM_MAX_RANGES - 3);
	assert_int_equal((uintptr_t)pmm_alloc(), base + 3 * PAGE_SIZE);
}

/* Random single and contiguous allocations and frees against an ownership map. */
static void test_random_workload(void **state)
{
	struct held {
		void *p;
		size_t n;
	} held[512];
	bool owned[ARENA_PAGES] = { false }, allowed[ARENA_PAGES];
	size_t nheld = 0, want = 0;
	unsigned seed = 7;

	for (size_t i = 0; i < ARENA_PAGES; i++)
		allowed[i] = !(i % 97 == 3 || (i >= 600 && i < 640));
	pmm_add_range(page_addr(0), ARENA_PAGES * PAGE_SIZE);
	for (size_t i = 0; i < ARENA_PAGES; i++) {
		if (!allowed[i])
			pmm_reserve_range(page_addr(i), PAGE_SIZE);
		want += allowed[i];
	}
	assert_int_equal(pmm_total_pages(), want);

	for (int iter = 0; iter < 200000; iter++) {
		unsigned r = (unsigned)rand_r(&seed);

		if (nheld < 512 && r % 3 != 0) {
			size_t n = r % 5 == 0 ? 1 + r / 7 % 16 : 1;
			void *p = n == 1 && r % 2 ? pmm_alloc() : pmm_alloc_contig(n);

			if (p == NULL)
				continue;
			for (size_t k = 0; k < n; k++) {
				size_t i = page_index((char *)p + k * PAGE_SIZE);

				assert_true(allowed[i]);
				assert_false(owned[i]);
				owned[i] = true;
			}
			held[nheld++] = (struct held){ p, n };
		} else if (nheld > 0) {
			size_t h = r / 3 % nheld;

			for (size_t k = 0; k < held[h].n; k++)
				owned[page_index((char *)held[h].p + k * PAGE_SIZE)] = false;
			if (held[h].n == 1)
				pmm_free(held[h].p);
			else
				pmm_free_contig(held[h].p, held[h].n);
			held[h] = held[--nheld];
		}
		size_t in_use = 0;
		for (size_t k = 0; k < nheld; k++)
			in_use += held[k].n;
		assert_int_equal(pmm_free_pages() + in_use, want);
		if (iter % 20000 == 0)
			assert_int_equal(pmm_check(0, 0), 0);
	}
	while (nheld > 0) {
		nheld--;
		pmm_free_contig(held[nheld].p, held[nheld].n);
	}
	assert_int_equal(pmm_free_pages(), want);
	assert_int_equal(pmm_check(0, 0), 0);
}

/* pmm_check: a clean allocator has no problems, whatever its shape; a page
 * freed twice onto the list, and free pages where none may be, are found. */
static void test_check(void **state)
{
	static void *pages[ARENA_PAGES];
	bool allowed[ARENA_PAGES];

	for (size_t i = 0; i < ARENA_PAGES; i++)
		allowed[i] = true;
	assert_int_equal(pmm_check(0, 0), 0); /* empty */
	pmm_add_range(page_addr(0), ARENA_PAGES * PAGE_SIZE);
	assert_int_equal(pmm_check(0, 0), 0);
	alloc_all(pages, allowed);
	assert_int_equal(pmm_check(0, 0), 0); /* nothing free */
	/* Every other page: the first ones start extents, the rest go on the list. */
	for (size_t i = 0; i < ARENA_PAGES; i += 2)
		pmm_free((void *)page_addr(i));
	assert_int_equal(pmm_check(0, 0), 0);
	/* Free pages inside a range that should have none. */
	assert_true(pmm_check(page_addr(0), ARENA_PAGES * PAGE_SIZE) > 0);
	assert_int_equal(pmm_check(page_addr(1), PAGE_SIZE), 0);
	/* A list page freed again: the list now runs in a cycle. */
	pmm_free((void *)page_addr(600));
	assert_true(pmm_check(0, 0) > 0);
}

static void free_unaligned(void)
{
	pmm_add_range(page_addr(0), 4 * PAGE_SIZE);
	pmm_free((char *)pmm_alloc() + 8);
}

static void free_twice(void)
{
	void *p[2];

	pmm_add_range(page_addr(0), 4 * PAGE_SIZE);
	p[0] = pmm_alloc();
	p[1] = pmm_alloc();
	pmm_free(p[1]);		/* merges back into the extent */
	pmm_free(p[1]);
}

static void free_never_allocated(void)
{
	pmm_add_range(page_addr(0), 4 * PAGE_SIZE);
	pmm_free_contig((void *)page_addr(1), 2);
}

/* A page freed twice while on the single-page list: found when coalescing. */
static void free_twice_on_list(void)
{
	static void *pages[ARENA_PAGES];
	bool allowed[ARENA_PAGES];

	for (size_t i = 0; i < ARENA_PAGES; i++)
		allowed[i] = true;
	pmm_add_range(page_addr(0), ARENA_PAGES * PAGE_SIZE);
	alloc_all(pages, allowed);
	for (size_t i = 0; i < ARENA_PAGES; i += 2)
		pmm_free((void *)page_addr(i));
	pmm_free((void *)page_addr(600));
	pmm_alloc_contig(2);
}

/* Promised pages: pmm_alloc and pmm_alloc_contig stop short of them, the
 * floor is kept, pages taken against the promise come whatever the kernel
 * took meanwhile, and the accounting returns to where it began. */
static void test_commitments(void **state)
{
	static void *pages[ARENA_PAGES], *mine[100];
	size_t n = 0;

	pmm_add_range(page_addr(0), ARENA_PAGES * PAGE_SIZE);
	size_t all = pmm_avail_pages();
	assert_int_equal(all, pmm_free_pages());
	assert_int_equal(pmm_commit(all - 10, 11), -ENOMEM);	/* the floor */
	assert_int_equal(pmm_avail_pages(), all);
	assert_int_equal(pmm_commit(100, 10), 0);
	assert_int_equal(pmm_avail_pages(), all - 100);
	assert_int_equal(pmm_free_pages(), all);
	assert_null(pmm_alloc_contig(all - 99));
	while ((pages[n] = pmm_alloc()) != NULL)
		n++;
	assert_int_equal(n, all - 100);
	assert_int_equal(pmm_commit(1, 0), -ENOMEM);
	for (int i = 0; i < 100; i++) {
		mine[i] = pmm_alloc_committed();
		memset(mine[i], 0xa5, PAGE_SIZE);
	}
	assert_int_equal(pmm_free_pages(), 0);
	/* given back against the promise: still not the kernel's */
	for (int i = 0; i < 50; i++)
		pmm_free_committed(mine[i]);
	assert_null(pmm_alloc());
	for (int i = 0; i < 50; i++)
		mine[i] = pmm_alloc_committed();
	/* the promise ends: pages and count go back */
	for (int i = 0; i < 100; i++)
		pmm_free_committed(mine[i]);
	pmm_uncommit(100);
	assert_int_equal(pmm_avail_pages(), 100);
	while (n > 0)
		pmm_free(pages[--n]);
	assert_int_equal(pmm_avail_pages(), all);
	assert_int_equal(pmm_free_pages(), all);
	/* huge requests are refused, not wrapped */
	assert_int_equal(pmm_commit(SIZE_MAX, 0), -ENOMEM);
	assert_int_equal(pmm_commit(1, SIZE_MAX), -ENOMEM);
	assert_int_equal(pmm_avail_pages(), all);
}

static void test_bad_frees_panic(void **state)
{
	expect_panic(free_unaligned);
	expect_panic(free_twice);
	expect_panic(free_twice_on_list);
	expect_panic(free_never_allocated);
	pmm_free(NULL);		/* allowed, does nothing */
	pmm_free_contig(NULL, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_reserve_alloc_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rounding_and_merging, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contiguous, setup, teardown),
		cmocka_unit_test_setup_teardown(test_single_frees_merge_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_workload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fragmented_frees_coalesce, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_frees_coalesce, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_zero_never_used, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hole_in_full_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_frees_panic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commitments, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
