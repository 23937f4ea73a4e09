/* SPDX-License-Identifier: MIT */
/*
 * The device side of the host tests' simulated virtio devices (virtio_sim.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virtio_sim.h"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "virtio_sim: %s\n", #c); abort(); } } while (0)

/* One descriptor into the chain (readable ones first, no nested table). */
static void take_one(struct vsim_chain *c, const struct virtq_desc *d)
{
	bool w = d->flags & VIRTQ_DESC_F_WRITE;

	CHECK(c->ndesc < VSIM_MAX_DESC && !(d->flags & VIRTQ_DESC_F_INDIRECT));
	CHECK(!(c->wlen && !w)); /* readable descriptors come first */
	c->d[c->ndesc].addr = (uint8_t *)(uintptr_t)d->addr;
	c->d[c->ndesc].len = d->len;
	c->d[c->ndesc].write = w;
	c->ndesc++;
	*(w ? &c->wlen : &c->rlen) += d->len;
}

/* An indirect table (2.7.5.3), walked as QEMU does: a whole number of
 * entries, links inside it, each entry once. */
static void take_table(struct virtq *vq, struct vsim_chain *c, const struct virtq_desc *head)
{
	const struct virtq_desc *t = (const struct virtq_desc *)(uintptr_t)head->addr;
	unsigned n = head->len / sizeof(*t), i = 0, seen = 0;

	CHECK(vq->vq_ind != NULL); /* only when negotiated */
	CHECK(head->flags == VIRTQ_DESC_F_INDIRECT && head->len % sizeof(*t) == 0);
	CHECK(n >= 1 && n <= vq->vq_size);
	c->indirect = true;
	for (;;) {
		CHECK(i < n && seen++ < n);
		take_one(c, &t[i]);
		if (!(t[i].flags & VIRTQ_DESC_F_NEXT))
			break;
		i = t[i].next;
	}
	CHECK(seen == n);
}

bool vsim_queue_take(struct virtq *vq, uint16_t *avail, struct vsim_chain *c)
{
	if (*avail == vq->vq_avail->idx)
		return false;
	c->head = vq->vq_avail->ring[*avail % vq->vq_size];
	(*avail)++;
	if (vq->vq_event_idx)
		*vq->vq_avail_event = *avail;
	c->ndesc = 0;
	c->indirect = false;
	c->rlen = c->wlen = 0;
	uint16_t i = c->head;
	for (;;) {
		CHECK(i < vq->vq_size);
		struct virtq_desc *d = &vq->vq_desc[i];
		if (d->flags & VIRTQ_DESC_F_INDIRECT) {
			CHECK(c->ndesc == 0);
			take_table(vq, c, d);
			break;
		}
		take_one(c, d);
		if (!(d->flags & VIRTQ_DESC_F_NEXT))
			break;
		i = d->next;
	}
	return true;
}

void vsim_write(const struct vsim_chain *c, const void *data, size_t n)
{
	const uint8_t *p = data;

	CHECK(n <= c->wlen);
	for (int i = 0; i < c->ndesc && n; i++) {
		if (!c->d[i].write)
			continue;
		size_t k = n < c->d[i].len ? n : c->d[i].len;
		memcpy(c->d[i].addr, p, k);
		p += k;
		n -= k;
	}
}

size_t vsim_read(const struct vsim_chain *c, void *out, size_t cap)
{
	uint8_t *p = out;
	size_t got = 0;

	for (int i = 0; i < c->ndesc; i++) {
		if (c->d[i].write)
			continue;
		size_t k = c->d[i].len < cap - got ? c->d[i].len : cap - got;
		memcpy(p + got, c->d[i].addr, k);
		got += k;
	}
	return got;
}

void vsim_queue_put(struct virtq *vq, uint16_t *used, uint32_t id, uint32_t len)
{
	uint16_t u = (*used)++;

	vq->vq_used->ring[u % vq->vq_size].id = id;
	vq->vq_used->ring[u % vq->vq_size].len = len;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	vq->vq_used->idx = *used;
}
