/* SPDX-License-Identifier: MIT */
/*
 * Kernel heap: size classes 16..2048 bytes carved from pages; larger requests
 * take contiguous pages. Every page starts with a small header naming its class,
 * so kfree needs no size. 16-byte alignment. NULL when memory is exhausted.
 */
#ifndef K_KHEAP_H
#define K_KHEAP_H

#include <stddef.h>

/* Forget every page the heap holds (they are not given back). The zero state
 * is ready to use, so the kernel need not call it; host tests call it after
 * pmm_init to start from nothing. */
void kheap_init(void);
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);

#endif
