/* SPDX-License-Identifier: MIT */
/*
 * Application memory in the user window (see k/vmm.h): a sorted table of VMAs
 * (address ranges with a protection), pages mapped on first touch and freed on
 * munmap. brk grows a heap at the bottom of the window; mmap takes the first
 * gap that fits above it; stacks have an unmapped guard VMA below them.
 * W^X: a mapping is never writable and executable at once.
 *
 * No overcommit (docs/kernel.md, "Memory"): brk, mmap and mprotect promise
 * the pages they make touchable (k/pmm.h, pmm_commit) or fail with ENOMEM, so
 * a touch of promised memory never fails. Not promised: PROT_NONE (until
 * opened), MAP_NORESERVE (a touch with no memory left is a fault: SIGSEGV),
 * and a stack below its first UVM_STACK_COMMIT bytes (its promise grows by
 * UVM_STACK_STEP on touch; with no memory for that, SIGSEGV as for a stack
 * overflow). munmap and brk shrinking end promises; MADV_DONTNEED frees the
 * pages and keeps the promise. Promises always leave the kernel a reserve.
 */
#ifndef K_UVM_H
#define K_UVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4
#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_NORESERVE 0x4000
#define MAP_GROWSDOWN 0x0100
#define MAP_STACK 0x20000
#define MAP_FIXED_NOREPLACE 0x100000
#define MREMAP_MAYMOVE 1

#define UVM_STACK_COMMIT (128ull << 10) /* a stack's first promise */
#define UVM_STACK_STEP (64ull << 10)    /* how far a stack's promise grows at once */
#define UVM_RESERVE_DIV 64              /* promises leave the kernel 1/64 of memory, */
#define UVM_RESERVE_MIN 64              /* at least this many pages (256 KiB) */
#define UVM_RESERVE_MAX 8192            /* and at most this many (32 MiB) */

/* Start empty; the kernel reserve is taken from pmm_total_pages(). */
void uvm_init(void);
/* Resolve a page fault at addr: 0 when a page was mapped, -EFAULT otherwise. */
int uvm_fault(uint64_t addr, bool write, bool exec);
long uvm_brk(uint64_t newbrk);
long uvm_mmap(uint64_t addr, uint64_t len, int prot, int flags, int fd, uint64_t off);
long uvm_munmap(uint64_t addr, uint64_t len);
/* mremap of anonymous memory: shrink, grow in place, or with MREMAP_MAYMOVE
 * move the pages to a new address (returned). -EINVAL for other flags,
 * -EFAULT when [old, old + olen) is not inside one mapping (or a stack),
 * -ENOMEM when it cannot grow. */
long uvm_mremap(uint64_t old, uint64_t olen, uint64_t nlen, int flags);
long uvm_mprotect(uint64_t addr, uint64_t len, int prot);
/* Drop the pages of [addr, addr+len) inside mappings: they read back as zeros. */
long uvm_discard(uint64_t addr, uint64_t len);
/* A stack of `size` bytes with a guard page below; returns its top or 0. */
uint64_t uvm_alloc_stack(uint64_t size);
/* Pages of application memory currently mapped. */
size_t uvm_resident_pages(void);
/* Self-check: the mapping table well formed, its promises equal to the pages
 * committed, every mapped page of the window
 * inside a mapping with no more rights than it, the resident count right. A
 * console line per problem; returns their number, the mappings in *nmappings
 * (may be NULL). Walks every mapped page under the memory lock. */
int uvm_check(size_t *nmappings);

struct uvm_stats {
	size_t committed; /* pages promised to the application */
	size_t resident;  /* pages of it mapped now */
	size_t reserve;   /* pages promises leave to the kernel */
	size_t vmas;      /* mappings */
};
void uvm_stats(struct uvm_stats *st);
/* Pages the application could still be promised: what malloc can get. */
size_t uvm_free_pages(void);

#endif
