/* SPDX-License-Identifier: MIT */
/*
 * Application memory in the user window (see k/vmm.h): a sorted table of VMAs
 * (address ranges with a protection), pages mapped on first touch and freed on
 * munmap. brk grows a heap at the bottom of the window; mmap takes the first
 * gap that fits above it; stacks have an unmapped guard VMA below them.
 * W^X: a mapping is never writable and executable at once.
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

void uvm_init(void);
/* Resolve a page fault at addr: 0 when a page was mapped, -EFAULT otherwise. */
int uvm_fault(uint64_t addr, bool write, bool exec);
long uvm_brk(uint64_t newbrk);
long uvm_mmap(uint64_t addr, uint64_t len, int prot, int flags, int fd, uint64_t off);
long uvm_munmap(uint64_t addr, uint64_t len);
long uvm_mprotect(uint64_t addr, uint64_t len, int prot);
/* Drop the pages of [addr, addr+len) inside mappings: they read back as zeros. */
long uvm_discard(uint64_t addr, uint64_t len);
/* A stack of `size` bytes with a guard page below; returns its top or 0. */
uint64_t uvm_alloc_stack(uint64_t size);
/* Pages of application memory currently mapped. */
size_t uvm_resident_pages(void);
/* Self-check: the mapping table well formed, every mapped page of the window
 * inside a mapping with no more rights than it, the resident count right. A
 * console line per problem; returns their number, the mappings in *nmappings
 * (may be NULL). Walks every mapped page under the memory lock. */
int uvm_check(size_t *nmappings);

#endif
