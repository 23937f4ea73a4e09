/* SPDX-License-Identifier: MIT */
/*
 * Physical page allocator. RAM is identity mapped, so a page's physical address
 * is also the kernel's pointer to it. Fed from the firmware memory map: every
 * usable range is added, then the kernel image, boot data and page 0 reserved.
 * Extents are kept as (base, pages) ranges: nothing is touched at init, so boot
 * costs nothing per page; freed pages go on a free list threaded through them.
 * Thread-safe: a lock over the extents, and a small page stack per core in
 * front of it (see pmm.c).
 *
 * Commitments: application memory (kernel/uvm.c) is promised before it is
 * touched. pmm_commit sets pages aside without handing any out; the pages are
 * then taken with pmm_alloc_committed, which cannot fail, and given back with
 * pmm_free_committed (the promise stays) or pmm_free plus pmm_uncommit (the
 * promise ends). The kernel's own pmm_alloc* never take a promised page: they
 * fail when every free page is promised. pmm_free_pages() counts free pages,
 * pmm_avail_pages() those not promised.
 */
#ifndef K_PMM_H
#define K_PMM_H

#include <stddef.h>
#include <stdint.h>

#define PAGE_SIZE 4096ul
#define PMM_MAX_RANGES 64
#define PMM_MAX_CPUS 64

/* The calling core's index, or -1 before cores are set up (no per-core
 * stacks then; the host tests' stub always says -1). */
int pmm_cpu(void);

void pmm_init(void);
/* Add usable RAM [base, base+len); base rounded up, end down to pages. */
void pmm_add_range(uint64_t base, uint64_t len);
/* Remove [base, base+len) from what was added (rounded outwards). Call before
 * any allocation. */
void pmm_reserve_range(uint64_t base, uint64_t len);
/* Self-check: walk the extents, the free list and the per-core stacks under
 * every lock and print a console line for each problem (malformed or
 * overlapping extents, a page twice or in two places, a free page in
 * [avoid, avoid + avoid_len), counts that do not add up). Returns the number
 * of problems. Slow (touches every listed page): tests and toro_selfcheck. */
int pmm_check(uint64_t avoid, uint64_t avoid_len);
/* One page, or NULL. Contents undefined. */
void *pmm_alloc(void);
/* One zeroed page, or NULL. */
void *pmm_alloc_zero(void);
/* n physically contiguous pages, or NULL. Slow path when no free extent is long
 * enough: empties the per-core stacks and coalesces the free pages (pmm.c). */
void *pmm_alloc_contig(size_t n);
void pmm_free(void *page);
void pmm_free_contig(void *base, size_t n);
size_t pmm_free_pages(void);
size_t pmm_total_pages(void);

/* Promise n pages, leaving at least `floor` unpromised: 0, or -ENOMEM with
 * nothing promised. Callable from any context. */
int pmm_commit(size_t n, size_t floor);
/* End a promise of n pages (their pages already given back). */
void pmm_uncommit(size_t n);
/* A page against a promise made with pmm_commit (contents undefined). Never
 * NULL: a missing page means the accounting is broken, and panics. */
void *pmm_alloc_committed(void);
/* A page taken against a promise back to the pool; the promise stays. */
void pmm_free_committed(void *page);
/* Free pages nobody was promised: what pmm_alloc and pmm_commit can take. */
size_t pmm_avail_pages(void);

#endif
