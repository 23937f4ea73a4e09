/* SPDX-License-Identifier: MIT */
/*
 * 4-level paging (Intel SDM vol. 3, 4.5). RAM is identity mapped with 2 MiB
 * pages, except the low part that holds the image, which gets 4 KiB pages so
 * every page of kernel and application carries its own protection (W^X,
 * supervisor/user). Guard pages under the boot and IST stacks stay unmapped.
 */
#include <k/app.h>
#include <k/bootinfo.h>
#include <k/console.h>
#include <k/errno.h>
#include <k/pmm.h>
#include <k/smp.h>
#include <k/spinlock.h>
#include <k/string.h>
#include <k/vmm.h>
#include "x86.h"

#define PTE_P   (1ull << 0)
#define PTE_W   (1ull << 1)
#define PTE_U   (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_PS  (1ull << 7)
#define PTE_NX  (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull
#define LARGE 0x200000ull

static uint64_t *pml4;
static size_t table_pages; /* page-table pages allocated (never freed) */
static uint64_t ram_top;
static uint64_t nx_bit;
extern char boot_stack_guard[];
extern char ist_stacks[3][2][4096];

static uint64_t pte_flags(unsigned f)
{
	uint64_t v = PTE_P;
	if (f & VMM_W)
		v |= PTE_W;
	if (f & VMM_U)
		v |= PTE_U;
	if (!(f & VMM_X))
		v |= nx_bit;
	if (f & VMM_UC)
		v |= PTE_PCD | PTE_PWT;
	return v;
}

static uint64_t *table_of(uint64_t e) { return (uint64_t *)(e & PTE_ADDR); }

/* Next-level table for entry *e, creating it (or splitting a large page into
 * 512 smaller ones with the same protection) when asked. */
static uint64_t *next_level(uint64_t *e, bool create, int level)
{
	if (*e & PTE_P) {
		if (!(*e & PTE_PS))
			return table_of(*e);
		if (!create)
			return NULL;
		uint64_t *t = pmm_alloc();
		if (!t)
			return NULL;
		__atomic_add_fetch(&table_pages, 1, __ATOMIC_RELAXED);
		uint64_t base = *e & PTE_ADDR & ~(LARGE - 1);
		uint64_t flags = *e & ~PTE_ADDR & ~PTE_PS;
		uint64_t step = level == 2 ? 0x1000 : LARGE;
		uint64_t ps = level == 2 ? 0 : PTE_PS;
		if (level == 3)
			base = *e & PTE_ADDR & ~(0x40000000ull - 1);
		for (int i = 0; i < 512; i++)
			t[i] = (base + i * step) | flags | ps;
		*e = (uint64_t)t | PTE_P | PTE_W | PTE_U;
		return t;
	}
	if (!create)
		return NULL;
	uint64_t *t = pmm_alloc_zero();
	if (!t)
		return NULL;
	__atomic_add_fetch(&table_pages, 1, __ATOMIC_RELAXED);
	*e = (uint64_t)t | PTE_P | PTE_W | PTE_U;
	return t;
}

/* The 4 KiB leaf entry for va; NULL when absent (and !create). */
static uint64_t *walk(uint64_t va, bool create)
{
	uint64_t *t = pml4;
	for (int level = 4; level > 1; level--) {
		uint64_t *e = &t[(va >> (12 + 9 * (level - 1))) & 511];
		if (!create && (*e & PTE_P) && (*e & PTE_PS))
			return e; /* large page: caller sees PS */
		t = next_level(e, create, level);
		if (!t)
			return NULL;
	}
	return &t[(va >> 12) & 511];
}

int vmm_map(uint64_t va, uint64_t pa, unsigned flags)
{
	uint64_t *e = walk(va, true);
	if (!e)
		return -ENOMEM;
	*e = (pa & PTE_ADDR) | pte_flags(flags);
	invlpg(va);
	return 0;
}

/* The level whose entry for va is missing (4: the PML4's, ... 2: the PD's),
 * or 1 when the leaf table exists. */
static int missing_level(uint64_t va)
{
	uint64_t *t = pml4;
	for (int level = 4; level > 1; level--) {
		uint64_t e = t[(va >> (12 + 9 * (level - 1))) & 511];
		if (!(e & PTE_P) || (e & PTE_PS))
			return level;
		t = table_of(e);
	}
	return 1;
}

size_t vmm_tables_missing(uint64_t va, uint64_t end)
{
	size_t n = 0;
	uint64_t last_pd = ~0ull, last_pdpt = ~0ull;
	for (uint64_t a = va & ~(LARGE - 1); a < end && a >= (va & ~(LARGE - 1)); a += LARGE) {
		int level = missing_level(a);
		if (level == 1)
			continue;
		n++; /* the leaf table of this 2 MiB */
		if (level >= 3 && (a >> 30) != last_pd) {
			n++;
			last_pd = a >> 30;
		}
		if (level == 4 && (a >> 39) != last_pdpt) {
			n++;
			last_pdpt = a >> 39;
		}
	}
	return n;
}

