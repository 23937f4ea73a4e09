/* SPDX-License-Identifier: MIT */
/*
 * Application memory: VMAs in the user window, demand paging, brk and mmap,
 * and the commit rules of docs/kernel.md ("Memory"). Every page a mapping
 * lets the program touch is promised (pmm_commit) when the mapping is made,
 * with its page tables, so a touch never fails for want of memory and a
 * request that cannot be promised fails at once (ENOMEM: malloc says NULL).
 * Not promised: PROT_NONE mappings until mprotect opens them; MAP_NORESERVE
 * mappings (pages on touch while memory lasts, SIGSEGV after); the main stack
 * below its first 128 KiB, whose promise grows on touch. Promises leave the
 * kernel a reserve (uvm_init).
 */
#include <k/console.h>
#include <k/errno.h>
#include <k/pmm.h>
#include <k/smp.h>
#include <k/spinlock.h>
#include <k/string.h>
#include <k/uvm.h>
#include <k/vmm.h>

#define MAX_VMAS 256
#define BRK_BASE USER_WIN_BASE
#define BRK_MAX (1ull << 30)
#define MMAP_BASE (USER_WIN_BASE + BRK_MAX)
#define VMA_GUARD 0x100 /* never mapped: a stack's guard */
#define VMA_NORESERVE 1u /* pages taken on touch, never promised */
#define VMA_GROWS 2u     /* a stack: its promise grows down on touch */

struct vma {
	uint64_t start, end;
	uint64_t resv;  /* [resv, end) is promised: start (all), end (none), or between (a stack) */
	unsigned prot;  /* VMM_* flags, or VMA_GUARD */
	unsigned flags; /* VMA_NORESERVE, VMA_GROWS */
};

static struct vma vmas[MAX_VMAS];
static int nvmas;
static uint64_t brk_cur = BRK_BASE;
static size_t resident, committed, kreserve;
/* One lock over the VMA table, the counts and the user window's page tables. */
static struct spinlock uvm_lock = SPINLOCK_INIT;

static uint64_t page_up(uint64_t x) { return (x + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1); }
static uint64_t max64(uint64_t a, uint64_t b) { return a > b ? a : b; }
static uint64_t min64(uint64_t a, uint64_t b) { return a < b ? a : b; }
static uint64_t clamp64(uint64_t x, uint64_t lo, uint64_t hi) { return min64(max64(x, lo), hi); }
static size_t npages(uint64_t lo, uint64_t hi) { return (size_t)((hi - lo) / PAGE_SIZE); }

static struct vma *find(uint64_t addr)
{
	for (int i = 0; i < nvmas; i++)
		if (addr >= vmas[i].start && addr < vmas[i].end)
			return &vmas[i];
	return NULL;
}

static unsigned to_vmm(int prot)
{
	unsigned f = VMM_U;
	if (prot & PROT_WRITE)
		f |= VMM_W;
	if (prot & PROT_EXEC)
		f |= VMM_X;
	return f;
}

/* ---- promises ---- */

/* Pages promised within [s, e). */
static size_t promised(uint64_t s, uint64_t e)
{
	size_t n = 0;
	for (int i = 0; i < nvmas; i++) {
		uint64_t lo = max64(max64(vmas[i].start, s), vmas[i].resv);
		uint64_t hi = min64(vmas[i].end, e);
		if (lo < hi)
			n += npages(lo, hi);
	}
	return n;
}

/* Promise n more pages for [s, e) and make its page tables now, so that no
 * fault on promised memory allocates: 0, or -ENOMEM with nothing promised
 * (tables already made stay; they are reused). */
static int commit(uint64_t s, uint64_t e, size_t n)
{
	if (n == 0)
		return 0;
	if (pmm_avail_pages() < kreserve + n)
		return -ENOMEM;
	size_t t = vmm_tables_missing(s, e);
	if (t && (pmm_avail_pages() < kreserve + n + t || vmm_prepare(s, e)))
		return -ENOMEM;
	if (pmm_commit(n, kreserve))
		return -ENOMEM;
	committed += n;
	return 0;
}

static void uncommit(size_t n)
{
	if (n == 0)
		return;
	pmm_uncommit(n);
	committed -= n;
}

