/* SPDX-License-Identifier: MIT */
/*
 * Physical page allocator (include/k/pmm.h). Memory not yet handed out is a
 * sorted array of extents, so init touches no page. Single pages come from a
 * free list threaded through freed pages, then from the front of the lowest
 * extent; contiguous runs are carved first-fit from the extents. A freed page
 * that borders an extent goes back into it (or starts one while the table has
 * room); other freed pages go on the list. When a contiguous request finds no
 * extent long enough, the list is sorted and merged with the extents into
 * maximal runs, the longest of which become the extents again (coalesce).
 * Page 0 is never handed out: its address is NULL.
 *
 * Accounting (the commit rules of docs/kernel.md, "Memory"): `avail` counts
 * the free pages nobody was promised. The kernel's own allocations take from
 * it and fail at 0; application memory is committed (promised) ahead, which
 * takes pages from `avail` without handing any out, and its pages are later
 * taken and given back against that promise without touching `avail`. So
 * pmm_free_pages() >= promised pages always: a committed page is always there.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>

#include <k/console.h>
#include <k/errno.h>
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
static size_t frees_since_coalesce; /* pages freed since the last coalesce */
static uint64_t longest_left_out; /* longest run the last coalesce left on the list */
static size_t failed_n; /* request the last coalesce could not meet, or 0 */

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
static long avail; /* free pages not promised to anyone; atomic */

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
	frees_since_coalesce = 0;
	longest_left_out = 0;
	failed_n = 0;
	total_pages = 0;
	for (int i = 0; i < PMM_MAX_CPUS; i++)
		pcp[i].n = 0;
	cached = 0;
	avail = 0;
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
	avail += (long)(extent_pages() - before);
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
	avail -= (long)(before - extent_pages());
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
	frees_since_coalesce++;
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
	if (give_back((uintptr_t)base, n, true)) {
		frees_since_coalesce += n;
		return;
	}
	for (size_t i = 0; i < n; i++)
		free_one((char *)base + i * PAGE_SIZE);
}

/*
 * Coalescing: the slow path of a contiguous request. The free list is sorted
 * by address (a merge sort of its ascending stretches: what was sorted by the
 * last coalesce stays one stretch, so the cost is mostly in the pages freed
 * since), then walked together with the extents. Every maximal run of free
 * pages becomes an extent, or if the table is full replaces its shortest
 * extent when longer; what is left (lone pages, short runs) is the new list,
 * in address order. Afterwards a request of n pages fails only if no n free
 * pages outside the per-core stacks are contiguous. Touches each list page
 * and, when an extent is pushed out of the table, that extent's pages.
 */

#define SORT_LEVELS 64

static struct free_page *sort_level[SORT_LEVELS];
static struct extent old_extents[PMM_MAX_RANGES];
static struct free_page **list_tail;
static int shortest = -1; /* index of the shortest extent while rebuilding, or -1 */

static void list_corrupt(const void *p)
{
	panic("pmm: free list corrupt or page freed twice at %p", p);
}

/* Merge two lists sorted by address; a page in both was freed twice. */
static struct free_page *merge_sorted(struct free_page *a, struct free_page *b)
{
	struct free_page head, *t = &head;

	while (a != NULL && b != NULL) {
		if (a == b)
			list_corrupt(a);
		if ((uintptr_t)a < (uintptr_t)b) {
			t->next = a;
			a = a->next;
		} else {
			t->next = b;
			b = b->next;
		}
		t = t->next;
	}
	t->next = a != NULL ? a : b;
	return head.next;
}

static void sort_free_list(void)
{
	struct free_page *p = free_list, *sorted = NULL;
	size_t seen = 0;

	while (p != NULL) {
		struct free_page *run = p, *q = p;
		int i;

		/* Cut the ascending stretch at p; the count catches a cycle. */
		seen++;
		while (q->next != NULL && (uintptr_t)q->next > (uintptr_t)q) {
			q = q->next;
			if (++seen > free_list_pages)
				list_corrupt(q);
		}
		if (seen > free_list_pages)
			list_corrupt(q);
		p = q->next;
		q->next = NULL;
		/* Level i holds 2^i stretches merged: a binary counter. */
		for (i = 0; i < SORT_LEVELS - 1 && sort_level[i] != NULL; i++) {
			run = merge_sorted(sort_level[i], run);
			sort_level[i] = NULL;
		}
		sort_level[i] = merge_sorted(sort_level[i], run);
	}
	for (int i = 0; i < SORT_LEVELS; i++) {
		sorted = merge_sorted(sort_level[i], sorted);
		sort_level[i] = NULL;
	}
	free_list = sorted;
}

