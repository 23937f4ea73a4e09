/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for kernel/uvm.c: VMAs, demand paging, brk, mmap, munmap,
 * mprotect, W^X and stack guards. The page tables are a fake vmm in this file
 * (a table of va -> pa, flags); physical pages come from the real pmm over an
 * aligned host arena, so pmm_free_pages() shows what uvm.c allocates and frees.
 */
#include <k/uvm.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <k/errno.h>
#include <k/pmm.h>
#include <k/vmm.h>

#define ARENA_PAGES 256
#define PG PAGE_SIZE
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

/* ---- fake vmm: one entry per mapped 4 KiB page ---- */

#define FAKE_PAGES 1024

struct fake_pte {
	uint64_t va, pa;
	unsigned flags;
	bool used;
};

static struct fake_pte ptes[FAKE_PAGES];
static unsigned nprotect, last_protect_flags;
static bool fail_map;

static struct fake_pte *pte_of(uint64_t va)
{
	va &= ~(PG - 1);
	for (int i = 0; i < FAKE_PAGES; i++)
		if (ptes[i].used && ptes[i].va == va)
			return &ptes[i];
	return NULL;
}

int vmm_map(uint64_t va, uint64_t pa, unsigned flags)
{
	struct fake_pte *e = pte_of(va);

	assert_int_equal(va % PG, 0);
	assert_int_equal(pa % PG, 0);
	assert_true(va >= USER_WIN_BASE && va < USER_WIN_END);
	if (fail_map)
		return -ENOMEM;
	for (int i = 0; !e && i < FAKE_PAGES; i++)
		if (!ptes[i].used)
			e = &ptes[i];
	assert_non_null(e);
	*e = (struct fake_pte){ va, pa, flags, true };
	return 0;
}

uint64_t vmm_unmap(uint64_t va)
{
	struct fake_pte *e = pte_of(va);

	if (!e)
		return 0;
	e->used = false;
	return e->pa;
}

int vmm_protect(uint64_t va, unsigned flags)
{
	struct fake_pte *e = pte_of(va);

	nprotect++;
	last_protect_flags = flags;
	if (!e)
		return -EFAULT;
	e->flags = flags;
	return 0;
}

bool vmm_lookup(uint64_t va, uint64_t *pa, unsigned *flags)
{
	struct fake_pte *e = pte_of(va);

	if (!e)
		return false;
	if (pa)
		*pa = e->pa | (va & (PG - 1));
	if (flags)
		*flags = e->flags;
	return true;
}

uint64_t vmm_next_mapped(uint64_t va, uint64_t end)
{
	uint64_t best = end;

	va &= ~(PG - 1);
	for (int i = 0; i < FAKE_PAGES; i++)
		if (ptes[i].used && ptes[i].va >= va && ptes[i].va < best)
			best = ptes[i].va;
	return best;
}

/* Page tables: off, none are ever missing; with fake_tables, each 2 MiB
 * block needs one page, taken from the pmm when prepared (as paging.c does). */
#define BLOCK 0x200000ull
#define FAKE_BLOCKS 64
static bool fake_tables;
static uint64_t blocks[FAKE_BLOCKS];
static void *block_pages[FAKE_BLOCKS];
static int nblocks;

static bool block_ready(uint64_t b)
{
	for (int i = 0; i < nblocks; i++)
		if (blocks[i] == b)
			return true;
	return false;
}

size_t vmm_tables_missing(uint64_t va, uint64_t end)
{
	size_t n = 0;

	for (uint64_t b = va & ~(BLOCK - 1); fake_tables && b < end; b += BLOCK)
		n += !block_ready(b);
	return n;
}

int vmm_prepare(uint64_t va, uint64_t end)
{
	for (uint64_t b = va & ~(BLOCK - 1); fake_tables && b < end; b += BLOCK) {
		if (block_ready(b))
			continue;
		assert_true(nblocks < FAKE_BLOCKS);
		void *p = pmm_alloc();
		if (!p)
			return -ENOMEM;
		block_pages[nblocks] = p;
		blocks[nblocks++] = b;
	}
	return 0;
}

/* The user-window half of arch/x86_64/paging.c's check (no image here). */
bool vmm_user_range_ok(uint64_t p, uint64_t n)
{
	uint64_t end = p + n;

	return end >= p && p >= USER_WIN_BASE && end <= USER_WIN_END;
}

static int fake_mapped(void)
{
	int n = 0;

	for (int i = 0; i < FAKE_PAGES; i++)
		n += ptes[i].used;
	return n;
}

/* The host pointer to the page backing va (it must be mapped). */
static uint8_t *page_at(uint64_t va)
{
	uint64_t pa;

	assert_true(vmm_lookup(va, &pa, NULL));
	return (uint8_t *)(uintptr_t)pa;
}

static unsigned flags_at(uint64_t va)
{
	unsigned f = 0;

	assert_true(vmm_lookup(va, NULL, &f));
	return f;
}

/* ---- fixture ---- */

static uint8_t *arena;
static size_t free0; /* pmm_free_pages() after setup */

static int setup(void **state)
{
	arena = aligned_alloc(PG, ARENA_PAGES * PG);
	if (!arena)
		return -1;
	memset(arena, 0x5a, ARENA_PAGES * PG); /* so zeroing shows */
	pmm_init();
	pmm_add_range((uintptr_t)arena, ARENA_PAGES * PG);
	free0 = pmm_free_pages();
	memset(ptes, 0, sizeof(ptes));
	nprotect = last_protect_flags = 0;
	fail_map = false;
	fake_tables = false;
	nblocks = 0;
	uvm_init();
	return 0;
}

static int teardown(void **state)
{
	free(arena);
	return 0;
}

/* What promises leave the kernel here: 256 pages / 32 is under the minimum. */
#define RESERVE UVM_RESERVE_MIN

