/* SPDX-License-Identifier: MIT */
/*
 * Private to kernel/pipe.c: the byte ring a pipe keeps its data in
 * (kernel/pipe_ring.c, portable and host-tested). No locking: the pipe's lock
 * covers every call.
 */
#ifndef KERNEL_PIPE_IMPL_H
#define KERNEL_PIPE_IMPL_H

#include <stddef.h>
#include <stdint.h>

struct pipe_ring {
	uint8_t *buf;
	uint32_t size;   /* a power of two */
	uint32_t head;   /* index of the oldest byte */
	uint32_t count;  /* bytes held */
};

/* A ring over buf[size] (size a power of two), empty. */
void pipe_ring_init(struct pipe_ring *r, void *buf, uint32_t size);
static inline uint32_t pipe_ring_space(const struct pipe_ring *r) { return r->size - r->count; }
/* Copy in at most n bytes (what fits): the number copied. */
size_t pipe_ring_write(struct pipe_ring *r, const void *src, size_t n);
/* Copy out and drop at most n bytes: the number copied. */
size_t pipe_ring_read(struct pipe_ring *r, void *dst, size_t n);

#endif
