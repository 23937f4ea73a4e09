/* SPDX-License-Identifier: MIT */
/*
 * Physical page allocator (include/k/pmm.h). Memory not yet handed out is a
 * sorted array of extents, so init touches no page. Single pages come from a
 * free list threaded through freed pages, then from the front of the lowest
 * extent; contiguous runs are carved first-fit from the extents. A freed page
 * that borders an extent goes back into it (or starts one while the table has
 * room), so contiguous memory grows back.
 * Page 0 is never handed out: its address is NULL.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <k/console.h>
#include <k/pmm.h>
#include <k/spinlock.h>
#include <k/string.h>

struct extent {
	uint64_t base;	/* page aligned */
	uint64_t pages;
};

struct free_page {
	struct free_page *next;
};

static struct extent extents[PMM_MAX_RANGES];
static int nextents;
static struct free_page *free_list;
static size_t free_list_pages;

#define PCP_MAX 32
#define PCP_BATCH 16

struct pcp {
	struct spinlock lock; /* taken by its core (never contended) and by a
			       * core short of memory that empties it */
	void *pages[PCP_MAX];
	int n;
};

static struct spinlock lock = SPINLOCK_INIT;
static struct pcp pcp[PMM_MAX_CPUS];
static size_t cached; /* pages in the per-core stacks; atomic: changed outside the lock too */
static size_t total_pages;

static uint64_t extent_end(const struct extent *e)
{
	return e->base + e->pages * PAGE_SIZE;
}

static size_t extent_pages(void)
{
	size_t n = 0;

	for (int i = 0; i < nextents; i++)
		n += (size_t)extents[i].pages;
	return n;
}

static void remove_at(int i)
{
	memmove(&extents[i], &extents[i + 1], (size_t)(nextents - i - 1) * sizeof(extents[0]));
	nextents--;
}

static bool insert_at(int i, uint64_t base, uint64_t pages)
{
	if (nextents == PMM_MAX_RANGES)
		return false;
	memmove(&extents[i + 1], &extents[i], (size_t)(nextents - i) * sizeof(extents[0]));
	extents[i].base = base;
	extents[i].pages = pages;
	nextents++;
	return true;
}

/* Insert [start, end), merging with every extent it overlaps or touches. */
static bool insert_merge(uint64_t start, uint64_t end)
{
	int i = 0;

	while (i < nextents && extent_end(&extents[i]) < start)
		i++;
	while (i < nextents && extents[i].base <= end) {
		if (extents[i].base < start)
			start = extents[i].base;
		if (extent_end(&extents[i]) > end)
			end = extent_end(&extents[i]);
		remove_at(i);
	}
	return insert_at(i, start, (end - start) / PAGE_SIZE);
}

void pmm_init(void)
{
	nextents = 0;
	free_list = NULL;
	free_list_pages = 0;
	total_pages = 0;
	for (int i = 0; i < PMM_MAX_CPUS; i++)
		pcp[i].n = 0;
	cached = 0;
}