int vmm_prepare(uint64_t va, uint64_t end)
{
	for (uint64_t a = va & ~(LARGE - 1); a < end && a >= (va & ~(LARGE - 1)); a += LARGE)
		if (missing_level(a) != 1 && !walk(a, true))
			return -ENOMEM;
	return 0;
}

size_t vmm_table_pages(void)
{
	return __atomic_load_n(&table_pages, __ATOMIC_RELAXED);
}

uint64_t vmm_next_mapped(uint64_t va, uint64_t end)
{
	va &= ~0xfffull;
	while (va < end) {
		uint64_t *t = pml4;
		int level;
		for (level = 4; level > 1; level--) {
			uint64_t e = t[(va >> (12 + 9 * (level - 1))) & 511];
			if (!(e & PTE_P))
				break;
			if (e & PTE_PS)
				return va;
			t = table_of(e);
		}
		if (level == 1 && (t[(va >> 12) & 511] & PTE_P))
			return va;
		uint64_t span = 1ull << (12 + 9 * (level - 1));
		uint64_t next = (va & ~(span - 1)) + span;
		if (next <= va)
			break;
		va = next;
	}
	return end;
}

uint64_t vmm_unmap(uint64_t va)
{
	/* Tables are only created (a large page split) if something is there. */
	uint64_t *e = walk(va, false);
	if (!e || !(*e & PTE_P))
		return 0;
	if (*e & PTE_PS)
		e = walk(va, true);
	if (!e || !(*e & PTE_P))
		return 0;
	uint64_t pa = *e & PTE_ADDR;
	*e = 0;
	invlpg(va);
	return pa;
}

int vmm_protect(uint64_t va, unsigned flags)
{
	uint64_t *e = walk(va, true);
	if (!e || !(*e & PTE_P))
		return -EFAULT;
	*e = (*e & PTE_ADDR) | pte_flags(flags);
	invlpg(va);
	return 0;
}

bool vmm_lookup(uint64_t va, uint64_t *pa, unsigned *flags)
{
	uint64_t *e = walk(va, false);
	if (!e || !(*e & PTE_P))
		return false;
	uint64_t v = *e;
	if (pa)
		*pa = (v & PTE_PS) ? ((v & PTE_ADDR & ~(LARGE - 1)) | (va & (LARGE - 1)))
				   : ((v & PTE_ADDR) | (va & 0xfff));
	if (flags)
		*flags = ((v & PTE_W) ? VMM_W : 0) | ((v & PTE_U) ? VMM_U : 0) |
			 ((v & nx_bit) || !nx_bit ? 0 : VMM_X);
	return true;
}

int vmm_map_mmio(uint64_t pa, size_t len)
{
	for (uint64_t p = pa & ~0xfffull; p < pa + len; p += 0x1000)
		if (vmm_map(p, p, VMM_W | VMM_UC))
			return -ENOMEM;
	return 0;
}

bool vmm_user_range_ok(uint64_t p, uint64_t n)
{
	uint64_t end = p + n;
	if (end < p)
		return false;
	if (p >= USER_WIN_BASE && end <= USER_WIN_END)
		return true;
	if (app_range_ok(p, n))
		return true;
	if (p >= (uint64_t)__toro_utext_start && end <= (uint64_t)__toro_ksyms_start)
		return true;
	return p >= (uint64_t)__toro_ubss_start && end <= (uint64_t)__toro_bss_end;
}

/* Protection of one 4 KiB page of the low identity map. */
static unsigned image_prot(uint64_t a)
{
	uint64_t ut = (uint64_t)__toro_utext_start, ur = (uint64_t)__toro_urodata_start;
	uint64_t ud = (uint64_t)__toro_udata_start, ks = (uint64_t)__toro_ksyms_start;
	uint64_t ub = (uint64_t)__toro_ubss_start, be = (uint64_t)__toro_bss_end;

	if (a >= (uint64_t)__toro_load_start && a < (uint64_t)__toro_krodata_start)
		return VMM_X;
	if (a >= (uint64_t)__toro_krodata_start && a < (uint64_t)__toro_kdata_start)
		return 0;
	if (a >= ut && a < ur)
		return VMM_U | VMM_X;
	if (a >= ur && a < ud)
		return VMM_U;
	if (a >= ud && a < ks)
		return VMM_U | VMM_W;
	if (a >= ks && a < (uint64_t)__toro_kbss_start)
		return 0;
	if (a >= ub && a < be)
		return VMM_U | VMM_W;
	return VMM_W;
}