/*
 * Unmap the pages of [s, e) and free them once no core can reach them (they
 * are chained through their first word: RAM is identity mapped). Promised
 * pages go back against their promise, which the caller keeps or ends. Only
 * mapped pages are visited: a huge, barely touched range is cheap.
 */
static void drop_pages(uint64_t s, uint64_t e)
{
	uint64_t *kept = NULL, *plain = NULL;
	for (int i = 0; i < nvmas; i++) {
		const struct vma *v = &vmas[i];
		uint64_t lo = max64(v->start, s), hi = min64(v->end, e);
		for (uint64_t a = vmm_next_mapped(lo, hi); a < hi; a = vmm_next_mapped(a + PAGE_SIZE, hi)) {
			uint64_t pa = vmm_unmap(a);
			if (!pa)
				continue;
			uint64_t **chain = a >= v->resv ? &kept : &plain;
			*(uint64_t **)pa = *chain;
			*chain = (uint64_t *)pa;
			resident--;
		}
	}
	if (!kept && !plain)
		return;
	tlb_shootdown(s, e);
	while (kept) {
		uint64_t *next = *(uint64_t **)kept;
		pmm_free_committed(kept);
		kept = next;
	}
	while (plain) {
		uint64_t *next = *(uint64_t **)plain;
		pmm_free(plain);
		plain = next;
	}
}

/* ---- the VMA table ---- */

static void remove_at(int i)
{
	memmove(&vmas[i], &vmas[i + 1], (size_t)(nvmas - i - 1) * sizeof(vmas[0]));
	nvmas--;
}

/* Does carving [s, e) need a slot (a VMA around both ends)? */
static bool carve_needs_slot(uint64_t s, uint64_t e)
{
	for (int i = 0; i < nvmas; i++)
		if (vmas[i].start < s && vmas[i].end > e)
			return true;
	return false;
}

/* Cut [start, end) out of the table; the caller checked carve_needs_slot. */
static void carve(uint64_t start, uint64_t end)
{
	for (int i = 0; i < nvmas; i++) {
		struct vma *v = &vmas[i];
		if (v->end <= start || v->start >= end)
			continue;
		if (v->start < start && v->end > end) {
			memmove(&vmas[i + 2], &vmas[i + 1], (size_t)(nvmas - i - 1) * sizeof(*v));
			vmas[i + 1] = *v;
			vmas[i + 1].start = end;
			vmas[i + 1].resv = clamp64(v->resv, end, v->end);
			v->end = start;
			v->resv = clamp64(v->resv, v->start, start);
			nvmas++;
			return;
		}
		if (v->start < start) {
			v->end = start;
			v->resv = clamp64(v->resv, v->start, start);
		} else if (v->end > end) {
			v->start = end;
			v->resv = clamp64(v->resv, end, v->end);
		} else {
			remove_at(i--);
		}
	}
}

/* Split the VMA around x in two at x; the caller made room. */
static void split_at(uint64_t x)
{
	for (int i = 0; i < nvmas; i++) {
		struct vma *v = &vmas[i];
		if (v->start < x && x < v->end) {
			memmove(&vmas[i + 1], v, (size_t)(nvmas - i) * sizeof(*v));
			vmas[i + 1].start = x;
			vmas[i + 1].resv = clamp64(v->resv, x, v->end);
			v->end = x;
			v->resv = clamp64(v->resv, v->start, x);
			nvmas++;
			return;
		}
	}
}

static int insert(uint64_t start, uint64_t end, unsigned prot, uint64_t resv, unsigned flags)
{
	if (nvmas == MAX_VMAS)
		return -ENOMEM;
	int i = 0;
	while (i < nvmas && vmas[i].start < start)
		i++;
	memmove(&vmas[i + 1], &vmas[i], (size_t)(nvmas - i) * sizeof(vmas[0]));
	vmas[i] = (struct vma){ start, end, resv, prot, flags };
	nvmas++;
	return 0;
}

/* Neighbours alike in everything (all promised or none) become one VMA, so
 * mprotect page by page (musl's allocator) does not fill the table. */
