// sources: drivers/virtio/virtq.c tests/unit/host_stubs.c
/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for drivers/virtio/virtq.c: the input is a script of
 * driver calls and device actions (used entries with any id and length, any
 * used index, any byte written anywhere in the rings or the indirect tables).
 * The queue runs with or without indirect tables (of 2..8 entries). Whatever
 * the device does, each cookie comes back at most once and only while in
 * flight, a length never exceeds the chain's writable bytes, a chain takes
 * one ring descriptor exactly when it fits a table, and no descriptor is lost.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <k/errno.h>

#include "../../drivers/virtio/virtq.h"

void arch_mb(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
void arch_rmb(void) { __atomic_thread_fence(__ATOMIC_ACQUIRE); }
void arch_wmb(void) { __atomic_thread_fence(__ATOMIC_RELEASE); }

#define NBUF 32

static uint8_t bufs[NBUF][64];
static struct virtq_slot slots[VIRTQ_MAX_SIZE];
static void *ring;
#define IND_MAX 8
static struct virtq_desc tables[VIRTQ_MAX_SIZE * IND_MAX] __attribute__((aligned(16)));

struct reader {
	const uint8_t *p;
	size_t n;
};

static unsigned take(struct reader *r)
{
	if (r->n == 0)
		return 0;
	r->n--;
	return *r->p++;
}

static unsigned take16(struct reader *r) { return take(r) | take(r) << 8; }
static uint32_t take32(struct reader *r) { return (uint32_t)take16(r) | (uint32_t)take16(r) << 16; }

static void check_free_count(const struct virtq *vq)
{
	unsigned out = 0;

	for (unsigned i = 0; i < vq->vq_size; i++)
		if (vq->vq_slot[i].cookie)
			out += vq->vq_slot[i].ndesc;
	if (out + vq->vq_nfree != vq->vq_size)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, size };
	struct virtq vq;
	bool out[NBUF] = { false };
	uint32_t wlen[NBUF] = { 0 };
	uint16_t qsize = (uint16_t)(1u << (take(&r) % 9)); /* 1..256 */
	unsigned mode = take(&r);

	if (!ring && !(ring = aligned_alloc(4096, 3 * 4096)))
		return 0;
	if (virtq_init(&vq, 0, qsize, ring, slots, mode & 1))
		abort();
	/* Tables of 2..8 entries (at most the queue's size) in half the runs. */
	uint16_t ind = (uint16_t)(2 + (mode >> 2) % (IND_MAX - 1));
	if (ind > qsize)
		ind = qsize;
	if ((mode & 2) && ind >= 2 && virtq_set_indirect(&vq, tables, ind))
		abort();
	size_t ring_len = virtq_ring_bytes(qsize);
	size_t tables_len = virtq_indirect_bytes(qsize, vq.vq_ind_max);
	uint16_t dev_used = 0;

	while (r.n > 0) {
		unsigned op = take(&r) % 8, b, n;
		uint32_t len;
		void *c;

		switch (op) {
		case 0: { /* add: n segments into buffer b, the last w writable */
			struct virtq_seg s[4];
			uint32_t w = 0;
			b = take(&r) % NBUF;
			n = 1 + take(&r) % 4;
			unsigned first_w = take(&r) % (n + 1);
			if (out[b])
				break;
			for (unsigned k = 0; k < n; k++) {
				s[k] = (struct virtq_seg){ (uintptr_t)(bufs[b] + 16 * k), 16, k >= first_w };
				w += k >= first_w ? 16 : 0;
			}
			unsigned nfree = vq.vq_nfree, need = n > 1 && n <= vq.vq_ind_max ? 1 : n;
			if (virtq_descs_needed(&vq, n) != need)
				abort();
			int ret = virtq_add(&vq, s, n, bufs[b]);
			if (ret == 0) {
				if (nfree - vq.vq_nfree != need)
					abort();
				out[b] = true;
				wlen[b] = w;
			} else if (ret != -ENOSPC && ret != -EIO && !(ret == -EINVAL && n > qsize)) {
				abort();
			}
			break;
		}
		case 1:
			virtq_kick(&vq);
			break;
		case 2: /* the device publishes a used entry of its choosing */
			vq.vq_used->ring[dev_used % qsize].id = take(&r) & 1 ? take(&r) % qsize : take32(&r);
			vq.vq_used->ring[dev_used % qsize].len = take(&r) & 1 ? take(&r) : take32(&r);
			dev_used++;
			vq.vq_used->idx = dev_used;
			break;
		case 3: /* any used index */
			dev_used = (uint16_t)take16(&r);
			vq.vq_used->idx = dev_used;
			break;
		case 4: /* any byte anywhere in the rings */
			n = take16(&r) % ring_len;
			((uint8_t *)ring)[n] = (uint8_t)take(&r);
			break;
		case 7: /* any byte anywhere in the indirect tables */
			if (tables_len) {
				n = take16(&r) % tables_len;
				((uint8_t *)tables)[n] = (uint8_t)take(&r);
			}
			break;
		case 5:
			while ((c = virtq_get(&vq, &len)) != NULL || !virtq_intr_enable(&vq)) {
				if (!c)
					continue;
				b = (unsigned)(((uint8_t(*)[64])c) - bufs);
				if (b >= NBUF || !out[b] || len > wlen[b])
					abort();
				out[b] = false;
			}
			break;
		default:
			virtq_intr_disable(&vq);
			break;
		}
		check_free_count(&vq);
	}
	return 0;
}
