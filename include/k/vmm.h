/* SPDX-License-Identifier: MIT */
/*
 * Virtual memory: one address space for kernel and application.
 *   [0, RAM top)           identity map of physical memory, supervisor, RW+NX,
 *                          except the image, whose 4 KiB pages carry their own
 *                          protections (kernel RX/R/RW, application U+RX/R/RW).
 *   USER_WIN_BASE..END     application memory: brk heap, mmap, thread stacks,
 *                          4 KiB pages mapped on demand from VMAs (kernel/uvm.c).
 *   KSTACK_BASE..          kernel stacks, each with an unmapped guard below.
 * Single-core for now: changes flush the local TLB only.
 */
#ifndef K_VMM_H
#define K_VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VMM_W  (1u << 0) /* writable */
#define VMM_X  (1u << 1) /* executable */
#define VMM_U  (1u << 2) /* user accessible */
#define VMM_UC (1u << 3) /* uncached (MMIO) */

#define USER_WIN_BASE 0x0000001000000000ull /* 64 GiB */
#define USER_WIN_END  0x0000700000000000ull
#define KSTACK_BASE   0xffffff8000000000ull

struct boot_info;

void vmm_init(const struct boot_info *bi);
int vmm_map(uint64_t va, uint64_t pa, unsigned flags);
/* Unmap one page; the physical address it had (0 when none). */
uint64_t vmm_unmap(uint64_t va);
int vmm_protect(uint64_t va, unsigned flags);
bool vmm_lookup(uint64_t va, uint64_t *pa, unsigned *flags);
/* The first page in [va, end) that is mapped, or end; skips unmapped tables. */
uint64_t vmm_next_mapped(uint64_t va, uint64_t end);
/* Page-table pages that mapping every page of [va, end) would still need;
 * vmm_prepare allocates them (0, or -ENOMEM with some allocated: they stay,
 * tables are never freed). Application memory prepares its tables when it is
 * committed, so a fault on committed memory never allocates. */
size_t vmm_tables_missing(uint64_t va, uint64_t end);
int vmm_prepare(uint64_t va, uint64_t end);
/* Page-table pages allocated since boot. */
size_t vmm_table_pages(void);
/* Identity-map device memory uncached. */
int vmm_map_mmio(uint64_t pa, size_t len);
/* Is [p, p+n) inside memory the application may name (image or user window)?
 * Says nothing about whether it is mapped; copies still fault-check. */
bool vmm_user_range_ok(uint64_t p, uint64_t n);
/* Self-check: every image page maps itself with its protection (kernel text
 * RX, rodata R, data RW, none of it user), the RAM above the image is
 * supervisor-only and NX. A console line per problem; returns their number. */
int vmm_check(void);

/* Kernel stacks of `pages` pages in the stack window, guard page below. */
void *vmm_alloc_kstack(size_t pages);
/* Give back a stack from vmm_alloc_kstack (its top and page count). */
void vmm_free_kstack(void *top, size_t pages);

extern char __toro_load_start[], __toro_krodata_start[], __toro_kdata_start[];
extern char __toro_utext_start[], __toro_urodata_start[], __toro_udata_start[];
extern char __toro_ksyms_start[], __toro_kbss_start[], __toro_ubss_start[];
extern char __toro_bss_end[], __toro_load_end[];

#endif