static void merge(void)
{
	for (int i = 0; i + 1 < nvmas;) {
		struct vma *a = &vmas[i], *b = &vmas[i + 1];
		bool a_all = a->resv == a->start, a_none = a->resv == a->end;
		bool b_all = b->resv == b->start, b_none = b->resv == b->end;
		if (a->end != b->start || a->prot != b->prot || a->flags != b->flags ||
		    (a->flags & VMA_GROWS) || !((a_all && b_all) || (a_none && b_none))) {
			i++;
			continue;
		}
		a->end = b->end;
		if (a_none)
			a->resv = a->end;
		remove_at(i + 1);
	}
}

/* Table size after carve(start, end) and insert(start, end): checked first so
 * that neither can fail half way. */
static int vmas_after_replace(uint64_t start, uint64_t end)
{
	int n = nvmas + 1;
	for (int i = 0; i < nvmas; i++) {
		if (vmas[i].end <= start || vmas[i].start >= end)
			continue;
		if (vmas[i].start < start && vmas[i].end > end)
			n++;
		else if (vmas[i].start >= start && vmas[i].end <= end)
			n--;
	}
	return n;
}

/* Does any VMA overlap [s, e)? */
static bool overlaps(uint64_t s, uint64_t e)
{
	for (int i = 0; i < nvmas; i++)
		if (vmas[i].start < e && vmas[i].end > s)
			return true;
	return false;
}

/* First gap of len bytes at or above MMAP_BASE. */
static uint64_t find_gap(uint64_t len)
{
	if (len > USER_WIN_END - MMAP_BASE)
		return 0;
	uint64_t cand = MMAP_BASE;
	for (int i = 0; i < nvmas; i++) {
		if (vmas[i].end <= cand)
			continue;
		if (vmas[i].start >= cand + len)
			break;
		cand = vmas[i].end;
	}
	return cand + len <= USER_WIN_END ? cand : 0;
}

void uvm_init(void)
{
	nvmas = 0;
	brk_cur = BRK_BASE;
	resident = 0;
	committed = 0;
	/* What promises leave to the kernel: a sixty-fourth of memory, at
	 * least 256 KiB and at most 32 MiB (see docs/kernel.md). */
	kreserve = pmm_total_pages() / UVM_RESERVE_DIV;
	if (kreserve < UVM_RESERVE_MIN)
		kreserve = UVM_RESERVE_MIN;
	if (kreserve > UVM_RESERVE_MAX)
		kreserve = UVM_RESERVE_MAX;
}

/* ---- faults ---- */

/* Extend a stack's promise down to page: STACK_STEP at a time while memory
 * allows, else the pages down to it. */
static int grow_stack(struct vma *v, uint64_t page)
{
	uint64_t want = max64(page & ~(UVM_STACK_STEP - 1), v->start);
	if (commit(want, v->resv, npages(want, v->resv)) == 0) {
		v->resv = want;
		return 0;
	}
	if (commit(page, v->resv, npages(page, v->resv)) == 0) {
		v->resv = page;
		return 0;
	}
	kprintf("toro: no memory to grow the stack to %#lx (%lu KiB promised)\n",
		(unsigned long)page, (unsigned long)((v->end - v->resv) >> 10));
	return -ENOMEM;
}

static int fault_locked(uint64_t addr, bool write, bool exec)
{
	struct vma *v = find(addr);
	if (!v || !(v->prot & VMM_U))
		return -EFAULT; /* no VMA, a guard, or PROT_NONE */
	if ((write && !(v->prot & VMM_W)) || (exec && !(v->prot & VMM_X)))
		return -EFAULT;
	unsigned fl;
	if (vmm_lookup(addr, NULL, &fl)) {
		/* Present. If the page allows the access, another core mapped it
		 * (or raised its protection) after this core's TLB was filled:
		 * flush the stale entry and retry. Otherwise a real violation. */
		if ((write && !(fl & VMM_W)) || (exec && !(fl & VMM_X)) || !(fl & VMM_U))
			return -EFAULT;
		arch_tlb_flush(addr, addr + 1);
		return 0;
	}
	uint64_t page = addr & ~(PAGE_SIZE - 1);
	bool kept = page >= v->resv;
	if (!kept && (v->flags & VMA_GROWS)) {
		if (grow_stack(v, page))
			return -EFAULT;
		kept = true;
	}
	/* Not promised (MAP_NORESERVE): a page now, if the kernel's reserve
	 * stays whole. */
	if (!kept && pmm_commit(1, kreserve)) {
		kprintf("toro: out of memory for application page at %#lx (not reserved)\n",
			(unsigned long)addr);
		return -EFAULT;
	}
	void *p = pmm_alloc_committed();
	memset(p, 0, PAGE_SIZE);
	if (vmm_map(page, (uint64_t)p, v->prot)) {
		/* Only where tables were not made ahead: not promised memory. */
		pmm_free_committed(p);
		if (!kept)
			pmm_uncommit(1);
		kprintf("toro: out of memory for a page table at %#lx\n", (unsigned long)addr);
		return -EFAULT;
	}
	resident++;
	return 0;
}