/* Append [base, base + pages) to the list being rebuilt, page by page. */
static void list_append(uint64_t base, uint64_t pages)
{
	for (uint64_t k = 0; k < pages; k++) {
		struct free_page *p = (struct free_page *)(uintptr_t)(base + k * PAGE_SIZE);

		*list_tail = p;
		list_tail = &p->next;
	}
	free_list_pages += (size_t)pages;
}

/* A maximal free run, in address order: an extent, or onto the list. */
static void keep_run(uint64_t base, uint64_t pages)
{
	if (pages > 1 && nextents < PMM_MAX_RANGES) {
		extents[nextents].base = base;
		extents[nextents++].pages = pages;
		return;
	}
	if (pages > 1 && shortest < 0) {
		shortest = 0;
		for (int i = 1; i < nextents; i++)
			if (extents[i].pages < extents[shortest].pages)
				shortest = i;
	}
	if (pages == 1 || extents[shortest].pages >= pages) {
		list_append(base, pages);
		if (pages > longest_left_out)
			longest_left_out = pages;
		return;
	}
	list_append(extents[shortest].base, extents[shortest].pages);
	if (extents[shortest].pages > longest_left_out)
		longest_left_out = extents[shortest].pages;
	remove_at(shortest);
	shortest = -1;
	extents[nextents].base = base;
	extents[nextents++].pages = pages;
}

static void coalesce(void)
{
	int nold = nextents, i = 0;
	struct free_page *p;
	uint64_t start = 0, end = 0;

	sort_free_list();
	memcpy(old_extents, extents, (size_t)nold * sizeof(extents[0]));
	p = free_list;
	nextents = 0;
	free_list = NULL;
	free_list_pages = 0;
	list_tail = &free_list;
	shortest = -1;
	longest_left_out = 0;
	while (i < nold || p != NULL) {
		uint64_t b, e;

		if (p == NULL || (i < nold && old_extents[i].base < (uintptr_t)p)) {
			b = old_extents[i].base;
			e = extent_end(&old_extents[i]);
			i++;
		} else {
			b = (uintptr_t)p;
			e = b + PAGE_SIZE;
			p = p->next; /* read before the page is relinked */
		}
		if (b < end)
			panic("pmm: freeing free memory at %#lx", (unsigned long)b);
		if (b == end) {
			end = e;
			continue;
		}
		if (end != start)
			keep_run(start, (end - start) / PAGE_SIZE);
		start = b;
		end = e;
	}
	if (end != start)
		keep_run(start, (end - start) / PAGE_SIZE);
	*list_tail = NULL;
	frees_since_coalesce = 0;
}

/*
 * Whether coalescing could turn up a run of n pages: a run that long was left
 * on the list, or pages were freed since (or sit in the per-core stacks).
 * Coalescing walks the whole list, so after it failed to find n pages it is
 * not tried again for n or more until a sixteenth of the list has been freed
 * anew: on memory that really is fragmented, repeated large requests fail
 * fast instead of each walking it.
 */
static bool coalesce_may_help(size_t n)
{
	size_t pending = frees_since_coalesce + __atomic_load_n(&cached, __ATOMIC_RELAXED);

	if (longest_left_out >= n)
		return true;
	if (pending == 0)
		return false;
	return failed_n == 0 || n < failed_n || pending >= free_list_pages / 16;
}

/* Coalesce, then carve n pages; remembers a failure for coalesce_may_help. */
static void *coalesce_and_carve(size_t n)
{
	void *p;

	coalesce();
	p = alloc_contig(n);
	failed_n = p == NULL ? n : 0;
	return p;
}

/*
 * Self-check (pmm_check): the free memory is well formed and every free page
 * is counted once. Walks the whole list under every lock, so it is for tests
 * and the self-check component, not for hot paths. Each problem is one console
 * line; the walk of a list that is longer than its count (a cycle: a page
 * freed twice) stops there.
 */
static void *check_stacked[PMM_MAX_CPUS * PCP_MAX]; /* the per-core stacks, sorted */

static int check_bad(const char *what, uint64_t a)
{
	kprintf("toro: selfcheck: pmm: %s: %#lx\n", what, (unsigned long)a);
	return 1;
}

static bool in_extent(uint64_t a)
{
	int lo = 0, hi = nextents;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (extent_end(&extents[mid]) <= a)
			lo = mid + 1;
		else if (extents[mid].base > a)
			hi = mid;
		else
			return true;
	}
	return false;
}

