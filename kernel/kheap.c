/* SPDX-License-Identifier: MIT */
/*
 * Kernel heap (include/k/kheap.h). Small requests are rounded up to a power of
 * two from 16 to 2048 and served from pages of that class; each such page
 * starts with a header holding its class, its owning core and its own free
 * list, and each core links its pages with a free object per class. Larger
 * requests take contiguous pages behind the same header, so kfree finds any
 * block's header by rounding its address down to a page.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <k/console.h>
#include <k/kheap.h>
#include <k/mailbox.h>
#include <k/pmm.h>
#include <k/spinlock.h>
#include <k/string.h>

#define KHEAP_MAGIC 0x6b48u	/* "Hk" */
#define KHEAP_LARGE 0xffu
#define NCLASSES 8
#define MIN_SHIFT 4		/* 16 bytes */
#define MAX_SMALL (1u << (MIN_SHIFT + NCLASSES - 1))
#define BOOT_CORE PMM_MAX_CPUS	/* owner while pmm_cpu() < 0 */

struct free_obj {
	struct free_obj *next;
};

struct page_hdr {
	uint16_t magic;
	uint8_t cls;		/* size class, or KHEAP_LARGE */
	uint8_t owner;		/* small: the core whose lists hold the page */
	uint16_t inuse;		/* objects not yet freed back on the owner */
	uint16_t pad;
	union {
		struct free_obj *free;	/* small: free objects in this page */
		size_t npages;		/* large: pages in the run */
	};
	struct page_hdr *next, *prev;	/* small: owner's partial pages of the class */
};

/* Objects start after the header; 32 bytes keeps them 16-byte aligned. */
#define HDR_SIZE ((unsigned)KHEAP_HDR)
_Static_assert(sizeof(struct page_hdr) <= HDR_SIZE, "page header too large");
_Static_assert(BOOT_CORE < 0xff, "owner does not fit the page header");

/*
 * One core's heap. Only the owner reads or writes `partial`; other cores
 * only push on `remote`, which sits on its own cache line so their pushes do
 * not disturb the owner's lists.
 */
struct heap_core {
	struct page_hdr *partial[NCLASSES];
	struct mailbox remote __attribute__((aligned(64)));
} __attribute__((aligned(64)));

static struct heap_core cores[PMM_MAX_CPUS + 1];	/* + the boot core */
static struct spinlock boot_lock = SPINLOCK_INIT;	/* the boot core's lists */
static size_t heap_pages;	/* pages the heap holds; atomic (the stats channel) */

static size_t class_size(unsigned cls)
{
	return (size_t)1 << (cls + MIN_SHIFT);
}

/* The smallest class that holds size (<= MAX_SMALL): the bit length of
 * size - 1, one instruction (the network allocates near the top class, which
 * a loop from the bottom reached in eight turns). */
static unsigned size_class(size_t size)
{
	if (size <= class_size(0))
		return 0;
	return (unsigned)(64 - __builtin_clzll((unsigned long long)size - 1)) - MIN_SHIFT;
}

static struct page_hdr *page_of(const void *p)
{
	return (struct page_hdr *)((uintptr_t)p & ~(PAGE_SIZE - 1));
}

static void unlink_page(struct heap_core *hc, struct page_hdr *h)
{
	if (h->prev != NULL)
		h->prev->next = h->next;
	else
		hc->partial[h->cls] = h->next;
	if (h->next != NULL)
		h->next->prev = h->prev;
	h->next = h->prev = NULL;
}

static void link_page(struct heap_core *hc, struct page_hdr *h)
{
	h->prev = NULL;
	h->next = hc->partial[h->cls];
	if (h->next != NULL)
		h->next->prev = h;
	hc->partial[h->cls] = h;
}

/* A fresh page for class cls owned by core `owner`, all objects free. */
static struct page_hdr *new_page(struct heap_core *hc, unsigned owner, unsigned cls)
{
	struct page_hdr *h = pmm_alloc();
	size_t size = class_size(cls);
	struct free_obj **tail;

	if (h == NULL)
		return NULL;
	__atomic_add_fetch(&heap_pages, 1, __ATOMIC_RELAXED);
	memset(h, 0, HDR_SIZE);
	h->magic = KHEAP_MAGIC;
	h->cls = (uint8_t)cls;
	h->owner = (uint8_t)owner;
	tail = &h->free;
	for (size_t off = HDR_SIZE; off + size <= PAGE_SIZE; off += size) {
		struct free_obj *o = (struct free_obj *)((char *)h + off);

		*tail = o;
		tail = &o->next;
	}
	*tail = NULL;
	link_page(hc, h);
	return h;
}