/* ---- the calls ---- */

static long brk_locked(uint64_t newbrk)
{
	if (newbrk == 0 || newbrk < BRK_BASE || newbrk > BRK_BASE + BRK_MAX)
		return (long)brk_cur;
	uint64_t old_end = page_up(brk_cur), new_end = page_up(newbrk);
	if (new_end < old_end) {
		/* Nothing lies above the heap's top within the brk area: no split. */
		size_t n = promised(new_end, old_end);
		drop_pages(new_end, old_end);
		carve(new_end, old_end);
		uncommit(n);
	} else if (new_end > old_end) {
		struct vma *v = find(old_end - 1);
		bool extend = v && v->end == old_end && old_end > BRK_BASE &&
			      v->prot == (VMM_U | VMM_W) && v->resv == v->start && !v->flags;
		if ((!extend && nvmas == MAX_VMAS) || commit(old_end, new_end, npages(old_end, new_end)))
			return (long)brk_cur;
		if (extend)
			v->end = new_end;
		else
			insert(old_end, new_end, VMM_U | VMM_W, old_end, 0);
	}
	brk_cur = newbrk;
	return (long)brk_cur;
}

/* MAP_FIXED: [addr, end) replaces what was there; the promise of n pages is
 * settled with the old one's, so replacing needs no more memory than it adds. */
static long map_fixed(uint64_t addr, uint64_t end, size_t n, int flags)
{
	if (addr < MMAP_BASE || addr > USER_WIN_END - (end - addr))
		return (flags & MAP_FIXED_NOREPLACE) ? -EEXIST : -ENOMEM;
	if ((flags & MAP_FIXED_NOREPLACE) && overlaps(addr, end))
		return -EEXIST;
	if (vmas_after_replace(addr, end) > MAX_VMAS)
		return -ENOMEM;
	size_t old = promised(addr, end);
	if (n > old && commit(addr, end, n - old))
		return -ENOMEM;
	drop_pages(addr, end);
	carve(addr, end);
	if (old > n)
		uncommit(old - n);
	return 0;
}

static long mmap_locked(uint64_t addr, uint64_t len, int prot, int flags, int fd, uint64_t off)
{
	if (len == 0 || (addr & (PAGE_SIZE - 1)) || (off & (PAGE_SIZE - 1)))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS))
		return -ENODEV; /* no file mappings yet */
	if ((flags & (MAP_SHARED | MAP_PRIVATE)) == 0)
		return -EINVAL;
	if ((prot & PROT_WRITE) && (prot & PROT_EXEC))
		return -EACCES; /* W^X */
	if (len > USER_WIN_END - USER_WIN_BASE)
		return -ENOMEM;
	len = page_up(len);
	bool promise = prot != 0 && !(flags & MAP_NORESERVE);
	size_t n = promise ? npages(0, len) : 0;
	uint64_t start;
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		long r = map_fixed(addr, addr + len, n, flags);
		if (r)
			return r;
		start = addr;
	} else {
		start = find_gap(len);
		if (!start || nvmas == MAX_VMAS || commit(start, start + len, n))
			return -ENOMEM;
	}
	unsigned vprot = prot ? to_vmm(prot) : 0; /* PROT_NONE */
	insert(start, start + len, vprot, promise ? start : start + len,
	       (flags & MAP_NORESERVE) ? VMA_NORESERVE : 0);
	merge();
	return (long)start;
}

static long munmap_locked(uint64_t addr, uint64_t len)
{
	if ((addr & (PAGE_SIZE - 1)) || len == 0 || len > USER_WIN_END)
		return -EINVAL;
	len = page_up(len);
	if (addr < MMAP_BASE || addr > USER_WIN_END - len)
		return -EINVAL;
	/* A hole in one VMA needs a slot: fail before changing anything. */
	if (nvmas == MAX_VMAS && carve_needs_slot(addr, addr + len))
		return -ENOMEM;
	size_t n = promised(addr, addr + len);
	drop_pages(addr, addr + len);
	carve(addr, addr + len);
	uncommit(n);
	return 0;
}

