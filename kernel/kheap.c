/* SPDX-License-Identifier: MIT */
/*
 * Kernel heap (include/k/kheap.h). Small requests are rounded up to a power of
 * two from 16 to 2048 and served from pages of that class; each such page
 * starts with a header holding its class and its own free list, and pages with
 * a free object are linked per class. A page whose objects are all free goes
 * back to the pmm unless it is the class's only partial page. Larger requests
 * take contiguous pages behind the same header, so kfree finds any block's
 * header by rounding its address down to a page.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <k/console.h>
#include <k/kheap.h>
#include <k/spinlock.h>
#include <k/pmm.h>
#include <k/string.h>

#define KHEAP_MAGIC 0x6b48u	/* "Hk" */
#define KHEAP_LARGE 0xffu
#define NCLASSES 8
#define MIN_SHIFT 4		/* 16 bytes */
#define MAX_SMALL (1u << (MIN_SHIFT + NCLASSES - 1))

struct free_obj {
	struct free_obj *next;
};

struct page_hdr {
	uint16_t magic;
	uint8_t cls;		/* size class, or KHEAP_LARGE */
	uint8_t pad;
	uint16_t inuse;		/* objects handed out */
	uint16_t pad2;
	union {
		struct free_obj *free;	/* small: free objects in this page */
		size_t npages;		/* large: pages in the run */
	};
	struct page_hdr *next, *prev;	/* small: partial pages of the class */
};

/* Objects start after the header; 32 bytes keeps them 16-byte aligned. */
#define HDR_SIZE 32u
_Static_assert(sizeof(struct page_hdr) <= HDR_SIZE, "page header too large");

static struct page_hdr *partial[NCLASSES];

static size_t class_size(unsigned cls)
{
	return (size_t)1 << (cls + MIN_SHIFT);
}

static unsigned size_class(size_t size)
{
	unsigned cls = 0;

	while (class_size(cls) < size)
		cls++;
	return cls;
}

static void unlink_page(struct page_hdr *h)
{
	if (h->prev != NULL)
		h->prev->next = h->next;
	else
		partial[h->cls] = h->next;
	if (h->next != NULL)
		h->next->prev = h->prev;
	h->next = h->prev = NULL;
}

static void link_page(struct page_hdr *h)
{
	h->prev = NULL;
	h->next = partial[h->cls];
	if (h->next != NULL)
		h->next->prev = h;
	partial[h->cls] = h;
}

/* A fresh page for class cls, all objects on its free list. */
static struct page_hdr *new_page(unsigned cls)
{
	struct page_hdr *h = pmm_alloc();
	size_t size = class_size(cls);
	struct free_obj **tail;

	if (h == NULL)
		return NULL;
	memset(h, 0, HDR_SIZE);
	h->magic = KHEAP_MAGIC;
	h->cls = (uint8_t)cls;
	tail = &h->free;
	for (size_t off = HDR_SIZE; off + size <= PAGE_SIZE; off += size) {
		struct free_obj *o = (struct free_obj *)((char *)h + off);

		*tail = o;
		tail = &o->next;
	}
	*tail = NULL;
	link_page(h);
	return h;
}

static void *alloc_small(unsigned cls)
{
	struct page_hdr *h = partial[cls];
	struct free_obj *o;

	if (h == NULL && (h = new_page(cls)) == NULL)
		return NULL;
	o = h->free;
	h->free = o->next;
	h->inuse++;
	if (h->free == NULL)
		unlink_page(h);
	return o;
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
	memset(h, 0, HDR_SIZE);
	h->magic = KHEAP_MAGIC;
	h->cls = KHEAP_LARGE;
	h->npages = npages;
	return (char *)h + HDR_SIZE;
}

void kheap_init(void)
{
	for (unsigned i = 0; i < NCLASSES; i++)
		partial[i] = NULL;
}

static struct spinlock heap_lock = SPINLOCK_INIT;

void *kmalloc(size_t size)
{
	if (size > MAX_SMALL)
		return alloc_large(size); /* pages straight from the pmm */
	spin_lock(&heap_lock);
	void *p = alloc_small(size_class(size));
	spin_unlock(&heap_lock);
	return p;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p != NULL)
		memset(p, 0, size);
	return p;
}

static void free_small(struct page_hdr *h, void *p)
{
	struct free_obj *o = p;
	size_t off = (uintptr_t)p - (uintptr_t)h;

	if ((off - HDR_SIZE) % class_size(h->cls) != 0 || h->inuse == 0)
		panic("kfree: bad pointer %p", p);
	o->next = h->free;
	h->free = o;
	h->inuse--;
	if (o->next == NULL)
		link_page(h);
	/* Keep one partial page per class so a malloc/free pair does not churn pages. */
	if (h->inuse == 0 && (h->next != NULL || h->prev != NULL)) {
		unlink_page(h);
		h->magic = 0;
		pmm_free(h);
	}
}

void kfree(void *p)
{
	struct page_hdr *h = (struct page_hdr *)((uintptr_t)p & ~(PAGE_SIZE - 1));

	if (p == NULL)
		return;
	if ((uintptr_t)p - (uintptr_t)h < HDR_SIZE || h->magic != KHEAP_MAGIC)
		panic("kfree: bad pointer %p", p);
	if (h->cls == KHEAP_LARGE) {
		if ((uintptr_t)p - (uintptr_t)h != HDR_SIZE)
			panic("kfree: bad pointer %p", p);
		h->magic = 0;
		pmm_free_contig(h, h->npages);
		return;
	}
	if (h->cls >= NCLASSES)
		panic("kfree: bad pointer %p", p);
	spin_lock(&heap_lock);
	free_small(h, p);
	spin_unlock(&heap_lock);
}