static uint64_t map_anon(uint64_t len, int prot)
{
	long r = uvm_mmap(0, len, prot, ANON, -1, 0);

	assert_true(r > 0);
	return (uint64_t)r;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* ---- tests ---- */

static void test_mmap_ranges(void **state)
{
	uint64_t a = map_anon(3 * PG + 1, RW);
	uint64_t b = map_anon(PG, PROT_READ);
	uint64_t c = map_anon(16 * PG, RW);

	for (int i = 0; i < 3; i++) {
		uint64_t x = i == 0 ? a : i == 1 ? b : c;
		assert_int_equal(x % PG, 0);
		assert_true(x >= USER_WIN_BASE && x < USER_WIN_END);
	}
	/* disjoint: a is 4 pages, b 1, c 16 */
	assert_true(a + 4 * PG <= b || b + PG <= a);
	assert_true(a + 4 * PG <= c || c + 16 * PG <= a);
	assert_true(b + PG <= c || c + 16 * PG <= b);
	/* nothing is allocated until touched */
	assert_int_equal(pmm_free_pages(), free0);
	assert_int_equal(uvm_resident_pages(), 0);
	assert_int_equal(fake_mapped(), 0);
	/* the 4th page of a (from the rounded-up byte) is part of it */
	assert_int_equal(uvm_fault(a + 3 * PG + 100, true, false), 0);
}

static void test_fault_maps_zeroed_page(void **state)
{
	uint64_t a = map_anon(4 * PG, RW);

	assert_int_equal(uvm_fault(a + PG + 123, true, false), 0);
	assert_int_equal(pmm_free_pages(), free0 - 1);
	assert_int_equal(uvm_resident_pages(), 1);
	assert_int_equal(fake_mapped(), 1);
	assert_true(all_zero(page_at(a + PG), PG));
	assert_int_equal(flags_at(a + PG), VMM_U | VMM_W);
	/* present already and the access allowed: another core mapped it in
	 * the meantime; retried (0) without mapping a second page */
	assert_int_equal(uvm_fault(a + PG, false, false), 0);
	assert_int_equal(uvm_fault(a + PG + 7, true, false), 0);
	assert_int_equal(pmm_free_pages(), free0 - 1);
	assert_int_equal(uvm_resident_pages(), 1);
	/* execute in a non-executable mapping */
	assert_int_equal(uvm_fault(a, false, true), -EFAULT);
	/* outside any mapping */
	assert_int_equal(uvm_fault(a + 4 * PG, false, false), -EFAULT);
	assert_int_equal(uvm_fault(a - 1, false, false), -EFAULT);
	assert_int_equal(uvm_fault(0, false, false), -EFAULT);
	assert_int_equal(uvm_fault(~0ull, true, false), -EFAULT);
	assert_int_equal(uvm_resident_pages(), 1);
}

static void test_readonly_and_exec(void **state)
{
	uint64_t r = map_anon(PG, PROT_READ);
	uint64_t x = map_anon(PG, PROT_READ | PROT_EXEC);

	assert_int_equal(uvm_fault(r, true, false), -EFAULT);
	assert_int_equal(fake_mapped(), 0);
	assert_int_equal(uvm_fault(r, false, false), 0);
	assert_int_equal(flags_at(r), VMM_U);
	assert_int_equal(uvm_fault(x + 8, false, true), 0);
	assert_int_equal(flags_at(x), VMM_U | VMM_X);
}

/* Kernel allocations cannot take promised pages: a promised page is there
 * even when pmm_alloc says there is nothing left. */
static void test_promised_pages_are_there(void **state)
{
	uint64_t a = map_anon(2 * PG, RW);
	void *pages[ARENA_PAGES + 1];
	size_t n = 0;

	assert_int_equal(uvm_free_pages(), ARENA_PAGES - RESERVE - 2);
	while ((pages[n] = pmm_alloc()) != NULL)
		n++;
	assert_int_equal(n, ARENA_PAGES - 2);   /* all but the promised two */
	assert_int_equal(uvm_free_pages(), 0);
	assert_int_equal(uvm_mmap(0, PG, RW, ANON, -1, 0), -ENOMEM);
	assert_int_equal(uvm_fault(a, true, false), 0);
	assert_int_equal(uvm_fault(a + PG, true, false), 0);
	assert_int_equal(pmm_free_pages(), 0);
	/* the page table refuses (it cannot for promised memory, whose tables
	 * are made ahead; the fake can): the page goes back to its promise */
	assert_int_equal(uvm_munmap(a + PG, PG), 0);
	assert_int_equal(pmm_free_pages(), 1);
	while (n > 0)
		pmm_free(pages[--n]);
	a = map_anon(PG, RW);
	fail_map = true;
	assert_int_equal(uvm_fault(a, true, false), -EFAULT);
	assert_int_equal(fake_mapped(), 1);
	fail_map = false;
	assert_int_equal(uvm_fault(a, true, false), 0);
	assert_int_equal(uvm_free_pages(), ARENA_PAGES - RESERVE - 2);
}

/* A request beyond what can be promised fails at once, changing nothing; up
 * to it, every page can be touched; munmap gives it all back. */
static void test_commit_limit(void **state)
{
	size_t can = uvm_free_pages();
	struct uvm_stats st;

	assert_int_equal(can, ARENA_PAGES - RESERVE);
	assert_int_equal(uvm_mmap(0, (can + 1) * PG, RW, ANON, -1, 0), -ENOMEM);
	uvm_stats(&st);
	assert_int_equal(st.committed, 0);
	assert_int_equal(st.vmas, 0);
	uint64_t a = map_anon(can * PG, RW);
	assert_int_equal(uvm_free_pages(), 0);
	assert_int_equal(uvm_mmap(0, PG, PROT_READ, ANON, -1, 0), -ENOMEM);
	assert_int_equal(uvm_brk((uint64_t)uvm_brk(0) + 1), uvm_brk(0));
	assert_int_equal(uvm_alloc_stack(PG), 0);
	for (size_t i = 0; i < can; i++)
		assert_int_equal(uvm_fault(a + i * PG, true, false), 0);
	assert_int_equal(pmm_free_pages(), free0 - can);
	/* the kernel still has its reserve */
	void *k = pmm_alloc();
	assert_non_null(k);
	pmm_free(k);
	uvm_stats(&st);
	assert_int_equal(st.committed, can);
	assert_int_equal(st.resident, can);
	assert_int_equal(st.reserve, RESERVE);
	assert_int_equal(uvm_munmap(a, can * PG), 0);
	assert_int_equal(pmm_free_pages(), free0);
	assert_int_equal(pmm_avail_pages(), free0);
	assert_int_equal(uvm_free_pages(), can);
	uvm_stats(&st);
	assert_int_equal(st.committed, 0);
}

/* PROT_NONE is address space only; mprotect promises what it opens (ENOMEM
 * when it cannot), and closing keeps the promise with the contents. */
static void test_prot_none_promises_nothing(void **state)
{
	size_t can = uvm_free_pages();
	uint64_t len = 1ull << 30;
	uint64_t a = map_anon(len, 0);

	assert_int_equal(uvm_free_pages(), can);
	assert_int_equal(uvm_mprotect(a, len, RW), -ENOMEM);
	assert_int_equal(uvm_fault(a, false, false), -EFAULT);   /* still closed */
	assert_int_equal(uvm_mprotect(a + PG, 4 * PG, RW), 0);
	assert_int_equal(uvm_free_pages(), can - 4);
	assert_int_equal(uvm_fault(a + PG, true, false), 0);
	/* opening it again, and a wider range around it, promises only the rest */
	assert_int_equal(uvm_mprotect(a, 6 * PG, RW), 0);
	assert_int_equal(uvm_free_pages(), can - 6);
	assert_int_equal(uvm_mprotect(a, 6 * PG, 0), 0);
	assert_int_equal(uvm_free_pages(), can - 6);
	assert_int_equal(uvm_fault(a + PG, false, false), -EFAULT);
	assert_int_equal(uvm_munmap(a + 2 * PG, len - 2 * PG), 0);
	assert_int_equal(uvm_free_pages(), can - 2);
	assert_int_equal(uvm_munmap(a, 2 * PG), 0);
	assert_int_equal(uvm_free_pages(), can);
	assert_int_equal(pmm_free_pages(), free0);
}

/* MAP_NORESERVE: pages on touch while the kernel's reserve stays whole, then
 * a fault the program gets as SIGSEGV. */
static void test_noreserve(void **state)
{
	uint64_t len = 4 * ARENA_PAGES * PG;
	long r = uvm_mmap(0, len, RW, ANON | MAP_NORESERVE, -1, 0);
	size_t n = 0;

	assert_true(r > 0);
	uint64_t a = (uint64_t)r;
	assert_int_equal(uvm_free_pages(), ARENA_PAGES - RESERVE);
	while (uvm_fault(a + n * PG, true, false) == 0)
		n++;
	assert_int_equal(n, ARENA_PAGES - RESERVE);
	assert_int_equal(uvm_free_pages(), 0);
	assert_int_equal(pmm_avail_pages(), RESERVE);
	/* promised memory is refused meanwhile */
	assert_int_equal(uvm_mmap(0, PG, RW, ANON, -1, 0), -ENOMEM);
	/* DONTNEED on unpromised pages gives them back for anyone */
	assert_int_equal(uvm_discard(a, 8 * PG), 0);
	assert_int_equal(uvm_free_pages(), 8);
	assert_int_equal(uvm_munmap(a, len), 0);
	assert_int_equal(pmm_free_pages(), free0);
	assert_int_equal(uvm_free_pages(), ARENA_PAGES - RESERVE);
}

/* MADV_DONTNEED frees the pages and keeps the promise: touched again, they
 * are there even if the kernel took every unpromised page meanwhile. */
static void test_discard_keeps_promise(void **state)
{
	uint64_t a = map_anon(4 * PG, RW);
	void *pages[ARENA_PAGES + 1];
	size_t n = 0;

	for (int i = 0; i < 4; i++)
		assert_int_equal(uvm_fault(a + i * PG, true, false), 0);
	page_at(a)[0] = 1;
	size_t can = uvm_free_pages();
	assert_int_equal(uvm_discard(a, 4 * PG), 0);
	assert_int_equal(pmm_free_pages(), free0);
	assert_int_equal(uvm_free_pages(), can);
	while ((pages[n] = pmm_alloc()) != NULL)
		n++;
	for (int i = 0; i < 4; i++)
		assert_int_equal(uvm_fault(a + i * PG, true, false), 0);
	assert_int_equal(page_at(a)[0], 0);
	while (n > 0)
		pmm_free(pages[--n]);
}

/* The main stack promises its top UVM_STACK_COMMIT bytes; below, touches
 * grow the promise while memory lasts, then fault. */
static void test_stack_promise_grows(void **state)
{
	uint64_t size = 128 * PG;   /* 512 KiB */
	size_t can = uvm_free_pages(), first = UVM_STACK_COMMIT / PG, step = UVM_STACK_STEP / PG;
	uint64_t top = uvm_alloc_stack(size);

	assert_int_not_equal(top, 0);
	assert_int_equal(uvm_free_pages(), can - first);
	assert_int_equal(uvm_fault(top - first * PG, true, false), 0);
	assert_int_equal(uvm_free_pages(), can - first);
	/* a step goes down to a 64 KiB boundary: 1 to `step` pages here */
	assert_int_equal(uvm_fault(top - first * PG - 1, true, false), 0);
	assert_true(uvm_free_pages() <= can - first - 1);
	assert_true(uvm_free_pages() >= can - first - step);
	struct uvm_stats st;
	uvm_stats(&st);
	uint64_t low = top - st.committed * PG;
	assert_int_equal(low % UVM_STACK_STEP, 0);
	/* take what is left but 3 pages: the next step does not fit, pages do */
	size_t left = uvm_free_pages();
	uint64_t hog = map_anon((left - 3) * PG, RW);
	assert_int_equal(uvm_fault(low - 1, true, false), 0);
	assert_int_equal(uvm_free_pages(), 2);
	assert_int_equal(uvm_fault(low - 3 * PG, true, false), 0);
	assert_int_equal(uvm_free_pages(), 0);
	assert_int_equal(uvm_fault(low - 4 * PG, true, false), -EFAULT);
	/* memory back: the stack grows on */
	assert_int_equal(uvm_munmap(hog, (left - 3) * PG), 0);
	assert_int_equal(uvm_fault(low - 4 * PG, true, false), 0);
	assert_int_equal(uvm_fault(top - size, true, false), 0);
	assert_int_equal(uvm_fault(top - size - 1, true, false), -EFAULT); /* the guard */
}

/* Page-table pages are made when memory is promised, from the kernel's
 * pages, so faults never need them; a promise they do not fit beside fails. */
static void test_tables_made_ahead(void **state)
{
	fake_tables = true;
	size_t can = uvm_free_pages();
	uint64_t a = map_anon(4 * PG, RW);       /* one 2 MiB block */
	assert_int_equal(nblocks, 1);
	assert_int_equal(pmm_free_pages(), free0 - 1);
	assert_int_equal(uvm_free_pages(), can - 4 - 1);
	for (int i = 0; i < 4; i++)
		assert_int_equal(uvm_fault(a + i * PG, true, false), 0);
	assert_int_equal(nblocks, 1);
	/* in a new block, a mapping of all that is left has no room for its table */
	uint64_t far = a + 8 * BLOCK;
	assert_int_equal(uvm_mmap(far, uvm_free_pages() * PG, RW, ANON | MAP_FIXED, -1, 0),
			 -ENOMEM);
	assert_int_equal(nblocks, 1);
	assert_int_equal(uvm_mmap(far, (uvm_free_pages() - 1) * PG, RW, ANON | MAP_FIXED, -1, 0),
			 (long)far);
	assert_int_equal(nblocks, 2);
	assert_int_equal(uvm_free_pages(), 0);
	assert_int_equal(uvm_munmap(a, 4 * PG), 0);
	assert_int_equal(uvm_munmap(far, 8 * BLOCK), 0);
	assert_int_equal(pmm_free_pages(), free0 - 2); /* tables stay */
	for (int i = 0; i < nblocks; i++)
		pmm_free(block_pages[i]);
}

/*
 * Random mmap (MAP_FIXED, any protection, sometimes MAP_NORESERVE), munmap,
 * mprotect, MADV_DONTNEED and faults over a window of 64 pages, against a
 * model of each page: every call's result is the model's, every write to a
 * promised read-write page succeeds, and after every call the counts agree:
 * promised pages, pages in use, and the free pages nobody was promised.
 */
#define MODEL_PAGES 64

struct mpage {
	bool mapped, promised, resident, noreserve;
	int prot;
};

static struct mpage model[MODEL_PAGES];
static size_t model_other; /* pages promised outside the window (never touched) */

static size_t model_count(int what)
{
	size_t n = 0;
	for (int i = 0; i < MODEL_PAGES; i++)
		n += what == 0 ? model[i].promised : what == 1 ? model[i].resident
		     : model[i].resident && !model[i].promised;
	return n;
}

static void model_check(void)
{
	struct uvm_stats st;
	uvm_stats(&st);
	assert_int_equal(st.committed, model_other + model_count(0));
	assert_int_equal(st.resident, model_count(1));
	assert_int_equal(pmm_free_pages(), free0 - model_count(1));
	assert_int_equal(pmm_avail_pages(), free0 - model_other - model_count(0) - model_count(2));
}

static void random_op(uint64_t base, unsigned r)
{
	int lo = (int)(r % MODEL_PAGES), n = 1 + (int)((r >> 8) % 24);
	if (lo + n > MODEL_PAGES)
		n = MODEL_PAGES - lo;
	uint64_t a = base + (uint64_t)lo * PG;
	static const int prots[] = { 0, PROT_READ, RW, RW, RW };
	int prot = prots[(r >> 16) % 5];
	size_t promised_in = 0, unpromised_in = 0;
	bool all_mapped = true;
	for (int i = lo; i < lo + n; i++) {
		promised_in += model[i].promised;
		unpromised_in += model[i].mapped && !model[i].promised && !model[i].noreserve;
		all_mapped &= model[i].mapped;
	}
	size_t can = pmm_avail_pages() - RESERVE;
	switch ((r >> 20) % 5) {
	case 0: { /* mmap MAP_FIXED */
		bool nores = (r >> 24) % 4 == 0, promise = prot && !nores;
		size_t need = promise ? (size_t)n : 0;
		long want = need > promised_in && need - promised_in > can ? -ENOMEM : (long)a;
		assert_int_equal(uvm_mmap(a, (uint64_t)n * PG, prot,
					  ANON | MAP_FIXED | (nores ? MAP_NORESERVE : 0), -1, 0), want);
		for (int i = lo; want > 0 && i < lo + n; i++)
			model[i] = (struct mpage){ true, promise, false, nores, prot };
		break;
	}
	case 1: /* munmap */
		assert_int_equal(uvm_munmap(a, (uint64_t)n * PG), 0);
		for (int i = lo; i < lo + n; i++)
			model[i] = (struct mpage){ 0 };
		break;
	case 2: { /* mprotect */
		long want = !all_mapped ? -ENOMEM : prot && unpromised_in > can ? -ENOMEM : 0;
		assert_int_equal(uvm_mprotect(a, (uint64_t)n * PG, prot), want);
		for (int i = lo; want == 0 && i < lo + n; i++) {
			model[i].prot = prot;
			if (prot && !model[i].noreserve)
				model[i].promised = true;
		}
		break;
	}
	case 3: /* MADV_DONTNEED */
		assert_int_equal(uvm_discard(a, (uint64_t)n * PG), all_mapped ? 0 : -ENOMEM);
		for (int i = lo; all_mapped && i < lo + n; i++)
			model[i].resident = false;
		break;
	default: /* writes */
		for (int i = lo; i < lo + n; i++) {
			struct mpage *m = &model[i];
			bool ok = m->mapped && m->prot == RW &&
				  (m->resident || m->promised || pmm_avail_pages() > RESERVE);
			assert_int_equal(uvm_fault(base + (uint64_t)i * PG, true, false),
					 ok ? 0 : -EFAULT);
			if (ok)
				m->resident = true;
		}
	}
	model_check();
}

static void test_random_against_model(void **state)
{
	uint64_t base = map_anon(MODEL_PAGES * PG, 0); /* the window, PROT_NONE */
	unsigned seed = 12345;

	for (int i = 0; i < MODEL_PAGES; i++)
		model[i] = (struct mpage){ .mapped = true };
	/* another mapping takes most of what can be promised: limits are hit */
	model_other = ARENA_PAGES - RESERVE - 40;
	uint64_t hog = map_anon(model_other * PG, RW);
	for (int step = 0; step < 20000; step++) {
		seed = seed * 1103515245 + 12345;
		random_op(base, seed >> 4);
		if (step % 1000 == 0) { /* the self-check agrees at every shape */
			assert_int_equal(uvm_check(NULL), 0);
			assert_int_equal(pmm_check(0, 0), 0);
		}
	}
	assert_int_equal(uvm_munmap(base, MODEL_PAGES * PG), 0);
	assert_int_equal(uvm_munmap(hog, model_other * PG), 0);
	assert_int_equal(pmm_avail_pages(), free0);
	assert_int_equal(pmm_free_pages(), free0);
}

/* mprotect page by page over a PROT_NONE region (musl's allocator grows its
 * metadata so) leaves one VMA, not one per call. */
static void test_mprotect_merges(void **state)
{
	uint64_t a = map_anon(64 * PG, 0);
	struct uvm_stats st;

	for (int i = 0; i < 64; i++)
		assert_int_equal(uvm_mprotect(a + i * PG, PG, RW), 0);
	uvm_stats(&st);
	assert_int_equal(st.vmas, 1);
	assert_int_equal(st.committed, 64);
	/* neighbours differing in protection or promise stay apart */
	assert_int_equal(uvm_mprotect(a + 10 * PG, PG, PROT_READ), 0);
	uvm_stats(&st);
	assert_int_equal(st.vmas, 3);
	assert_int_equal(uvm_mprotect(a + 10 * PG, PG, RW), 0);
	uvm_stats(&st);
	assert_int_equal(st.vmas, 1);
	long b = uvm_mmap(a + 64 * PG, PG, RW, ANON | MAP_FIXED | MAP_NORESERVE, -1, 0);
	assert_int_equal(b, (long)(a + 64 * PG));
	uvm_stats(&st);
	assert_int_equal(st.vmas, 2);
}

static void test_munmap_frees(void **state)
{
	uint64_t a = map_anon(4 * PG, RW);

	for (int i = 0; i < 4; i++)
		assert_int_equal(uvm_fault(a + i * PG, true, false), 0);
	assert_int_equal(pmm_free_pages(), free0 - 4);
	assert_int_equal(uvm_resident_pages(), 4);
	assert_int_equal(uvm_munmap(a, 4 * PG), 0);
	assert_int_equal(pmm_free_pages(), free0);
	assert_int_equal(uvm_resident_pages(), 0);
	assert_int_equal(fake_mapped(), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(uvm_fault(a + i * PG, false, false), -EFAULT);
	/* unmapping nothing is fine */
	assert_int_equal(uvm_munmap(a, 4 * PG), 0);
	assert_int_equal(pmm_free_pages(), free0);
}

static void test_munmap_partial(void **state)
{
	uint64_t a = map_anon(6 * PG, RW);

	assert_int_equal(uvm_fault(a, true, false), 0);
	assert_int_equal(uvm_fault(a + 2 * PG, true, false), 0);
	page_at(a)[0] = 0x11;
	/* a hole in the middle splits the mapping in two */
	assert_int_equal(uvm_munmap(a + 2 * PG, 2 * PG), 0);
	assert_int_equal(pmm_free_pages(), free0 - 1);
	assert_int_equal(uvm_fault(a + 2 * PG, true, false), -EFAULT);
	assert_int_equal(uvm_fault(a + 3 * PG + 5, true, false), -EFAULT);
	assert_int_equal(uvm_fault(a + PG, true, false), 0);
	assert_int_equal(uvm_fault(a + 4 * PG, true, false), 0);
	assert_int_equal(uvm_fault(a + 5 * PG, true, false), 0);
	assert_int_equal(page_at(a)[0], 0x11);
	/* trim the head and the tail */
	assert_int_equal(uvm_munmap(a, PG), 0);
	assert_int_equal(uvm_munmap(a + 5 * PG, PG), 0);
	assert_int_equal(uvm_fault(a, false, false), -EFAULT);
	assert_int_equal(uvm_fault(a + 5 * PG, false, false), -EFAULT);
	assert_int_equal(uvm_resident_pages(), 2);
	/* one call across the gap removes the rest */
	assert_int_equal(uvm_munmap(a, 6 * PG), 0);
	assert_int_equal(pmm_free_pages(), free0);
	assert_int_equal(uvm_resident_pages(), 0);
	/* the hole is reusable */
	assert_int_equal(uvm_mmap(a + 2 * PG, PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0),
			 (long)(a + 2 * PG));
}

static void test_mprotect_none_and_back(void **state)
{
	uint64_t a = map_anon(2 * PG, RW);

	assert_int_equal(uvm_fault(a, true, false), 0);
	uint8_t *p = page_at(a);
	p[10] = 0x42;
	assert_int_equal(uvm_mprotect(a, PG, 0), 0);
	assert_true(nprotect >= 1);
	assert_int_equal(last_protect_flags, 0);
	assert_int_equal(flags_at(a) & VMM_U, 0);  /* no user access */
	assert_ptr_equal(page_at(a), p);           /* same page, kept */
	assert_int_equal(pmm_free_pages(), free0 - 1);
	assert_int_equal(uvm_fault(a, false, false), -EFAULT);
	assert_int_equal(uvm_fault(a + 1, true, false), -EFAULT);
	/* the other page keeps its protection */
	assert_int_equal(uvm_fault(a + PG, true, false), 0);
	assert_int_equal(flags_at(a + PG), VMM_U | VMM_W);
	/* back to read-write: same page, same contents */
	assert_int_equal(uvm_mprotect(a, PG, RW), 0);
	assert_int_equal(flags_at(a), VMM_U | VMM_W);
	assert_ptr_equal(page_at(a), p);
	assert_int_equal(p[10], 0x42);
	assert_int_equal(pmm_free_pages(), free0 - 2);
	/* read-only: write faults, read-only flags on the present page */
	assert_int_equal(uvm_mprotect(a, 2 * PG, PROT_READ), 0);
	assert_int_equal(flags_at(a), VMM_U);
	assert_int_equal(flags_at(a + PG), VMM_U);
	/* an unmapped page in the range: -ENOMEM, nothing changed */
	assert_int_equal(uvm_mprotect(a, 3 * PG, RW), -ENOMEM);
	assert_int_equal(flags_at(a), VMM_U);
	/* zero length is a no-op */
	assert_int_equal(uvm_mprotect(a, 0, RW), 0);
	assert_int_equal(flags_at(a), VMM_U);
	/* below the window, not user memory */
	assert_int_equal(uvm_mprotect(0x200000, PG, PROT_READ), -ENOMEM);
}

static void test_wx_refused(void **state)
{
	uint64_t a = map_anon(PG, RW);

	assert_int_equal(uvm_mmap(0, PG, PROT_WRITE | PROT_EXEC, ANON, -1, 0), -EACCES);
	assert_int_equal(uvm_mmap(0, PG, RW | PROT_EXEC, ANON, -1, 0), -EACCES);
	assert_int_equal(uvm_mprotect(a, PG, RW | PROT_EXEC), -EACCES);
	assert_int_equal(uvm_mprotect(a, PG, PROT_WRITE | PROT_EXEC), -EACCES);
	/* RW -> RX is allowed: W^X is per moment, not per lifetime */
	assert_int_equal(uvm_fault(a, true, false), 0);
	assert_int_equal(uvm_mprotect(a, PG, PROT_READ | PROT_EXEC), 0);
	assert_int_equal(flags_at(a), VMM_U | VMM_X);
	assert_int_equal(uvm_fault(a, true, false), -EFAULT);
}

static void test_map_fixed_replaces(void **state)
{
	uint64_t pad = map_anon(PG, RW); /* so that a - PG is in the mmap area */
	uint64_t a = map_anon(4 * PG, RW);

	assert_true(a > pad);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(uvm_fault(a + i * PG, true, false), 0);
		page_at(a + i * PG)[0] = 0x77;
	}
	assert_int_equal(uvm_mmap(a + PG, 2 * PG, PROT_READ, ANON | MAP_FIXED, -1, 0),
			 (long)(a + PG));
	assert_int_equal(pmm_free_pages(), free0 - 2); /* the replaced pages freed */
	assert_int_equal(uvm_resident_pages(), 2);
	assert_false(vmm_lookup(a + PG, NULL, NULL));
	assert_int_equal(uvm_fault(a + PG, true, false), -EFAULT); /* now read-only */
	assert_int_equal(uvm_fault(a + PG, false, false), 0);
	assert_true(all_zero(page_at(a + PG), PG));                /* fresh page */
	assert_int_equal(page_at(a)[0], 0x77);
	assert_int_equal(page_at(a + 3 * PG)[0], 0x77);
	/* MAP_FIXED into free space far from everything */
	uint64_t far = a + 4096 * PG;
	assert_int_equal(uvm_mmap(far, PG, RW, ANON | MAP_FIXED, -1, 0), (long)far);
	assert_int_equal(uvm_fault(far, true, false), 0);
	/* and over all of the first mapping plus its neighbourhood */
	assert_int_equal(uvm_mmap(a - PG, 6 * PG, RW, ANON | MAP_FIXED, -1, 0), (long)(a - PG));
	assert_int_equal(uvm_resident_pages(), 1);
	assert_int_equal(pmm_free_pages(), free0 - 1);
}

static void test_map_fixed_noreplace(void **state)
{
	uint64_t a = map_anon(4 * PG, RW);

	assert_int_equal(uvm_fault(a, true, false), 0);
	assert_int_equal(uvm_mmap(a, PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0), -EEXIST);
	assert_int_equal(uvm_mmap(a + 3 * PG, 2 * PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0),
			 -EEXIST);
	assert_int_equal(uvm_mmap(a - PG, 2 * PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0),
			 -EEXIST);
	assert_int_equal(uvm_resident_pages(), 1); /* nothing was replaced */
	assert_true(vmm_lookup(a, NULL, NULL));
	assert_int_equal(uvm_mmap(a + 4 * PG, PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0),
			 (long)(a + 4 * PG));
}

static void test_map_fixed_outside_window(void **state)
{
	/* the brk area and anything outside the window are not MAP_FIXED targets */
	assert_int_equal(uvm_mmap(USER_WIN_BASE, PG, RW, ANON | MAP_FIXED, -1, 0), -ENOMEM);
	assert_int_equal(uvm_mmap(0x400000, PG, RW, ANON | MAP_FIXED, -1, 0), -ENOMEM);
	assert_int_equal(uvm_mmap(USER_WIN_END, PG, RW, ANON | MAP_FIXED, -1, 0), -ENOMEM);
	assert_int_equal(uvm_mmap(USER_WIN_END - PG, 2 * PG, RW, ANON | MAP_FIXED, -1, 0),
			 -ENOMEM);
	/* addr + len wrapping past 2^64 */
	assert_int_equal(uvm_mmap(0xfffffffffffff000ull, PG, RW, ANON | MAP_FIXED, -1, 0),
			 -ENOMEM);
	assert_int_equal(uvm_mmap(0xffff800000000000ull, 0x800000000000ull, RW,
				  ANON | MAP_FIXED, -1, 0), -ENOMEM);
	assert_true(uvm_mmap(0xfffffffffffff000ull, PG, RW, ANON | MAP_FIXED_NOREPLACE, -1,
			     0) < 0);
	/* the last page of the window is fine */
	assert_int_equal(uvm_mmap(USER_WIN_END - PG, PG, RW, ANON | MAP_FIXED, -1, 0),
			 (long)(USER_WIN_END - PG));
	assert_int_equal(uvm_fault(USER_WIN_END - 1, true, false), 0);
}

static void test_bad_arguments(void **state)
{
	uint64_t a = map_anon(2 * PG, RW);

	assert_int_equal(uvm_mmap(0, 0, RW, ANON, -1, 0), -EINVAL);
	assert_int_equal(uvm_mmap(a + 1, PG, RW, ANON | MAP_FIXED, -1, 0), -EINVAL);
	assert_int_equal(uvm_mmap(0, PG, RW, ANON, -1, 100), -EINVAL);
	assert_int_equal(uvm_mmap(0, PG, RW, MAP_ANONYMOUS, -1, 0), -EINVAL);
	assert_int_equal(uvm_mmap(0, PG, RW, MAP_PRIVATE, 3, 0), -ENODEV);
	assert_int_equal(uvm_mmap(0, ~0ull, RW, ANON, -1, 0), -ENOMEM);
	assert_int_equal(uvm_mmap(0, 1ull << 62, RW, ANON, -1, 0), -ENOMEM);
	assert_int_equal(uvm_munmap(a, 0), -EINVAL);
	assert_int_equal(uvm_munmap(a + 1, PG), -EINVAL);
	assert_int_equal(uvm_munmap(a, ~0ull), -EINVAL);      /* page_up would wrap */
	assert_int_equal(uvm_munmap(a, ~0ull - 4095), -EINVAL);
	assert_int_equal(uvm_munmap(USER_WIN_END, PG), -EINVAL);
	assert_int_equal(uvm_mprotect(a + 1, PG, PROT_READ), -EINVAL);
	assert_int_equal(uvm_mprotect(a, ~0ull, PROT_READ), -ENOMEM);
	assert_int_equal(uvm_mprotect(a, ~0ull - 4095, PROT_READ), -ENOMEM);
	/* the mapping is untouched by all of that */
	assert_int_equal(uvm_fault(a + PG, true, false), 0);
	assert_int_equal(flags_at(a + PG), VMM_U | VMM_W);
}

static void test_brk(void **state)
{
	uint64_t base = (uint64_t)uvm_brk(0);

	assert_true(base >= USER_WIN_BASE && base < USER_WIN_END);
	assert_int_equal(uvm_fault(base, true, false), -EFAULT); /* empty heap */
	assert_int_equal(uvm_brk(base + 10000), (long)(base + 10000));
	assert_int_equal(uvm_brk(0), (long)(base + 10000));
	assert_int_equal(uvm_fault(base + 9999, true, false), 0);
	assert_int_equal(uvm_fault(base + PG, true, false), 0);
	assert_int_equal(uvm_fault(base, true, false), 0);
	/* the rest of the last page is mapped too, the next page is not */
	assert_int_equal(uvm_fault(base + 3 * PG, true, false), -EFAULT);
	assert_int_equal(pmm_free_pages(), free0 - 3);
	assert_true(all_zero(page_at(base), PG));
	page_at(base)[0] = 0x33;
	/* grow: the old pages stay */
	assert_int_equal(uvm_brk(base + 5 * PG), (long)(base + 5 * PG));
	assert_int_equal(uvm_fault(base + 4 * PG, true, false), 0);
	assert_int_equal(page_at(base)[0], 0x33);
	/* shrink: the pages above the new break are freed and gone */
	assert_int_equal(uvm_brk(base + 100), (long)(base + 100));
	assert_int_equal(pmm_free_pages(), free0 - 1);
	assert_int_equal(uvm_resident_pages(), 1);
	assert_int_equal(uvm_fault(base + PG, true, false), -EFAULT);
	assert_int_equal(page_at(base)[0], 0x33);
	/* out of range requests leave the break alone */
	assert_int_equal(uvm_brk(base - 1), (long)(base + 100));
	assert_int_equal(uvm_brk(USER_WIN_END), (long)(base + 100));
	assert_int_equal(uvm_brk(~0ull), (long)(base + 100));
	/* down to nothing */
	assert_int_equal(uvm_brk(base), (long)base);
	assert_int_equal(pmm_free_pages(), free0);
	assert_int_equal(uvm_fault(base, false, false), -EFAULT);
	/* and up again: fresh zeroed pages */
	assert_int_equal(uvm_brk(base + PG), (long)(base + PG));
	assert_int_equal(uvm_fault(base, true, false), 0);
	assert_true(all_zero(page_at(base), PG));
}

/* Growing the heap after its last page was made read-only: new memory is still
 * ordinary read-write heap. */
static void test_brk_after_mprotect(void **state)
{
	uint64_t base = (uint64_t)uvm_brk(0);

	assert_int_equal(uvm_brk(base + 2 * PG), (long)(base + 2 * PG));
	assert_int_equal(uvm_mprotect(base + PG, PG, PROT_READ), 0);
	assert_int_equal(uvm_brk(base + 4 * PG), (long)(base + 4 * PG));
	assert_int_equal(uvm_fault(base + PG, true, false), -EFAULT);
	assert_int_equal(uvm_fault(base + 3 * PG, true, false), 0);
	assert_int_equal(flags_at(base + 3 * PG), VMM_U | VMM_W);
}

static void test_brk_and_mmap_apart(void **state)
{
	uint64_t base = (uint64_t)uvm_brk(0);
	uint64_t a = map_anon(PG, RW);

	assert_int_equal(uvm_brk(base + 64 * PG), (long)(base + 64 * PG));
	assert_true(a >= base + 64 * PG);
	uint64_t b = map_anon(PG, RW);
	assert_true(b >= base + 64 * PG && b != a);
	/* munmap does not reach into the heap */
	assert_int_equal(uvm_munmap(base, PG), -EINVAL);
	assert_int_equal(uvm_fault(base, true, false), 0);
}

static void test_stack_guard(void **state)
{
	uint64_t top = uvm_alloc_stack(8 * PG);
	uint64_t low = top - 8 * PG;

	assert_int_not_equal(top, 0);
	assert_int_equal(top % PG, 0);
	assert_true(low - PG >= USER_WIN_BASE && top <= USER_WIN_END);
	assert_int_equal(uvm_fault(top - 8, true, false), 0);
	assert_int_equal(uvm_fault(low, true, false), 0);
	assert_int_equal(flags_at(low), VMM_U | VMM_W);
	/* the page below is the guard: never mapped */
	assert_int_equal(uvm_fault(low - 1, true, false), -EFAULT);
	assert_int_equal(uvm_fault(low - PG, false, false), -EFAULT);
	assert_false(vmm_lookup(low - PG, NULL, NULL));
	assert_int_equal(uvm_mprotect(low - PG, PG, RW), -ENOMEM);
	assert_int_equal(uvm_mmap(low - PG, PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0), -EEXIST);
	assert_int_equal(uvm_fault(top, true, false), -EFAULT);
	/* a second stack does not overlap the first or its guard */
	uint64_t top2 = uvm_alloc_stack(PG + 1);
	assert_int_not_equal(top2, 0);
	assert_true(top2 <= low - PG || top2 - 3 * PG >= top);
	/* and sizes that cannot fit are refused */
	assert_int_equal(uvm_alloc_stack(~0ull), 0);
	assert_int_equal(uvm_alloc_stack(~0ull - 2 * PG), 0);
	assert_int_equal(uvm_alloc_stack(USER_WIN_END), 0);
}

/* Fill the VMA table: -ENOMEM from then on, and nothing half done. */
static void test_vma_exhaustion(void **state)
{
	uint64_t big = map_anon(3 * PG, RW);
	uint64_t big2 = map_anon(3 * PG, PROT_READ); /* unlike its neighbours: no merge */
	uint64_t one = map_anon(PG, RW);
	int n = 3;
	long r;

	/* Fillers promise nothing (PROT_NONE) and do not merge (flags alternate). */
	while ((r = uvm_mmap(0, PG, 0, ANON | (n % 2 ? MAP_NORESERVE : 0), -1, 0)) > 0) {
		n++;
		assert_true(n <= 100000);
	}
	assert_int_equal(r, -ENOMEM);
	assert_true(n >= 16);
	assert_int_equal(uvm_alloc_stack(PG), 0);
	long brk0 = uvm_brk(0);
	assert_int_equal(uvm_brk((uint64_t)brk0 + PG), brk0); /* no slot for the heap */

	/* A split needs a slot: munmap, mprotect and MAP_FIXED in the middle of a
	 * mapping fail and leave the page and its contents alone. */
	assert_int_equal(uvm_fault(big + PG, true, false), 0);
	page_at(big + PG)[0] = 0x99;
	assert_int_equal(uvm_munmap(big + PG, PG), -ENOMEM);
	assert_true(vmm_lookup(big + PG, NULL, NULL));
	assert_int_equal(page_at(big + PG)[0], 0x99);
	assert_int_equal(uvm_mprotect(big + PG, PG, PROT_READ), -ENOMEM);
	assert_int_equal(flags_at(big + PG), VMM_U | VMM_W);
	assert_int_equal(uvm_mmap(big + PG, PG, PROT_READ, ANON | MAP_FIXED, -1, 0), -ENOMEM);
	assert_true(vmm_lookup(big + PG, NULL, NULL));
	assert_int_equal(page_at(big + PG)[0], 0x99);
	assert_int_equal(uvm_fault(big + 2 * PG, true, false), 0); /* VMA intact */
	assert_int_equal(pmm_free_pages(), free0 - 2);

	/* Whole mappings need no new slot, even with the table full. */
	assert_int_equal(uvm_fault(one, true, false), 0);
	assert_int_equal(uvm_mprotect(one, PG, PROT_READ), 0);
	assert_int_equal(flags_at(one), VMM_U);
	assert_int_equal(uvm_mmap(one, PG, RW, ANON | MAP_FIXED, -1, 0), (long)one);
	assert_false(vmm_lookup(one, NULL, NULL));
	assert_int_equal(uvm_fault(one, true, false), 0);
	/* trimming an end needs none either */
	assert_int_equal(uvm_munmap(big2 + 2 * PG, PG), 0);
	assert_int_equal(uvm_munmap(big2 + 2 * PG, PG), 0);
	assert_int_equal(uvm_mmap(0, PG, RW, ANON, -1, 0), -ENOMEM);

	/* One slot free: still not enough for a split plus the new VMA, nor for
	 * a stack (guard + stack); neither may leave anything behind. */
	assert_int_equal(uvm_munmap(big2, 2 * PG), 0);
	assert_int_equal(uvm_mprotect(big + PG, PG, PROT_READ), -ENOMEM);
	assert_int_equal(flags_at(big + PG), VMM_U | VMM_W);
	assert_int_equal(uvm_alloc_stack(PG), 0);
	r = uvm_mmap(0, PG, RW, ANON, -1, 0); /* the slot is still there */
	assert_true(r > 0);
	assert_int_equal(uvm_munmap((uint64_t)r, PG), 0);
	/* with it, splitting off the last page works */
	assert_int_equal(uvm_mprotect(big + 2 * PG, PG, PROT_READ), 0);
	assert_int_equal(flags_at(big + 2 * PG), VMM_U);
	assert_int_equal(flags_at(big + PG), VMM_U | VMM_W);

	assert_int_equal(uvm_munmap(big, 3 * PG), 0);
	assert_int_equal(uvm_munmap(one, PG), 0);
	assert_int_equal(uvm_resident_pages(), 0);
	assert_int_equal(pmm_free_pages(), free0);
}

/* uvm_check: clean after real use; a page mapped behind the table's back, or
 * with more rights than its mapping, is found. */
static void test_check(void **state)
{
	uint64_t a = map_anon(8 * PG, RW), ro = map_anon(2 * PG, PROT_READ);

	assert_int_equal(uvm_fault(a, true, false), 0);
	assert_int_equal(uvm_fault(ro, false, false), 0);
	size_t n = 0;
	assert_int_equal(uvm_check(&n), 0);
	assert_true(n >= 2);
	/* A page outside every mapping (and so not counted as resident). */
	uint64_t stray = a + 64 * PG;
	assert_int_equal(vmm_map(stray, 0x1000, VMM_U | VMM_W), 0);
	assert_true(uvm_check(NULL) > 0);
	vmm_unmap(stray);
	assert_int_equal(uvm_check(NULL), 0);
	/* A read-only mapping's page made writable. */
	assert_int_equal(vmm_protect(ro, VMM_U | VMM_W), 0);
	assert_true(uvm_check(NULL) > 0);
	assert_int_equal(vmm_protect(ro, VMM_U), 0);
	assert_int_equal(uvm_check(NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mmap_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_maps_zeroed_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_and_exec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promised_pages_are_there, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prot_none_promises_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_noreserve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_discard_keeps_promise, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stack_promise_grows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tables_made_ahead, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mprotect_merges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_against_model, setup, teardown),
		cmocka_unit_test_setup_teardown(test_munmap_frees, setup, teardown),
		cmocka_unit_test_setup_teardown(test_munmap_partial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mprotect_none_and_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wx_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_fixed_replaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_fixed_noreplace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_fixed_outside_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_brk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_brk_after_mprotect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_brk_and_mmap_apart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stack_guard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vma_exhaustion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