/* Pages mprotect to an accessible protection must newly promise in [s, e). */
static size_t unpromised(uint64_t s, uint64_t e)
{
	size_t n = 0;
	for (int i = 0; i < nvmas; i++) {
		const struct vma *v = &vmas[i];
		uint64_t lo = max64(v->start, s), hi = min64(min64(v->end, e), v->resv);
		if (lo < hi && !(v->flags & VMA_NORESERVE))
			n += npages(lo, hi);
	}
	return n;
}

static long mprotect_locked(uint64_t addr, uint64_t len, int prot)
{
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	if ((prot & PROT_WRITE) && (prot & PROT_EXEC))
		return -EACCES;
	if (len > USER_WIN_END)
		return -ENOMEM;
	len = page_up(len);
	if (addr + len < addr)
		return -ENOMEM;
	if (len == 0)
		return 0;
	uint64_t end = addr + len;
	if (addr < USER_WIN_BASE || end > USER_WIN_END)
		return vmm_user_range_ok(addr, len) ? -EACCES : -ENOMEM;
	for (uint64_t a = addr; a < end;) {
		struct vma *v = find(a);
		if (!v || (v->prot & VMA_GUARD))
			return -ENOMEM;
		a = v->end;
	}
	struct vma *lo = find(addr), *hi = find(end - 1);
	int slots = (lo->start < addr) + (hi->end > end);
	if (nvmas + slots > MAX_VMAS)
		return -ENOMEM;
	/* Opening PROT_NONE memory promises it (a PROT_NONE reservation of
	 * address space, as musl and allocators make, costs nothing until
	 * then); closing keeps the promise, as the pages keep their contents. */
	if (prot && commit(addr, end, unpromised(addr, end)))
		return -ENOMEM;
	unsigned vprot = prot ? to_vmm(prot) : 0;
	split_at(addr);
	split_at(end);
	for (int i = 0; i < nvmas; i++) {
		struct vma *v = &vmas[i];
		if (v->start < addr || v->end > end)
			continue;
		v->prot = vprot;
		if (prot && !(v->flags & VMA_NORESERVE))
			v->resv = v->start;
	}
	/* PROT_NONE keeps a page and its contents, supervisor-only. */
	for (uint64_t a = vmm_next_mapped(addr, end); a < end; a = vmm_next_mapped(a + PAGE_SIZE, end))
		vmm_protect(a, vprot);
	tlb_shootdown(addr, end);
	merge();
	return 0;
}

/* MADV_DONTNEED/MADV_FREE: the pages go, the promise stays (they may be
 * touched again, and must be there then). */
static long discard_locked(uint64_t addr, uint64_t len)
{
	if ((addr & (PAGE_SIZE - 1)) || len > USER_WIN_END || addr + page_up(len) < addr)
		return -EINVAL;
	uint64_t end = addr + page_up(len);
	/* Every page must be inside a mapping (Linux: ENOMEM otherwise). */
	for (uint64_t a = addr; a < end;) {
		struct vma *v = find(a);
		if (!v)
			return -ENOMEM;
		a = v->end;
	}
	drop_pages(addr, end);
	return 0;
}

/* A stack of `size` bytes over a guard page. Its top UVM_STACK_COMMIT bytes
 * are promised now; below, the promise grows on touch (grow_stack). */
/* The VMA holding all of [s, e), or NULL. */
static struct vma *holding(uint64_t s, uint64_t e)
{
	struct vma *v = find(s);
	return v && e <= v->end ? v : NULL;
}

/* Move the mapped pages of [from, from + len) to to (page tables made). */
static void move_pages(uint64_t from, uint64_t to, uint64_t len, unsigned prot)
{
	for (uint64_t a = vmm_next_mapped(from, from + len); a < from + len;
	     a = vmm_next_mapped(a + PAGE_SIZE, from + len)) {
		uint64_t pa = vmm_unmap(a);
		if (pa)
			vmm_map(to + (a - from), pa, prot); /* tables exist: cannot fail */
	}
	tlb_shootdown(from, from + len);
}