static void *alloc_small(struct heap_core *hc, unsigned owner, unsigned cls)
{
	struct page_hdr *h = hc->partial[cls];
	struct free_obj *o;

	if (h == NULL && (h = new_page(hc, owner, cls)) == NULL)
		return NULL;
	o = h->free;
	h->free = o->next;
	h->inuse++;
	if (h->free == NULL)
		unlink_page(hc, h);
	return o;
}

static void release_page(struct heap_core *hc, struct page_hdr *h)
{
	unlink_page(hc, h);
	h->magic = 0;
	pmm_free(h);
	__atomic_sub_fetch(&heap_pages, 1, __ATOMIC_RELAXED);
}

/* Free p into its page h on the owner's lists (the owner, or under boot_lock). */
static void free_local(struct heap_core *hc, struct page_hdr *h, void *p)
{
	struct free_obj *o = p;

	if (h->inuse == 0)
		panic("kfree: bad pointer %p", p);
	o->next = h->free;
	h->free = o;
	h->inuse--;
	if (o->next == NULL)
		link_page(hc, h);
	/* Keep one partial page per class so a malloc/free pair does not churn pages. */
	if (h->inuse == 0 && (h->next != NULL || h->prev != NULL))
		release_page(hc, h);
}

/* Take back what other cores freed. Owner only. */
static void drain_remote(struct heap_core *hc)
{
	struct mbox_node *n = mailbox_take_all(&hc->remote);

	while (n != NULL) {
		struct mbox_node *next = n->next;

		free_local(hc, page_of(n), n);
		n = next;
	}
}

static void *alloc_large(size_t size)
{
	size_t npages;
	struct page_hdr *h;

	if (size > SIZE_MAX - HDR_SIZE - PAGE_SIZE)
		return NULL;
	npages = (size + HDR_SIZE + PAGE_SIZE - 1) / PAGE_SIZE;
	h = pmm_alloc_contig(npages);
	if (h == NULL)
		return NULL;
	__atomic_add_fetch(&heap_pages, npages, __ATOMIC_RELAXED);
	memset(h, 0, HDR_SIZE);
	h->magic = KHEAP_MAGIC;
	h->cls = KHEAP_LARGE;
	h->npages = npages;
	return (char *)h + HDR_SIZE;
}

size_t kheap_pages(void)
{
	return __atomic_load_n(&heap_pages, __ATOMIC_RELAXED);
}

void kheap_init(void)
{
	heap_pages = 0;
	for (unsigned c = 0; c <= BOOT_CORE; c++) {
		for (unsigned i = 0; i < NCLASSES; i++)
			cores[c].partial[i] = NULL;
		mailbox_init(&cores[c].remote);
	}
}

void *kmalloc(size_t size)
{
	int cpu;
	void *p;

	if (size > MAX_SMALL)
		return alloc_large(size); /* pages straight from the pmm */
	cpu = pmm_cpu();
	if (cpu < 0) {
		spin_lock(&boot_lock);
		p = alloc_small(&cores[BOOT_CORE], BOOT_CORE, size_class(size));
		spin_unlock(&boot_lock);
		return p;
	}
	if (!mailbox_empty(&cores[cpu].remote))
		drain_remote(&cores[cpu]);
	return alloc_small(&cores[cpu], (unsigned)cpu, size_class(size));
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p != NULL)
		memset(p, 0, size);
	return p;
}

