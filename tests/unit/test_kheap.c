/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for kernel/kheap.c on top of kernel/pmm.c over a host arena:
 * many sizes, 16-byte alignment, no overlap (fill patterns), free and reuse,
 * large allocations, exhaustion, and the panics on bad frees.
 */
#include <k/kheap.h>

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

#include <k/pmm.h>

#include <cmocka.h>

#include "expect_panic.h"

#define ARENA_PAGES 2048

static unsigned char *arena;
static size_t initial_free;

static int setup(void **state)
{
	arena = aligned_alloc(PAGE_SIZE, ARENA_PAGES * PAGE_SIZE);
	if (arena == NULL)
		return -1;
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

struct block {
	unsigned char *p;
	size_t size;
	unsigned char fill;
};

static void fill(struct block *b, unsigned char v)
{
	b->fill = v;
	memset(b->p, v, b->size);
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

/* No two live blocks overlap, all inside the arena and 16-byte aligned. */
static void check_layout(struct block *blocks, size_t n)
{
	struct block *sorted = malloc(n * sizeof(*sorted));

	assert_non_null(sorted);
	memcpy(sorted, blocks, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_block);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal((uintptr_t)sorted[i].p % 16, 0);
		assert_true(sorted[i].p >= arena);
		assert_true(sorted[i].p + sorted[i].size <= arena + ARENA_PAGES * PAGE_SIZE);
		if (i > 0)
			assert_true(sorted[i - 1].p + sorted[i - 1].size <= sorted[i].p);
		check_fill(&sorted[i]);
	}
	free(sorted);
}

static size_t pick_size(unsigned *seed)
{
	unsigned r = (unsigned)rand_r(seed);

	switch (r % 8) {
	case 0:
		return r / 8 % 17;			/* tiny, including 0 */
	case 1:
	case 2:
	case 3:
		return r / 8 % 256;
	case 4:
	case 5:
		return r / 8 % 2049;			/* up to the largest class */
	case 6:
		return 2040 + r / 8 % 20;		/* around the class/large boundary */
	default:
		return 2049 + r / 8 % (5 * PAGE_SIZE);	/* large */
	}
}

static void test_many_sizes_no_overlap(void **state)
{
	enum { N = 1500 };
	static struct block blocks[N];
	unsigned seed = 1;

	for (size_t i = 0; i < N; i++) {
		blocks[i].size = pick_size(&seed);
		blocks[i].p = kmalloc(blocks[i].size);
		assert_non_null(blocks[i].p);
		fill(&blocks[i], (unsigned char)(i * 7 + 1));
	}
	check_layout(blocks, N);

	/* Free every third block, reallocate others in their place, check again. */
	for (size_t i = 0; i < N; i += 3)
		kfree(blocks[i].p);
	for (size_t i = 0; i < N; i += 3) {
		blocks[i].size = pick_size(&seed);
		blocks[i].p = kmalloc(blocks[i].size);
		assert_non_null(blocks[i].p);
		fill(&blocks[i], (unsigned char)(i * 13 + 5));
	}
	check_layout(blocks, N);

	for (size_t i = 0; i < N; i++)
		kfree(blocks[i].p);
	/* Empty pages go back, but each class may keep one. */
	assert_true(pmm_free_pages() >= initial_free - 8);
	assert_true(pmm_free_pages() <= initial_free);
}

static void test_every_small_size(void **state)
{
	static struct block blocks[2049];

	for (size_t s = 0; s <= 2048; s++) {
		blocks[s].size = s;
		blocks[s].p = kmalloc(s);
		assert_non_null(blocks[s].p);
		fill(&blocks[s], (unsigned char)s);
	}
	check_layout(blocks, 2049);
	for (size_t s = 0; s <= 2048; s++)
		kfree(blocks[s].p);
	assert_true(pmm_free_pages() >= initial_free - 8);
}

static void test_free_and_reuse(void **state)
{
	void *p[300];
	size_t free_after;

	for (int i = 0; i < 300; i++)
		p[i] = kmalloc(48);
	free_after = pmm_free_pages();
	for (int i = 0; i < 300; i++)
		kfree(p[i]);
	/* The same requests again take no new pages. */
	for (int i = 0; i < 300; i++)
		p[i] = kmalloc(48);
	assert_true(pmm_free_pages() >= free_after);
	for (int i = 0; i < 300; i++)
		kfree(p[i]);

	/* A malloc/free pair keeps reusing the same memory. */
	void *a = kmalloc(100);
	kfree(a);
	for (int i = 0; i < 1000; i++) {
		void *b = kmalloc(100);
		assert_ptr_equal(b, a);
		kfree(b);
	}
}

static void test_kzalloc_zeroes(void **state)
{
	unsigned char *p;

	for (size_t size = 1; size < 3 * PAGE_SIZE; size = size * 3 + 1) {
		p = kmalloc(size);
		memset(p, 0xee, size);
		kfree(p);
		p = kzalloc(size);
		assert_non_null(p);
		for (size_t i = 0; i < size; i++)
			assert_int_equal(p[i], 0);
		kfree(p);
	}
}

static void test_large(void **state)
{
	size_t before = pmm_free_pages();
	struct block b[4];
	const size_t sizes[] = { 2049, PAGE_SIZE, 3 * PAGE_SIZE, 100 * PAGE_SIZE + 1 };

	for (int i = 0; i < 4; i++) {
		b[i].size = sizes[i];
		b[i].p = kmalloc(sizes[i]);
		assert_non_null(b[i].p);
		fill(&b[i], (unsigned char)(0x10 + i));
	}
	check_layout(b, 4);
	assert_true(before - pmm_free_pages() >= 1 + 2 + 4 + 101);
	size_t held = kheap_pages();
	assert_int_equal(held, before - pmm_free_pages());	/* the stats figure */
	for (int i = 0; i < 4; i++)
		kfree(b[i].p);
	assert_int_equal(pmm_free_pages(), before);	/* large blocks return every page */
	assert_int_equal(kheap_pages(), held - (1 + 2 + 4 + 101));

	assert_null(kmalloc(SIZE_MAX));
	assert_null(kmalloc(SIZE_MAX - PAGE_SIZE));
	assert_null(kmalloc((ARENA_PAGES + 1) * PAGE_SIZE));
	assert_null(kzalloc(SIZE_MAX / 2));
	assert_int_equal(pmm_free_pages(), before);
}

static void test_exhaustion(void **state)
{
	void **ptrs = malloc(ARENA_PAGES * 64 * sizeof(void *));
	size_t n = 0;
	void *p;

	assert_non_null(ptrs);
	while ((p = kmalloc(64)) != NULL) {
		memset(p, 0x77, 64);
		ptrs[n++] = p;
		assert_true(n < ARENA_PAGES * 64);
	}
	/* 63 objects of 64 bytes fit a page after its header */
	assert_int_equal(n, ARENA_PAGES * 63);
	assert_int_equal(pmm_free_pages(), 0);
	assert_null(kmalloc(16));
	assert_null(kmalloc(PAGE_SIZE * 2));
	for (size_t i = 0; i < n; i++)
		kfree(ptrs[i]);
	assert_true(pmm_free_pages() >= ARENA_PAGES - 1);
	p = kmalloc(PAGE_SIZE * 100);
	assert_non_null(p);
	kfree(p);
	free(ptrs);
	kfree(NULL);
}

/* kheap_check: clean lists after a mixed workload; a block freed twice, and a
 * free block whose link was overwritten after the free, are found. */
static void test_check(void **state)
{
	void *p[300];
	size_t pages = 0;

	for (int i = 0; i < 300; i++) {
		p[i] = kmalloc((size_t)(16 + i * 7 % 2100));
		assert_non_null(p[i]);
	}
	for (int i = 0; i < 300; i += 3)
		kfree(p[i]);
	assert_int_equal(kheap_check(&pages), 0);
	assert_true(pages > 0);
	assert_int_equal(kheap_check(NULL), 0);

	/* A use after free: the freed block's first word is its free-list link. */
	unsigned char *a = kmalloc(64), *b = kmalloc(64);
	kfree(a);
	void *saved;
	memcpy(&saved, a, sizeof(saved));
	memset(a, 0x41, sizeof(void *));
	assert_true(kheap_check(NULL) > 0);
	memcpy(a, &saved, sizeof(saved));
	assert_int_equal(kheap_check(NULL), 0);

	/* A double free while the page has other blocks in use: a cycle. */
	kfree(b);
	kfree(b);
	assert_true(kheap_check(NULL) > 0);
}

static void free_inside_object(void)
{
	kmalloc(64);
	kfree((char *)kmalloc(64) + 8);
}

static void free_inside_large(void)
{
	kfree((char *)kmalloc(3 * PAGE_SIZE) + PAGE_SIZE);
}

static void free_foreign_page(void)
{
	unsigned char *page = pmm_alloc_zero();

	kfree(page + 64);
}

static void free_header(void)
{
	unsigned char *p = kmalloc(32);

	kfree((void *)((uintptr_t)p & ~(PAGE_SIZE - 1)));
}

static void free_into_empty_page(void)
{
	void *p = kmalloc(256);

	kfree(p);
	kfree(p);
}

static void test_bad_frees_panic(void **state)
{
	expect_panic(free_inside_object);
	expect_panic(free_inside_large);
	expect_panic(free_foreign_page);
	expect_panic(free_header);
	expect_panic(free_into_empty_page);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_many_sizes_no_overlap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_small_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_and_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kzalloc_zeroes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exhaustion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_frees_panic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