void vmm_init(const struct boot_info *bi)
{
	nx_bit = cpu_feat.nx ? PTE_NX : 0;
	ram_top = 0x100000;
	for (int i = 0; i < bi->nmem; i++) {
		const struct boot_mem *m = &bi->mem[i];
		if (m->type == BOOT_MEM_RAM || m->type == BOOT_MEM_ACPI || m->type == BOOT_MEM_NVS)
			if (m->base + m->len > ram_top)
				ram_top = m->base + m->len;
	}
	ram_top = (ram_top + LARGE - 1) & ~(LARGE - 1);
	pml4 = pmm_alloc_zero();
	if (!pml4)
		panic("out of memory for page tables");
	uint64_t low_end = ((uint64_t)__toro_bss_end + LARGE - 1) & ~(LARGE - 1);
	for (uint64_t a = 0x1000; a < low_end; a += 0x1000)
		if (vmm_map(a, a, image_prot(a)))
			panic("out of memory for page tables");
	for (uint64_t a = low_end; a < ram_top; a += LARGE) {
		uint64_t *t = pml4;
		for (int level = 4; level > 2; level--) {
			t = next_level(&t[(a >> (12 + 9 * (level - 1))) & 511], true, level);
			if (!t)
				panic("out of memory for page tables");
		}
		t[(a >> 21) & 511] = a | PTE_P | PTE_W | PTE_PS | nx_bit;
	}
	vmm_unmap((uint64_t)boot_stack_guard);
	for (int i = 0; i < 3; i++)
		vmm_unmap((uint64_t)ist_stacks[i][0]);
	write_cr3((uint64_t)pml4);
}

/*
 * Self-check (vmm_check): each page of the image still maps itself with the
 * protection vmm_init gave it (the guard pages unmapped), and the identity
 * map above the image is supervisor-only and never executable.
 */
static int vmm_bad(const char *what, uint64_t a)
{
	kprintf("toro: selfcheck: paging: %s: %#lx\n", what, (unsigned long)a);
	return 1;
}

static bool guard_page(uint64_t a)
{
	if (a == (uint64_t)boot_stack_guard)
		return true;
	for (int i = 0; i < 3; i++)
		if (a == (uint64_t)ist_stacks[i][0])
			return true;
	return false;
}

int vmm_check(void)
{
	uint64_t low_end = ((uint64_t)__toro_bss_end + LARGE - 1) & ~(LARGE - 1);
	int bad = 0;

	for (uint64_t a = 0x1000; a < low_end && bad < 8; a += 0x1000) {
		uint64_t pa;
		unsigned fl;
		bool present = vmm_lookup(a, &pa, &fl);

		if (app_range_ok(a, 4096))
			continue; /* a packed program's page (k/app.h) */
		if (guard_page(a)) {
			if (present)
				bad += vmm_bad("a guard page mapped", a);
		} else if (!present || pa != a) {
			bad += vmm_bad("an image page unmapped or moved", a);
		} else if (fl != image_prot(a)) {
			bad += vmm_bad("an image page with changed protection", a);
		}
	}
	for (uint64_t a = low_end; a < ram_top && bad < 8; a += LARGE) {
		unsigned fl;

		if (app && a + LARGE > app->lo && a < app->hi)
			continue; /* a packed program's pages (k/app.h) */
		if (vmm_lookup(a, NULL, &fl) && (fl & (VMM_U | VMM_X)))
			bad += vmm_bad("RAM mapped to the program or executable", a);
	}
	return bad;
}

/* Kernel stack slots of 64 KiB in their own window: up to 15 pages of stack,
 * the lowest page never mapped. Freed slots are reused, newest first. */
#define KSTACK_SLOT 0x10000ull
static struct spinlock kstack_lock = SPINLOCK_INIT;
static uint64_t next_slot = KSTACK_BASE;
static uint64_t free_slots[64];
static int nfree_slots;

void *vmm_alloc_kstack(size_t pages)
{
	if (pages > 15)
		return NULL;
	spin_lock(&kstack_lock);
	uint64_t slot = nfree_slots ? free_slots[--nfree_slots] : (next_slot += KSTACK_SLOT) - KSTACK_SLOT;
	uint64_t top = slot + KSTACK_SLOT;
	for (size_t i = 1; i <= pages; i++) {
		void *p = pmm_alloc();
		if (!p || vmm_map(top - i * 0x1000, (uint64_t)p, VMM_W)) {
			if (p)
				pmm_free(p);
			for (size_t j = 1; j < i; j++)
				pmm_free((void *)vmm_unmap(top - j * 0x1000));
			if (nfree_slots < 64)
				free_slots[nfree_slots++] = slot;
			spin_unlock(&kstack_lock);
			return NULL;
		}
	}
	spin_unlock(&kstack_lock);
	return (void *)top;
}

void vmm_free_kstack(void *top, size_t pages)
{
	uint64_t t = (uint64_t)top, pa[15];
	if (pages > 15)
		return;
	spin_lock(&kstack_lock);
	for (size_t i = 1; i <= pages; i++)
		pa[i - 1] = vmm_unmap(t - i * 0x1000);
	spin_unlock(&kstack_lock);
	/* Another core that ran or set up the thread may still cache the old
	 * translations: until it flushes, it would read and write the freed
	 * pages (handed out again by then) through the slot, and the next
	 * thread given the slot would start from a stale frame there. */
	tlb_shootdown(t - pages * 0x1000, t);
	for (size_t i = 0; i < pages; i++)
		if (pa[i])
			pmm_free((void *)pa[i]);
	spin_lock(&kstack_lock);
	if (nfree_slots < 64)
		free_slots[nfree_slots++] = t - KSTACK_SLOT;
	spin_unlock(&kstack_lock);
}