void kfree(void *p)
{
	struct page_hdr *h = page_of(p);
	size_t off = (uintptr_t)p - (uintptr_t)h;
	int cpu;

	if (p == NULL)
		return;
	if (off < HDR_SIZE || h->magic != KHEAP_MAGIC)
		panic("kfree: bad pointer %p", p);
	if (h->cls == KHEAP_LARGE) {
		if (off != HDR_SIZE)
			panic("kfree: bad pointer %p", p);
		h->magic = 0;
		__atomic_sub_fetch(&heap_pages, h->npages, __ATOMIC_RELAXED);
		pmm_free_contig(h, h->npages);
		return;
	}
	if (h->cls >= NCLASSES || h->owner > BOOT_CORE ||
	    (off - HDR_SIZE) % class_size(h->cls) != 0)
		panic("kfree: bad pointer %p", p);
	cpu = pmm_cpu();
	if (h->owner == BOOT_CORE) {
		spin_lock(&boot_lock);
		free_local(&cores[BOOT_CORE], h, p);
		spin_unlock(&boot_lock);
	} else if (h->owner == cpu) {
		free_local(&cores[cpu], h, p);
	} else {
		/* The block is still counted in h->inuse, so the page stays. */
		mailbox_push(&cores[h->owner].remote, (struct mbox_node *)p);
	}
}

void kheap_trim(void)
{
	int cpu = pmm_cpu();
	struct heap_core *hc = &cores[cpu < 0 ? BOOT_CORE : cpu];

	if (cpu < 0)
		spin_lock(&boot_lock);
	else
		drain_remote(hc);
	for (unsigned i = 0; i < NCLASSES; i++) {
		struct page_hdr *h = hc->partial[i], *next;

		for (; h != NULL; h = next) {
			next = h->next;
			if (h->inuse == 0)
				release_page(hc, h);
		}
	}
	if (cpu < 0)
		spin_unlock(&boot_lock);
}

/*
 * Self-check of one core's lists (kheap_check). A partial page must carry the
 * heap's magic, its list's class and its core; its free objects must lie on
 * the class's grid inside the page, and with the blocks in use they must fill
 * it exactly (a block freed twice makes a cycle and too many).
 */
static int heap_bad(unsigned core, unsigned cls, const void *page, const char *what)
{
	kprintf("toro: selfcheck: heap: core %u class %u page %p: %s\n", core, cls, page, what);
	return 1;
}

static int check_page(unsigned core, unsigned cls, const struct page_hdr *h)
{
	size_t size = class_size(cls), cap = (PAGE_SIZE - HDR_SIZE) / size, nfree = 0;

	if ((uintptr_t)h & (PAGE_SIZE - 1))
		return heap_bad(core, cls, h, "not page aligned");
	if (h->magic != KHEAP_MAGIC || h->cls != cls || h->owner != core)
		return heap_bad(core, cls, h, "wrong magic, class or owner");
	for (const struct free_obj *o = h->free; o != NULL; o = o->next) {
		uintptr_t off = (uintptr_t)o - (uintptr_t)h;

		if (page_of(o) != h || off < HDR_SIZE || (off - HDR_SIZE) % size != 0)
			return heap_bad(core, cls, h, "a free object off the page's grid");
		if (++nfree > cap)
			return heap_bad(core, cls, h, "more free objects than fit (freed twice?)");
	}
	if (nfree + h->inuse != cap)
		return heap_bad(core, cls, h, "free and in-use objects do not fill the page");
	return 0;
}

/* Walk core `core`'s partial lists, counting pages in *seen (at most max). */
static int check_lists(struct heap_core *hc, unsigned core, size_t *seen, size_t max)
{
	int bad = 0;

	for (unsigned cls = 0; cls < NCLASSES; cls++) {
		const struct page_hdr *prev = NULL;

		for (const struct page_hdr *h = hc->partial[cls]; h != NULL; h = h->next) {
			if (++*seen > max)
				return bad + heap_bad(core, cls, h, "list longer than memory (a cycle)");
			if (h->prev != prev)
				bad += heap_bad(core, cls, h, "back link broken");
			int b = check_page(core, cls, h);
			if (!b && h->free == NULL)
				b = heap_bad(core, cls, h, "a full page on the partial list");
			bad += b;
			if (b)
				break; /* its links are not to be trusted */
			prev = h;
		}
	}
	return bad;
}

int kheap_check(size_t *pages)
{
	int cpu = pmm_cpu(), bad = 0;
	size_t seen = 0, max = pmm_total_pages() + 1;

	if (cpu >= 0) {
		drain_remote(&cores[cpu]);
		bad += check_lists(&cores[cpu], (unsigned)cpu, &seen, max);
	}
	if (cpu <= 0) {
		spin_lock(&boot_lock);
		bad += check_lists(&cores[BOOT_CORE], BOOT_CORE, &seen, max);
		spin_unlock(&boot_lock);
	}
	if (pages != NULL)
		*pages = seen;
	return bad;
}