static bool in_stacks(const void *p, size_t n)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if ((uintptr_t)check_stacked[mid] < (uintptr_t)p)
			lo = mid + 1;
		else if ((uintptr_t)check_stacked[mid] > (uintptr_t)p)
			hi = mid;
		else
			return true;
	}
	return false;
}

/* A free page off the extents: aligned, not page 0, in no extent, not in
 * [avoid, avoid_end). */
static int check_free_page(const void *p, uint64_t avoid, uint64_t avoid_end, const char *where)
{
	uint64_t a = (uintptr_t)p;

	if (a == 0 || (a & (PAGE_SIZE - 1)))
		return check_bad(where, a);
	if (in_extent(a))
		return check_bad("a page both in an extent and elsewhere", a);
	if (a >= avoid && a < avoid_end)
		return check_bad("a free page inside the kernel image", a);
	return 0;
}

static int check_extents(uint64_t avoid, uint64_t avoid_end)
{
	int bad = 0;

	for (int i = 0; i < nextents; i++) {
		const struct extent *e = &extents[i];

		if (e->base == 0 || (e->base & (PAGE_SIZE - 1)) || e->pages == 0 ||
		    e->pages > total_pages || extent_end(e) < e->base)
			bad += check_bad("a malformed extent", e->base);
		else if (i > 0 && extent_end(&extents[i - 1]) > e->base)
			bad += check_bad("extents overlapping or out of order", e->base);
		else if (e->base < avoid_end && extent_end(e) > avoid)
			bad += check_bad("an extent over the kernel image", e->base);
	}
	return bad;
}

/* The per-core stacks, gathered sorted into check_stacked: their count. */
static size_t gather_stacks(int *bad, uint64_t avoid, uint64_t avoid_end)
{
	size_t n = 0;

	for (int i = 0; i < PMM_MAX_CPUS; i++) {
		if (pcp[i].n < 0 || pcp[i].n > PCP_MAX) {
			*bad += check_bad("a per-core stack with a bad count", (uint64_t)i);
			continue;
		}
		for (int k = 0; k < pcp[i].n; k++) {
			void *p = pcp[i].pages[k];
			size_t j = n++;

			*bad += check_free_page(p, avoid, avoid_end, "a bad page in a per-core stack");
			for (; j > 0 && (uintptr_t)check_stacked[j - 1] > (uintptr_t)p; j--)
				check_stacked[j] = check_stacked[j - 1];
			check_stacked[j] = p;
		}
	}
	for (size_t j = 1; j < n; j++)
		if (check_stacked[j] == check_stacked[j - 1])
			*bad += check_bad("a page twice in the per-core stacks", (uintptr_t)check_stacked[j]);
	return n;
}

static int check_list(size_t nstacked, uint64_t avoid, uint64_t avoid_end)
{
	int bad = 0;
	size_t seen = 0;

	for (const struct free_page *p = free_list; p != NULL; p = p->next) {
		if (++seen > free_list_pages)
			return bad + check_bad("the free list is longer than its count "
					       "(a cycle: a page freed twice?)", (uintptr_t)p);
		bad += check_free_page(p, avoid, avoid_end, "a bad page on the free list");
		if (in_stacks(p, nstacked))
			bad += check_bad("a page both on the free list and in a per-core stack",
					 (uintptr_t)p);
		if (bad > 8)
			return bad;
	}
	if (seen != free_list_pages)
		bad += check_bad("the free list is shorter than its count", seen);
	return bad;
}