/*
 * mremap of anonymous memory (private file mappings are that too): shrink in
 * place, grow in place when the pages after are free, else (MREMAP_MAYMOVE)
 * move the pages, not their bytes, to a gap. The range must lie in one VMA
 * that is wholly promised or not at all (not a stack).
 */
static long mremap_locked(uint64_t old, uint64_t olen, uint64_t nlen, int flags)
{
	if ((old & (PAGE_SIZE - 1)) || (flags & ~MREMAP_MAYMOVE) || olen == 0 || nlen == 0 ||
	    olen > USER_WIN_END || nlen > USER_WIN_END - USER_WIN_BASE)
		return -EINVAL;
	olen = page_up(olen);
	nlen = page_up(nlen);
	struct vma *v = old >= MMAP_BASE && old <= USER_WIN_END - olen ? holding(old, old + olen) : NULL;
	if (!v || (v->flags & VMA_GROWS) || (v->resv != v->start && v->resv != v->end))
		return -EFAULT;
	if (nlen <= olen) {
		long r = nlen < olen ? munmap_locked(old + nlen, olen - nlen) : 0;
		return r ? r : (long)old;
	}
	struct vma same = *v;
	bool promise = same.resv == same.start;
	size_t grow = promise ? npages(olen, nlen) : 0;
	uint64_t end = old + olen;
	if (end == same.end && old <= USER_WIN_END - nlen && !overlaps(end, old + nlen)) {
		if (nvmas == MAX_VMAS || commit(end, old + nlen, grow))
			return -ENOMEM;
		insert(end, old + nlen, same.prot, promise ? end : old + nlen, same.flags);
		merge();
		return (long)old;
	}
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	uint64_t to = find_gap(nlen);
	if (!to || nvmas + 2 > MAX_VMAS || carve_needs_slot(old, end) + nvmas + 1 > MAX_VMAS)
		return -ENOMEM;
	size_t t = vmm_tables_missing(to, to + nlen);
	if (t && (pmm_avail_pages() < kreserve + t || vmm_prepare(to, to + nlen)))
		return -ENOMEM;
	if (commit(to, to + nlen, grow))
		return -ENOMEM;
	insert(to, to + nlen, same.prot, promise ? to : to + nlen, same.flags);
	move_pages(old, to, olen, same.prot);
	carve(old, end); /* its pages moved: only the promise of what grew stays new */
	merge();
	return (long)to;
}

static uint64_t alloc_stack_locked(uint64_t size)
{
	if (size > USER_WIN_END || nvmas > MAX_VMAS - 2)
		return 0;
	size = page_up(size);
	uint64_t base = find_gap(size + PAGE_SIZE);
	if (!base)
		return 0;
	uint64_t low = base + PAGE_SIZE, top = low + size;
	uint64_t resv = size > UVM_STACK_COMMIT ? top - UVM_STACK_COMMIT : low;
	if (commit(resv, top, npages(resv, top)))
		return 0;
	insert(base, low, VMA_GUARD, low, 0);
	insert(low, top, VMM_U | VMM_W, resv, VMA_GROWS);
	return top;
}

size_t uvm_resident_pages(void) { return resident; }

void uvm_stats(struct uvm_stats *st)
{
	spin_lock(&uvm_lock);
	st->committed = committed;
	st->resident = resident;
	st->reserve = kreserve;
	st->vmas = (size_t)nvmas;
	spin_unlock(&uvm_lock);
}

size_t uvm_free_pages(void)
{
	size_t a = pmm_avail_pages(), r = __atomic_load_n(&kreserve, __ATOMIC_RELAXED);
	return a > r ? a - r : 0;
}

int uvm_fault(uint64_t addr, bool write, bool exec)
{
	spin_lock(&uvm_lock);
	int r = fault_locked(addr, write, exec);
	spin_unlock(&uvm_lock);
	return r;
}

long uvm_brk(uint64_t newbrk)
{
	spin_lock(&uvm_lock);
	long r = brk_locked(newbrk);
	spin_unlock(&uvm_lock);
	return r;
}

long uvm_mmap(uint64_t addr, uint64_t len, int prot, int flags, int fd, uint64_t off)
{
	spin_lock(&uvm_lock);
	long r = mmap_locked(addr, len, prot, flags, fd, off);
	spin_unlock(&uvm_lock);
	return r;
}