static void add_range(uint64_t base, uint64_t len)
{
	uint64_t start, end, last = base + len;
	size_t before = extent_pages();

	if (last < base)
		last = UINT64_MAX;
	if (base > UINT64_MAX - (PAGE_SIZE - 1))
		return;
	start = (base + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	end = last & ~(PAGE_SIZE - 1);
	if (start < PAGE_SIZE)
		start = PAGE_SIZE;
	if (start >= end)
		return;
	if (!insert_merge(start, end))
		kprintf("pmm: more than %d ranges, dropping %#lx-%#lx\n", PMM_MAX_RANGES,
			(unsigned long)start, (unsigned long)end);
	total_pages += extent_pages() - before;
}

/* Cut [start, end) out of extent i; returns how many extents now follow it. */
static int cut_extent(int i, uint64_t start, uint64_t end)
{
	struct extent *e = &extents[i];
	uint64_t e_end = extent_end(e);

	if (start <= e->base && end >= e_end) {
		remove_at(i);
		return 0;
	}
	if (start <= e->base) {
		e->pages = (e_end - end) / PAGE_SIZE;
		e->base = end;
		return 1;
	}
	if (end >= e_end) {
		e->pages = (start - e->base) / PAGE_SIZE;
		return 1;
	}
	/* A hole in the middle: two extents, or the larger side when the table is full. */
	if (insert_at(i + 1, end, (e_end - end) / PAGE_SIZE)) {
		e->pages = (start - e->base) / PAGE_SIZE;
		return 2;
	}
	kprintf("pmm: more than %d ranges, dropping part of %#lx-%#lx\n", PMM_MAX_RANGES,
		(unsigned long)e->base, (unsigned long)e_end);
	if (start - e->base >= e_end - end) {
		e->pages = (start - e->base) / PAGE_SIZE;
	} else {
		e->pages = (e_end - end) / PAGE_SIZE;
		e->base = end;
	}
	return 1;
}

static void reserve_range(uint64_t base, uint64_t len)
{
	uint64_t start = base & ~(PAGE_SIZE - 1);
	uint64_t end = base + len;
	size_t before = extent_pages();

	if (end < base || end > UINT64_MAX - (PAGE_SIZE - 1))
		end = UINT64_MAX & ~(PAGE_SIZE - 1);
	else
		end = (end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	for (int i = 0; i < nextents;) {
		if (extent_end(&extents[i]) <= start || extents[i].base >= end)
			i++;
		else
			i += cut_extent(i, start, end);
	}
	total_pages -= before - extent_pages();
}

/* Take n pages from the front of the first extent that has them. */
static void *carve(size_t n)
{
	for (int i = 0; i < nextents; i++) {
		struct extent *e = &extents[i];

		if (e->pages >= n) {
			uint64_t base = e->base;

			e->base += n * PAGE_SIZE;
			e->pages -= n;
			if (e->pages == 0)
				remove_at(i);
			return (void *)(uintptr_t)base;
		}
	}
	return NULL;
}

static void *alloc_one(void)
{
	struct free_page *p = free_list;

	if (p != NULL) {
		free_list = p->next;
		free_list_pages--;
		return p;
	}
	return carve(1);
}

static void *alloc_contig(size_t n)
{
	if (n == 0)
		return NULL;
	if (n == 1)
		return alloc_one();
	return carve(n);
}

/*
 * Give [base, base + n pages) back to the extent it borders. With `insert`, a
 * run that borders none becomes an extent of its own if the table has room.
 * Freeing memory that is still free is a bug that would hand a page out twice.
 */
static bool give_back(uint64_t base, size_t n, bool insert)
{
	uint64_t end = base + n * PAGE_SIZE;
	int i = 0;

	while (i < nextents && extent_end(&extents[i]) < base)
		i++;
	for (int j = i; j < nextents && extents[j].base < end; j++) {
		if (extent_end(&extents[j]) > base)
			panic("pmm: freeing free memory at %#lx", (unsigned long)base);
	}
	if (i < nextents && (extent_end(&extents[i]) == base || extents[i].base == end))
		return insert_merge(base, end);
	return insert && insert_at(i, base, n);
}

static void check_page(void *page)
{
	if (((uintptr_t)page & (PAGE_SIZE - 1)) != 0)
		panic("pmm: freeing unaligned address %p", page);
}

static void free_one(void *page)
{
	struct free_page *p = page;

	if (page == NULL)
		return;
	check_page(page);
	/* A lone page may start an extent while half the table is free: pages
	 * freed next to it then merge and contiguous runs form again. */
	if (give_back((uintptr_t)page, 1, nextents < PMM_MAX_RANGES / 2))
		return;
	p->next = free_list;
	free_list = p;
	free_list_pages++;
}

static void free_contig(void *base, size_t n)
{
	if (base == NULL || n == 0)
		return;
	check_page(base);
	if (give_back((uintptr_t)base, n, true))
		return;
	for (size_t i = 0; i < n; i++)
		free_one((char *)base + i * PAGE_SIZE);
}

/*
 * The public functions: one lock around the extents and the free list, and in
 * front of it a small stack of pages per core, so most single-page
 * allocations and frees touch no shared state. A page freed on one core may
 * be handed out by another: pages have no owner.
 */

void pmm_add_range(uint64_t base, uint64_t len)
{
	spin_lock(&lock);
	add_range(base, len);
	spin_unlock(&lock);
}

void pmm_reserve_range(uint64_t base, uint64_t len)
{
	spin_lock(&lock);
	reserve_range(base, len);
	spin_unlock(&lock);
}

/* Out of memory in the shared pool: take what other cores hold. */
static void *steal(int self)
{
	for (int i = 0; i < PMM_MAX_CPUS; i++) {
		struct pcp *o = &pcp[i];
		if (i == self || __atomic_load_n(&o->n, __ATOMIC_RELAXED) == 0)
			continue;
		void *p = NULL;
		spin_lock(&o->lock);
		if (o->n > 0) {
			p = o->pages[--o->n];
			__atomic_sub_fetch(&cached, 1, __ATOMIC_RELAXED);
		}
		spin_unlock(&o->lock);
		if (p)
			return p;
	}
	return NULL;
}

void *pmm_alloc(void)
{
	int cpu = pmm_cpu();
	if (cpu < 0) {
		spin_lock(&lock);
		void *p = alloc_one();
		spin_unlock(&lock);
		return p;
	}
	struct pcp *c = &pcp[cpu];
	void *p = NULL;
	spin_lock(&c->lock);
	if (c->n == 0) {
		spin_lock(&lock);
		while (c->n < PCP_BATCH) {
			void *q = alloc_one();
			if (!q)
				break;
			c->pages[c->n++] = q;
			__atomic_add_fetch(&cached, 1, __ATOMIC_RELAXED);
		}
		spin_unlock(&lock);
	}
	if (c->n > 0) {
		p = c->pages[--c->n];
		__atomic_sub_fetch(&cached, 1, __ATOMIC_RELAXED);
	}
	spin_unlock(&c->lock);
	return p ? p : steal(cpu);
}

void *pmm_alloc_zero(void)
{
	void *p = pmm_alloc();

	if (p != NULL)
		memset(p, 0, PAGE_SIZE);
	return p;
}

void *pmm_alloc_contig(size_t n)
{
	if (n == 1)
		return pmm_alloc();
	spin_lock(&lock);
	void *p = alloc_contig(n);
	spin_unlock(&lock);
	return p;
}

void pmm_free(void *page)
{
	if (page == NULL)
		return;
	check_page(page);
	int cpu = pmm_cpu();
	if (cpu < 0) {
		spin_lock(&lock);
		free_one(page);
		spin_unlock(&lock);
		return;
	}
	struct pcp *c = &pcp[cpu];
	spin_lock(&c->lock);
	if (c->n == PCP_MAX) {
		spin_lock(&lock);
		while (c->n > PCP_MAX - PCP_BATCH) {
			free_one(c->pages[--c->n]);
			__atomic_sub_fetch(&cached, 1, __ATOMIC_RELAXED);
		}
		spin_unlock(&lock);
	}
	c->pages[c->n++] = page;
	__atomic_add_fetch(&cached, 1, __ATOMIC_RELAXED);
	spin_unlock(&c->lock);
}

void pmm_free_contig(void *base, size_t n)
{
	spin_lock(&lock);
	free_contig(base, n);
	spin_unlock(&lock);
}

size_t pmm_free_pages(void)
{
	return extent_pages() + free_list_pages + __atomic_load_n(&cached, __ATOMIC_RELAXED);
}

size_t pmm_total_pages(void)
{
	return total_pages;
}