int pmm_check(uint64_t avoid, uint64_t avoid_len)
{
	uint64_t avoid_end = avoid + avoid_len;
	int bad = 0;
	size_t nstacked;

	/* The order pmm_free and drain_cores take them in: a core's stack, then the pool. */
	for (int i = 0; i < PMM_MAX_CPUS; i++)
		spin_lock(&pcp[i].lock);
	spin_lock(&lock);
	bad += check_extents(avoid, avoid_end);
	nstacked = gather_stacks(&bad, avoid, avoid_end);
	bad += check_list(nstacked, avoid, avoid_end);
	if (nstacked != __atomic_load_n(&cached, __ATOMIC_RELAXED))
		bad += check_bad("the per-core stacks hold other than their count of pages",
				 nstacked);
	if (extent_pages() + free_list_pages + nstacked > total_pages)
		bad += check_bad("more pages free than there are", total_pages);
	/* Pages nobody was promised are free pages: every promise can be kept. */
	long unpromised = __atomic_load_n(&avail, __ATOMIC_RELAXED);
	if (unpromised < 0 || (size_t)unpromised > extent_pages() + free_list_pages + nstacked)
		bad += check_bad("more pages unpromised than free (a promise cannot be kept)",
				 (uint64_t)unpromised);
	spin_unlock(&lock);
	for (int i = PMM_MAX_CPUS - 1; i >= 0; i--)
		spin_unlock(&pcp[i].lock);
	return bad;
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

/* One page from the calling core's stack, the pool, or another core's stack. */
static void *take_page(void)
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

static void drain_cores(void);

/*
 * A page the accounting says is there. One look can still miss it while
 * pages move between other cores' stacks (taken on one, freed on another
 * behind the search), so look again, with the stacks emptied into the pool.
 */
static void *take_counted_page(void)
{
	for (int tries = 0; tries < 64; tries++) {
		void *p = take_page();
		if (p)
			return p;
		drain_cores();
	}
	return NULL;
}

/* Take n pages from avail if at least floor are left after: false if not. */
static bool avail_take(size_t n, size_t floor)
{
	long have = __atomic_load_n(&avail, __ATOMIC_RELAXED);

	if (n > (size_t)LONG_MAX / 2 || floor > (size_t)LONG_MAX / 2)
		return false;
	do {
		if (have < (long)(n + floor))
			return false;
	} while (!__atomic_compare_exchange_n(&avail, &have, have - (long)n, true,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return true;
}

static void avail_give(size_t n)
{
	__atomic_add_fetch(&avail, (long)n, __ATOMIC_RELAXED);
}

void *pmm_alloc(void)
{
	if (!avail_take(1, 0))
		return NULL;
	void *p = take_counted_page();
	if (!p)
		avail_give(1);
	return p;
}

void *pmm_alloc_committed(void)
{
	void *p = take_counted_page();
	if (!p)
		panic("pmm: no page for a commitment (%zu free, %ld unpromised)",
		      pmm_free_pages(), __atomic_load_n(&avail, __ATOMIC_RELAXED));
	return p;
}

int pmm_commit(size_t n, size_t floor)
{
	return avail_take(n, floor) ? 0 : -ENOMEM;
}

void pmm_uncommit(size_t n)
{
	avail_give(n);
}

size_t pmm_avail_pages(void)
{
	long a = __atomic_load_n(&avail, __ATOMIC_RELAXED);
	return a > 0 ? (size_t)a : 0;
}

void *pmm_alloc_zero(void)
{
	void *p = pmm_alloc();

	if (p != NULL)
		memset(p, 0, PAGE_SIZE);
	return p;
}

/* Put every page the per-core stacks hold back into the shared pool. */
static void drain_cores(void)
{
	for (int i = 0; i < PMM_MAX_CPUS; i++) {
		struct pcp *c = &pcp[i];
		if (__atomic_load_n(&c->n, __ATOMIC_RELAXED) == 0)
			continue;
		spin_lock(&c->lock); /* the order pmm_free takes them in */
		spin_lock(&lock);
		while (c->n > 0) {
			free_one(c->pages[--c->n]);
			__atomic_sub_fetch(&cached, 1, __ATOMIC_RELAXED);
		}
		spin_unlock(&lock);
		spin_unlock(&c->lock);
	}
}

/*
 * First fit from the extents; failing that, if coalescing may help, empty the
 * per-core stacks into the pool (their pages may be what splits a run) and
 * coalesce.
 */
void *pmm_alloc_contig(size_t n)
{
	if (n == 1)
		return pmm_alloc();
	if (n == 0 || !avail_take(n, 0))
		return NULL;
	spin_lock(&lock);
	void *p = alloc_contig(n);
	bool again = p == NULL && coalesce_may_help(n);
	spin_unlock(&lock);
	if (again) {
		drain_cores();
		spin_lock(&lock);
		p = coalesce_and_carve(n);
		spin_unlock(&lock);
	}
	if (!p)
		avail_give(n);
	return p;
}

/* A page back to the calling core's stack (or the pool), uncounted. */
static void put_page(void *page)
{
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

void pmm_free(void *page)
{
	if (page == NULL)
		return;
	put_page(page);
	avail_give(1);
}

void pmm_free_committed(void *page)
{
	if (page != NULL)
		put_page(page);
}

void pmm_free_contig(void *base, size_t n)
{
	if (base == NULL || n == 0)
		return;
	spin_lock(&lock);
	free_contig(base, n);
	spin_unlock(&lock);
	avail_give(n);
}

size_t pmm_free_pages(void)
{
	return extent_pages() + free_list_pages + __atomic_load_n(&cached, __ATOMIC_RELAXED);
}

size_t pmm_total_pages(void)
{
	return total_pages;
}