long uvm_munmap(uint64_t addr, uint64_t len)
{
	spin_lock(&uvm_lock);
	long r = munmap_locked(addr, len);
	spin_unlock(&uvm_lock);
	return r;
}

long uvm_mprotect(uint64_t addr, uint64_t len, int prot)
{
	spin_lock(&uvm_lock);
	long r = mprotect_locked(addr, len, prot);
	spin_unlock(&uvm_lock);
	return r;
}

long uvm_mremap(uint64_t old, uint64_t olen, uint64_t nlen, int flags)
{
	spin_lock(&uvm_lock);
	long r = mremap_locked(old, olen, nlen, flags);
	spin_unlock(&uvm_lock);
	return r;
}

long uvm_discard(uint64_t addr, uint64_t len)
{
	spin_lock(&uvm_lock);
	long r = discard_locked(addr, len);
	spin_unlock(&uvm_lock);
	return r;
}

uint64_t uvm_alloc_stack(uint64_t size)
{
	spin_lock(&uvm_lock);
	uint64_t r = alloc_stack_locked(size);
	spin_unlock(&uvm_lock);
	return r;
}

/* Self-check (uvm_check): the VMA table is sorted and inside the window, its
 * promises add up to what was committed, and the page tables agree with it
 * and with the resident count. */
static int uvm_bad(const char *what, uint64_t a)
{
	kprintf("toro: selfcheck: memory: %s: %#lx\n", what, (unsigned long)a);
	return 1;
}

static int check_vmas(void)
{
	int bad = 0;

	for (int i = 0; i < nvmas; i++) {
		const struct vma *v = &vmas[i];

		if (v->start >= v->end || ((v->start | v->end) & (PAGE_SIZE - 1)) ||
		    v->start < USER_WIN_BASE || v->end > USER_WIN_END)
			bad += uvm_bad("a malformed mapping", v->start);
		else if (i > 0 && vmas[i - 1].end > v->start)
			bad += uvm_bad("mappings overlapping or out of order", v->start);
		else if ((v->prot & VMM_W) && (v->prot & VMM_X))
			bad += uvm_bad("a writable and executable mapping", v->start);
		else if (v->resv < v->start || v->resv > v->end)
			bad += uvm_bad("a mapping promised outside itself", v->start);
	}
	if (promised(USER_WIN_BASE, USER_WIN_END) != committed)
		bad += uvm_bad("the pages promised differ from the mappings' promises", committed);
	if (nvmas < 0 || nvmas > MAX_VMAS)
		bad += uvm_bad("a bad mapping count", (uint64_t)nvmas);
	if (brk_cur < BRK_BASE || brk_cur > BRK_BASE + BRK_MAX)
		bad += uvm_bad("the break outside its range", brk_cur);
	return bad;
}

/* Every mapped page of the window lies in a mapping and has no more rights. */
static int check_pages(size_t *mapped)
{
	int bad = 0;

	for (uint64_t a = vmm_next_mapped(USER_WIN_BASE, USER_WIN_END); a < USER_WIN_END && bad < 8;
	     a = vmm_next_mapped(a + PAGE_SIZE, USER_WIN_END)) {
		const struct vma *v = find(a);
		unsigned fl = 0;

		++*mapped;
		vmm_lookup(a, NULL, &fl);
		if (!v || (v->prot & VMA_GUARD))
			bad += uvm_bad("a page mapped outside every mapping", a);
		else if (((fl & VMM_W) && !(v->prot & VMM_W)) || ((fl & VMM_X) && !(v->prot & VMM_X)) ||
			 ((fl & VMM_U) && !(v->prot & VMM_U)))
			bad += uvm_bad("a page with more rights than its mapping", a);
	}
	return bad;
}

int uvm_check(size_t *nmappings)
{
	size_t mapped = 0;

	spin_lock(&uvm_lock);
	int bad = check_vmas();
	bad += check_pages(&mapped);
	if (bad == 0 && mapped != resident)
		bad += uvm_bad("the resident count differs from the pages mapped", mapped);
	if (nmappings)
		*nmappings = (size_t)nvmas;
	spin_unlock(&uvm_lock);
	return bad;
}
