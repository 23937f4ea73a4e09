/* SPDX-License-Identifier: MIT */
/*
 * Kernel heap: size classes 16..2048 bytes carved from pages; larger requests
 * take contiguous pages straight from the pmm. Every page starts with a small
 * header naming its class, so kfree needs no size. 16-byte alignment. NULL
 * when memory is exhausted.
 *
 * Per-core design. Each small-class page belongs to one core, named in its
 * header, and each core keeps its own partial pages per class. kmalloc on
 * core c takes from c's pages only and kfree of a block c owns puts it back
 * directly: neither takes a lock, since only c touches its lists and the
 * kernel runs with interrupts off (nothing re-enters the heap on c). A block
 * freed on another core d goes, with one compare-and-swap, on c's remote-free
 * list (a k/mailbox.h MPSC list threaded through the freed blocks); c takes
 * that whole list on its next kmalloc and frees the blocks into their pages.
 * A page's in-use count covers blocks still waiting on that list, so a page
 * never returns to the pmm while another core's free of it is in flight.
 * Each core keeps at most one empty page per class; other pages go back to
 * the pmm as soon as their last block is freed on (or drained by) the owner.
 *
 * While pmm_cpu() < 0 (early boot before the cores are set up, host tests
 * that play no cores) the heap acts as one more "boot core" whose lists are
 * guarded by a spinlock; a boot-owned block freed later on a core goes back
 * under that lock. Remote frees to a core wait until that core next calls
 * kmalloc or kheap_trim.
 */
#ifndef K_KHEAP_H
#define K_KHEAP_H

#include <stddef.h>

/* Forget every page the heap holds (they are not given back). The zero state
 * is ready to use, so the kernel need not call it; host tests call it after
 * pmm_init to start from nothing. */
void kheap_init(void);
/* Bytes of header before every block: a request over 2048 bytes takes
 * (size + KHEAP_HDR) rounded up to pages, so n * PAGE_SIZE - KHEAP_HDR bytes
 * fill n pages exactly. */
#define KHEAP_HDR 32
void *kmalloc(size_t size);
void *kzalloc(size_t size);
/* Any core may free any block; see above for where it goes. */
void kfree(void *p);
/* Self-check of the calling core's lists (and, on core 0 or before the cores
 * are up, the boot core's): every partial page's header, links and free
 * objects. Prints a console line per problem and returns their number; the
 * partial pages walked go to *pages (may be NULL). Blocks in full pages and
 * large blocks are not listed anywhere, so they are not checked. Owner only:
 * call it on each core in turn (kernel/selfcheck.c). */
int kheap_check(size_t *pages);
/* On the calling core (the boot core while pmm_cpu() < 0): take the blocks
 * other cores freed, then give every empty page back to the pmm. */
void kheap_trim(void);
/* Pages the heap holds now (small-class pages and large blocks). */
size_t kheap_pages(void);

#endif
