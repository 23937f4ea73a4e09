/* SPDX-License-Identifier: MIT */
/* The byte ring of a pipe (kernel/pipe_impl.h): at most two copies per call,
 * one up to the end of the buffer and one from its start. */
#include <k/string.h>
#include "pipe_impl.h"

void pipe_ring_init(struct pipe_ring *r, void *buf, uint32_t size)
{
	r->buf = buf;
	r->size = size;
	r->head = 0;
	r->count = 0;
}

size_t pipe_ring_write(struct pipe_ring *r, const void *src, size_t n)
{
	uint32_t space = pipe_ring_space(r);
	if (n > space)
		n = space;
	uint32_t tail = (r->head + r->count) & (r->size - 1);
	size_t first = n < r->size - tail ? n : r->size - tail;
	memcpy(r->buf + tail, src, first);
	memcpy(r->buf, (const uint8_t *)src + first, n - first);
	r->count += (uint32_t)n;
	return n;
}

size_t pipe_ring_read(struct pipe_ring *r, void *dst, size_t n)
{
	if (n > r->count)
		n = r->count;
	size_t first = n < r->size - r->head ? n : r->size - r->head;
	memcpy(dst, r->buf + r->head, first);
	memcpy((uint8_t *)dst + first, r->buf, n - first);
	r->head = (r->head + (uint32_t)n) & (r->size - 1);
	r->count -= (uint32_t)n;
	if (r->count == 0)
		r->head = 0; /* keeps small transfers in one copy */
	return n;
}
