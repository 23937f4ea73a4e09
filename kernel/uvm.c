/* SPDX-License-Identifier: MIT */
/* Application memory: VMAs in the user window, demand paging, brk and mmap. */
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

struct vma {
	uint64_t start, end;
	unsigned prot; /* VMM_* flags, or VMA_GUARD */
};

static struct vma vmas[MAX_VMAS];
static int nvmas;
static uint64_t brk_cur = BRK_BASE;
static size_t resident;
/* One lock over the VMA table and the user window's page tables. */
static struct spinlock uvm_lock = SPINLOCK_INIT;

static uint64_t page_up(uint64_t x) { return (x + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1); }

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

/* Free the pages mapped in [start, end) (page aligned). */
static void release(uint64_t start, uint64_t end)
{
	/* Only mapped pages are visited: a huge, barely touched range is cheap.
	 * The pages are chained through their first word (RAM is identity
	 * mapped) and freed only once no core can still reach them. */
	uint64_t *chain = NULL;
	for (uint64_t a = vmm_next_mapped(start, end); a < end;
	     a = vmm_next_mapped(a + PAGE_SIZE, end)) {
		uint64_t pa = vmm_unmap(a);
		if (pa) {
			*(uint64_t **)pa = chain;
			chain = (uint64_t *)pa;
			resident--;
		}
	}
	if (!chain)
		return;
	tlb_shootdown(start, end);
	while (chain) {
		uint64_t *next = *(uint64_t **)chain;
		pmm_free(chain);
		chain = next;
	}
}

/* Cut [start, end) out of the VMA table (pages are released by the caller). */
static int carve(uint64_t start, uint64_t end)
{
	for (int i = 0; i < nvmas; i++) {
		struct vma *v = &vmas[i];
		if (v->end <= start || v->start >= end)
			continue;
		if (v->start < start && v->end > end) {
			if (nvmas == MAX_VMAS)
				return -ENOMEM;
			memmove(&vmas[i + 2], &vmas[i + 1], (nvmas - i - 1) * sizeof(*v));
			vmas[i + 1] = (struct vma){ end, v->end, v->prot };
			v->end = start;
			nvmas++;
			return 0;
		}
		if (v->start < start) {
			v->end = start;
		} else if (v->end > end) {
			v->start = end;
		} else {
			memmove(v, v + 1, (nvmas - i - 1) * sizeof(*v));
			nvmas--;
			i--;
		}
	}
	return 0;
}

static int insert(uint64_t start, uint64_t end, unsigned prot)
{
	if (nvmas == MAX_VMAS)
		return -ENOMEM;
	int i = 0;
	while (i < nvmas && vmas[i].start < start)
		i++;
	memmove(&vmas[i + 1], &vmas[i], (nvmas - i) * sizeof(vmas[0]));
	vmas[i] = (struct vma){ start, end, prot };
	nvmas++;
	return 0;
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
	void *p = pmm_alloc_zero();
	if (!p) {
		kprintf("toro: out of memory for application page at %#lx\n", addr);
		return -EFAULT;
	}
	if (vmm_map(addr & ~(PAGE_SIZE - 1), (uint64_t)p, v->prot)) {
		pmm_free(p);
		return -EFAULT;
	}
	resident++;
	return 0;
}

static long brk_locked(uint64_t newbrk)
{
	if (newbrk == 0 || newbrk < BRK_BASE || newbrk > BRK_BASE + BRK_MAX)
		return (long)brk_cur;
	uint64_t old_end = page_up(brk_cur), new_end = page_up(newbrk);
	if (new_end < old_end) {
		release(new_end, old_end);
		carve(new_end, old_end);
	} else if (new_end > old_end) {
		struct vma *v = find(old_end - 1);
		if (v && v->end == old_end && old_end > BRK_BASE && v->prot == (VMM_U | VMM_W))
			v->end = new_end;
		else if (insert(old_end, new_end, VMM_U | VMM_W))
			return (long)brk_cur;
	}
	brk_cur = newbrk;
	return (long)brk_cur;
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
	uint64_t start;
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (addr < MMAP_BASE || addr > USER_WIN_END - len)
			return (flags & MAP_FIXED_NOREPLACE) ? -EEXIST : -ENOMEM;
		for (uint64_t a = addr; a < addr + len; a += PAGE_SIZE)
			if ((flags & MAP_FIXED_NOREPLACE) && find(a))
				return -EEXIST;
		if (vmas_after_replace(addr, addr + len) > MAX_VMAS)
			return -ENOMEM;
		carve(addr, addr + len);
		release(addr, addr + len);
		start = addr;
	} else {
		start = find_gap(len);
		if (!start)
			return -ENOMEM;
	}
	unsigned vprot = prot ? to_vmm(prot) : 0; /* PROT_NONE */
	if (insert(start, start + len, vprot))
		return -ENOMEM;
	return (long)start;
}

static long munmap_locked(uint64_t addr, uint64_t len)
{
	if ((addr & (PAGE_SIZE - 1)) || len == 0 || len > USER_WIN_END)
		return -EINVAL;
	len = page_up(len);
	if (addr < MMAP_BASE || addr > USER_WIN_END - len)
		return -EINVAL;
	/* carve fails (no slot for a split) before changing anything */
	if (carve(addr, addr + len))
		return -ENOMEM;
	release(addr, addr + len);
	return 0;
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
	if (addr < USER_WIN_BASE || addr + len > USER_WIN_END)
		return vmm_user_range_ok(addr, len) ? -EACCES : -ENOMEM;
	for (uint64_t a = addr; a < addr + len; a += PAGE_SIZE) {
		struct vma *v = find(a);
		if (!v || (v->prot & VMA_GUARD))
			return -ENOMEM;
	}
	if (vmas_after_replace(addr, addr + len) > MAX_VMAS)
		return -ENOMEM;
	unsigned vprot = prot ? to_vmm(prot) : 0; /* PROT_NONE */
	carve(addr, addr + len);
	insert(addr, addr + len, vprot);
	for (uint64_t a = addr; a < addr + len; a += PAGE_SIZE) {
		/* PROT_NONE keeps the page and its contents, supervisor-only. */
		if (vmm_lookup(a, NULL, NULL))
			vmm_protect(a, vprot);
	}
	tlb_shootdown(addr, addr + len);
	return 0;
}

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
	for (int i = 0; i < nvmas; i++) {
		uint64_t s = vmas[i].start > addr ? vmas[i].start : addr;
		uint64_t e = vmas[i].end < end ? vmas[i].end : end;
		if (s < e && !(vmas[i].prot & VMA_GUARD))
			release(s, e);
	}
	return 0;
}

static uint64_t alloc_stack_locked(uint64_t size)
{
	if (size > USER_WIN_END || nvmas > MAX_VMAS - 2)
		return 0;
	size = page_up(size);
	uint64_t base = find_gap(size + PAGE_SIZE);
	if (!base || insert(base, base + PAGE_SIZE, VMA_GUARD) ||
	    insert(base + PAGE_SIZE, base + PAGE_SIZE + size, VMM_U | VMM_W))
		return 0;
	return base + PAGE_SIZE + size;
}

size_t uvm_resident_pages(void) { return resident; }

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

/* Self-check (uvm_check): the VMA table is sorted and inside the window, and
 * the page tables agree with it and with the resident count. */
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
	}
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
