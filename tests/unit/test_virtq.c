/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for drivers/virtio/virtq.c against a simulated device that reads
 * the descriptor table and available ring the driver built and writes used
 * entries: well-behaved ones, and hostile ones (ids out of range or not in
 * flight, duplicate completions, lengths beyond the buffer, a used index that
 * runs ahead, descriptor links rewritten into loops). Notification
 * suppression with and without VIRTIO_F_EVENT_IDX, 16-bit index wrap-around,
 * and a random stress run checking that every cookie comes back exactly once.
 * Indirect descriptors: the device walks each table as QEMU does (one
 * INDIRECT descriptor, a whole number of entries, links inside the table, no
 * nesting); chains of 1, 2 and the table's size, a full ring of them,
 * interleaved completion, hostile ids and lengths, tables scribbled over.
 */
#include "../../drivers/virtio/virtq.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <k/errno.h>

#include <cmocka.h>

/* The barriers the kernel gets from arch/x86_64/io.c. */
void arch_mb(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
void arch_rmb(void) { __atomic_thread_fence(__ATOMIC_ACQUIRE); }
void arch_wmb(void) { __atomic_thread_fence(__ATOMIC_RELEASE); }

#define SIZE 8

struct fixture {
	struct virtq vq;
	void *ring;
	struct virtq_slot slots[VIRTQ_MAX_SIZE];
	uint8_t bufs[VIRTQ_MAX_SIZE][64];
	struct virtq_desc *tables; /* indirect tables, when set */
	int notified;
	/* device side */
	uint16_t dev_avail; /* next available index the device takes */
	uint16_t dev_used;  /* next used index it writes */
};

static void on_notify(struct virtq *vq)
{
	((struct fixture *)vq->vq_owner)->notified++;
}

static struct fixture *setup_fx(uint16_t size, bool event_idx)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->ring = aligned_alloc(4096, (virtq_ring_bytes(size) + 4095) & ~4095ul);
	assert_non_null(f->ring);
	memset(f->ring, 0xa5, virtq_ring_bytes(size)); /* virtq_init must clear it */
	assert_int_equal(virtq_init(&f->vq, 3, size, f->ring, f->slots, event_idx), 0);
	f->vq.vq_notify = on_notify;
	f->vq.vq_owner = f;
	return f;
}

/* A queue with indirect tables of `max` entries. */
static struct fixture *setup_ind(uint16_t size, bool event_idx, uint16_t max)
{
	struct fixture *f = setup_fx(size, event_idx);

	f->tables = aligned_alloc(16, virtq_indirect_bytes(size, max));
	assert_non_null(f->tables);
	memset(f->tables, 0x5a, virtq_indirect_bytes(size, max));
	assert_int_equal(virtq_set_indirect(&f->vq, f->tables, max), 0);
	return f;
}

static void teardown_fx(struct fixture *f)
{
	free(f->tables);
	free(f->ring);
	free(f);
}

/* ---- the simulated device ---- */

/* Take the next available chain: its head and what it offers; -1 if none.
 * Follows links with a bound, as a careful device would. A head with
 * VIRTQ_DESC_F_INDIRECT is walked as a table (2.7.5.3): that descriptor
 * alone (no NEXT), its length a whole number of entries, links inside the
 * table, no INDIRECT inside. */
struct chain {
	int head;
	int ndesc;            /* ring descriptors */
	int nind;             /* table entries, 0 when direct */
	uint32_t rlen, wlen;
	uint16_t desc[VIRTQ_MAX_SIZE];
	struct virtq_seg seg[VIRTQ_MAX_SIZE]; /* what the chain describes */
	int nseg;
};

static void take_desc(struct chain *c, const struct virtq_desc *d)
{
	bool w = d->flags & VIRTQ_DESC_F_WRITE;

	assert_false(d->flags & VIRTQ_DESC_F_INDIRECT);
	assert_true(c->wlen == 0 || w); /* readable ones first */
	assert_true(c->nseg < VIRTQ_MAX_SIZE);
	c->seg[c->nseg++] = (struct virtq_seg){ d->addr, d->len, w };
	*(w ? &c->wlen : &c->rlen) += d->len;
}

static void walk_table(struct virtq *vq, struct chain *c, const struct virtq_desc *ring)
{
	const struct virtq_desc *t = (const struct virtq_desc *)(uintptr_t)ring->addr;
	unsigned n = ring->len / sizeof(*t), i = 0;

	assert_int_equal(ring->flags, VIRTQ_DESC_F_INDIRECT); /* no NEXT, no WRITE */
	assert_int_equal(ring->len % sizeof(*t), 0);
	assert_true(n >= 1 && n <= vq->vq_size);
	for (;;) {
		assert_true(i < n);
		assert_true(c->nind < (int)n); /* no loop in what the driver built */
		c->nind++;
		take_desc(c, &t[i]);
		if (!(t[i].flags & VIRTQ_DESC_F_NEXT))
			break;
		i = t[i].next;
	}
	assert_int_equal(c->nind, n); /* the table is exactly the chain */
}

static bool dev_take(struct fixture *f, struct chain *c)
{
	struct virtq *vq = &f->vq;

	if (f->dev_avail == vq->vq_avail->idx)
		return false;
	c->head = vq->vq_avail->ring[f->dev_avail % vq->vq_size];
	f->dev_avail++;
	if (vq->vq_event_idx)
		*vq->vq_avail_event = f->dev_avail;
	c->ndesc = c->nind = c->nseg = 0;
	c->rlen = c->wlen = 0;
	uint16_t d = (uint16_t)c->head;
	for (;;) {
		assert_true(d < vq->vq_size);
		assert_true(c->ndesc < vq->vq_size); /* no loop in what the driver built */
		struct virtq_desc *desc = &vq->vq_desc[d];
		c->desc[c->ndesc++] = d;
		if (desc->flags & VIRTQ_DESC_F_INDIRECT) {
			assert_int_equal(c->ndesc, 1); /* Toro never chains to a table */
			walk_table(vq, c, desc);
			break;
		}
		take_desc(c, desc);
		if (!(desc->flags & VIRTQ_DESC_F_NEXT))
			break;
		d = desc->next;
	}
	return true;
}

/* Write a used entry (any id and length) and publish it. */
static void dev_put(struct fixture *f, uint32_t id, uint32_t len)
{
	struct virtq *vq = &f->vq;

	vq->vq_used->ring[f->dev_used % vq->vq_size].id = id;
	vq->vq_used->ring[f->dev_used % vq->vq_size].len = len;
	f->dev_used++;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	vq->vq_used->idx = f->dev_used;
}

/* Would the device interrupt now, having published up to dev_used? */
static bool dev_wants_intr(struct fixture *f, uint16_t old_used)
{
	struct virtq *vq = &f->vq;

	if (vq->vq_event_idx) {
		uint16_t ev = *vq->vq_used_event;
		return (uint16_t)(f->dev_used - ev - 1) < (uint16_t)(f->dev_used - old_used);
	}
	return !(vq->vq_avail->flags & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

static struct virtq_seg seg(void *p, uint32_t len, bool w)
{
	return (struct virtq_seg){ (uintptr_t)p, len, w };
}

/* ---- tests ---- */

static void test_init_checks(void **state)
{
	struct virtq vq;
	struct virtq_slot slots[VIRTQ_MAX_SIZE];
	void *ring = aligned_alloc(4096, 3 * 4096);

	assert_non_null(ring);
	assert_int_equal(virtq_init(&vq, 0, 0, ring, slots, false), -EINVAL);
	assert_int_equal(virtq_init(&vq, 0, 3, ring, slots, false), -EINVAL);
	assert_int_equal(virtq_init(&vq, 0, 512, ring, slots, false), -EINVAL);
	assert_int_equal(virtq_init(&vq, 0, 8, (char *)ring + 64, slots, false), -EINVAL);
	assert_int_equal(virtq_init(&vq, 0, 8, NULL, slots, false), -EINVAL);
	assert_int_equal(virtq_init(&vq, 0, 8, ring, NULL, false), -EINVAL);
	assert_int_equal(virtq_init(&vq, 0, 1, ring, slots, false), 0);
	assert_int_equal(virtq_init(&vq, 0, 256, ring, slots, false), 0);
	free(ring);
}

static void test_layout(void **state)
{
	struct fixture *f = setup_fx(SIZE, true);
	struct virtq *vq = &f->vq;

	/* 2.7.2: descriptors, available ring (+ used_event), used ring at 4096. */
	assert_int_equal(virtq_ring_bytes(8), 4096 + 6 + 8 * 8);
	assert_int_equal(virtq_ring_bytes(256), 8192 + 6 + 8 * 256);
	assert_int_equal(virtq_desc_addr(vq), (uintptr_t)f->ring);
	assert_int_equal(virtq_avail_addr(vq), (uintptr_t)f->ring + 16 * SIZE);
	assert_int_equal(virtq_used_addr(vq), (uintptr_t)f->ring + 4096);
	assert_ptr_equal(vq->vq_used_event, (char *)f->ring + 16 * SIZE + 4 + 2 * SIZE);
	assert_ptr_equal(vq->vq_avail_event, (char *)f->ring + 4096 + 4 + 8 * SIZE);
	assert_int_equal(vq->vq_avail->idx, 0);
	assert_int_equal(vq->vq_used->idx, 0);
	assert_int_equal(vq->vq_nfree, SIZE);
	teardown_fx(f);
}

static void test_add_kick_get(void **state)
{
	struct fixture *f = setup_fx(SIZE, false);
	struct virtq *vq = &f->vq;
	struct virtq_seg s[3] = { seg(f->bufs[0], 16, false), seg(f->bufs[1], 10, true),
				  seg(f->bufs[2], 20, true) };
	struct chain c;
	uint32_t len = 99;

	assert_int_equal(virtq_add(vq, s, 3, f->bufs[0]), 0);
	assert_false(dev_take(f, &c)); /* not published before the kick */
	virtq_kick(vq);
	assert_int_equal(f->notified, 1);
	assert_true(dev_take(f, &c));
	assert_int_equal(c.ndesc, 3);
	assert_int_equal(c.rlen, 16);
	assert_int_equal(c.wlen, 30);
	assert_int_equal(vq->vq_desc[c.desc[0]].addr, (uintptr_t)f->bufs[0]);
	assert_int_equal(vq->vq_desc[c.desc[1]].flags, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT);
	assert_int_equal(vq->vq_desc[c.desc[2]].flags, VIRTQ_DESC_F_WRITE);
	assert_int_equal(vq->vq_nfree, SIZE - 3);
	assert_int_equal(virtq_in_flight(vq), 1);
	assert_null(virtq_get(vq, &len));
	dev_put(f, (uint32_t)c.head, 30);
	assert_ptr_equal(virtq_get(vq, &len), f->bufs[0]);
	assert_int_equal(len, 30);
	assert_null(virtq_get(vq, &len));
	assert_int_equal(vq->vq_nfree, SIZE);
	assert_int_equal(virtq_in_flight(vq), 0);
	assert_int_equal(vq->vq_errors, 0);
	virtq_kick(vq); /* nothing new: no notification */
	assert_int_equal(f->notified, 1);
	teardown_fx(f);
}

static void test_add_checks(void **state)
{
	struct fixture *f = setup_fx(SIZE, false);
	struct virtq *vq = &f->vq;
	struct virtq_seg s[SIZE + 1];

	for (int i = 0; i <= SIZE; i++)
		s[i] = seg(f->bufs[i], 8, false);
	assert_int_equal(virtq_add(vq, s, 1, NULL), -EINVAL);
	assert_int_equal(virtq_add(vq, s, 0, f), -EINVAL);
	assert_int_equal(virtq_add(vq, s, SIZE + 1, f), -EINVAL);
	struct virtq_seg bad[2] = { seg(f->bufs[0], 8, true), seg(f->bufs[1], 8, false) };
	assert_int_equal(virtq_add(vq, bad, 2, f), -EINVAL); /* readable after writable */
	bad[0] = seg(f->bufs[0], 0, false);
	assert_int_equal(virtq_add(vq, bad, 1, f), -EINVAL); /* empty */
	bad[0] = (struct virtq_seg){ 0xffffff8000001000ull, 8, true }; /* a kernel stack */
	assert_int_equal(virtq_add(vq, bad, 1, f), -EINVAL);
	bad[0] = (struct virtq_seg){ (1ull << 47) - 8, 16, true }; /* runs out of the map */
	assert_int_equal(virtq_add(vq, bad, 1, f), -EINVAL);
	bad[0] = (struct virtq_seg){ 0, 16, true };
	assert_int_equal(virtq_add(vq, bad, 1, f), -EINVAL);
	bad[0] = seg(f->bufs[0], 0xffffffffu, true);
	bad[1] = seg(f->bufs[1], 2, true);
	assert_int_equal(virtq_add(vq, bad, 2, f), -EINVAL); /* writable total overflows */
	assert_int_equal(vq->vq_nfree, SIZE); /* nothing taken by a refused add */
	assert_int_equal(vq->vq_avail_idx, 0);
	/* Full: SIZE single descriptors, then -ENOSPC. */
	for (int i = 0; i < SIZE; i++)
		assert_int_equal(virtq_add(vq, &s[i], 1, f->bufs[i]), 0);
	assert_int_equal(virtq_add(vq, s, 1, f), -ENOSPC);
	assert_int_equal(vq->vq_nfree, 0);
	teardown_fx(f);
}

/* Fill the ring, complete in reverse order, refill: every descriptor is
 * handed out once at a time and all come back. */
static void test_out_of_order(void **state)
{
	struct fixture *f = setup_fx(SIZE, false);
	struct virtq *vq = &f->vq;
	struct chain c[SIZE];
	uint32_t len;

	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < SIZE / 2; i++) {
			struct virtq_seg s[2] = { seg(f->bufs[2 * i], 4, false),
						  seg(f->bufs[2 * i + 1], 8, true) };
			assert_int_equal(virtq_add(vq, s, 2, f->bufs[2 * i]), 0);
		}
		virtq_kick(vq);
		bool used[SIZE] = { false };
		for (int i = 0; i < SIZE / 2; i++) {
			assert_true(dev_take(f, &c[i]));
			for (int k = 0; k < c[i].ndesc; k++) {
				assert_false(used[c[i].desc[k]]);
				used[c[i].desc[k]] = true;
			}
		}
		for (int i = SIZE / 2 - 1; i >= 0; i--)
			dev_put(f, (uint32_t)c[i].head, (uint32_t)i);
		for (int i = SIZE / 2 - 1; i >= 0; i--) {
			assert_ptr_equal(virtq_get(vq, &len), f->bufs[2 * i]);
			assert_int_equal(len, (uint32_t)i);
		}
		assert_int_equal(vq->vq_nfree, SIZE);
	}
	teardown_fx(f);
}

static void test_hostile_used(void **state)
{
	struct fixture *f = setup_fx(SIZE, false);
	struct virtq *vq = &f->vq;
	struct virtq_seg s[2] = { seg(f->bufs[0], 4, false), seg(f->bufs[1], 8, true) };
	struct virtq_seg ro = seg(f->bufs[2], 16, false);
	struct chain a, b;
	uint32_t len = 77;

	assert_int_equal(virtq_add(vq, s, 2, f->bufs[0]), 0);
	assert_int_equal(virtq_add(vq, &ro, 1, f->bufs[2]), 0);
	virtq_kick(vq);
	assert_true(dev_take(f, &a));
	assert_true(dev_take(f, &b));
	dev_put(f, 1000, 4);                 /* id out of range */
	dev_put(f, 0xffffffffu, 4);          /* id out of range */
	dev_put(f, (uint32_t)a.desc[1], 4);  /* the middle of a chain */
	dev_put(f, 7, 4);                    /* a free descriptor */
	dev_put(f, (uint32_t)a.head, 1u << 31); /* beyond the 8 writable bytes */
	dev_put(f, (uint32_t)a.head, 8);     /* duplicate completion */
	dev_put(f, (uint32_t)b.head, 1);     /* writes into a read-only chain */
	assert_ptr_equal(virtq_get(vq, &len), f->bufs[0]);
	assert_int_equal(len, 0); /* the length is not believed */
	assert_int_equal(vq->vq_errors, 5);
	assert_ptr_equal(virtq_get(vq, &len), f->bufs[2]);
	assert_int_equal(len, 0);
	assert_int_equal(vq->vq_errors, 7);
	assert_true(vq->vq_logged);
	assert_null(virtq_get(vq, &len));
	assert_int_equal(vq->vq_nfree, SIZE);
	assert_int_equal(virtq_in_flight(vq), 0);
	/* The queue still works. */
	assert_int_equal(virtq_add(vq, s, 2, f->bufs[5]), 0);
	virtq_kick(vq);
	assert_true(dev_take(f, &a));
	dev_put(f, (uint32_t)a.head, 8);
	assert_ptr_equal(virtq_get(vq, &len), f->bufs[5]);
	assert_int_equal(len, 8);
	assert_false(vq->vq_broken);
	teardown_fx(f);
}

/* A device that keeps publishing junk cannot keep virtq_get busy. */
static void test_junk_flood_bounded(void **state)
{
	struct fixture *f = setup_fx(SIZE, false);
	struct virtq *vq = &f->vq;
	uint32_t len;

	for (int i = 0; i < SIZE; i++)
		dev_put(f, 100 + (uint32_t)i, 1);
	assert_null(virtq_get(vq, &len));
	assert_int_equal(vq->vq_errors, SIZE);
	assert_int_equal(vq->vq_last_used, SIZE);
	teardown_fx(f);
}

static void test_used_index_runs_ahead(void **state)
{
	struct fixture *f = setup_fx(SIZE, false);
	struct virtq *vq = &f->vq;
	struct virtq_seg s = seg(f->bufs[0], 8, true);
	uint32_t len;

	assert_int_equal(virtq_add(vq, &s, 1, f->bufs[0]), 0);
	virtq_kick(vq);
	vq->vq_used->idx = SIZE + 1;
	assert_null(virtq_get(vq, &len));
	assert_true(vq->vq_broken);
	assert_int_equal(virtq_add(vq, &s, 1, f->bufs[1]), -EIO);
	assert_null(virtq_get(vq, &len));
	assert_true(virtq_intr_enable(vq)); /* a waiter does not spin on it */
	int n = f->notified;
	virtq_kick(vq);
	assert_int_equal(f->notified, n);
	teardown_fx(f);
}

/* The device rewrites every link into a loop: the driver never follows the
 * table, so its free list and later chains are intact. */
static void test_descriptor_loops(void **state)
{
	struct fixture *f = setup_fx(SIZE, false);
	struct virtq *vq = &f->vq;
	struct chain c;
	uint32_t len;

	for (int round = 0; round < 4; round++) {
		struct virtq_seg s[SIZE];
		for (int i = 0; i < SIZE; i++)
			s[i] = seg(f->bufs[i], 8, i >= 2);
		assert_int_equal(virtq_add(vq, s, SIZE, f->bufs[round]), 0);
		virtq_kick(vq);
		assert_true(dev_take(f, &c));
		assert_int_equal(c.ndesc, SIZE);
		for (int i = 0; i < SIZE; i++) {
			vq->vq_desc[i].next = (uint16_t)i;
			vq->vq_desc[i].flags = VIRTQ_DESC_F_NEXT;
		}
		dev_put(f, (uint32_t)c.head, 48);
		assert_ptr_equal(virtq_get(vq, &len), f->bufs[round]);
		assert_int_equal(len, 48);
		assert_int_equal(vq->vq_nfree, SIZE);
	}
	teardown_fx(f);
}

static void test_suppression_flags(void **state)
{
	struct fixture *f = setup_fx(SIZE, false);
	struct virtq *vq = &f->vq;
	struct virtq_seg s = seg(f->bufs[0], 8, true);
	struct chain c;
	uint32_t len;

	vq->vq_used->flags = VIRTQ_USED_F_NO_NOTIFY;
	assert_int_equal(virtq_add(vq, &s, 1, f->bufs[0]), 0);
	virtq_kick(vq);
	assert_int_equal(f->notified, 0);
	vq->vq_used->flags = 0;
	assert_int_equal(virtq_add(vq, &s, 1, f->bufs[1]), 0);
	virtq_kick(vq);
	assert_int_equal(f->notified, 1);

	virtq_intr_disable(vq);
	assert_int_equal(vq->vq_avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
	assert_true(dev_take(f, &c));
	uint16_t old = f->dev_used;
	dev_put(f, (uint32_t)c.head, 1);
	assert_false(dev_wants_intr(f, old));
	/* No lost wake-up: the entry that came while disabled is seen on enable. */
	assert_false(virtq_intr_enable(vq));
	assert_int_equal(vq->vq_avail->flags, 0);
	assert_ptr_equal(virtq_get(vq, &len), f->bufs[0]);
	assert_true(virtq_intr_enable(vq));
	assert_true(dev_take(f, &c));
	old = f->dev_used;
	dev_put(f, (uint32_t)c.head, 1);
	assert_true(dev_wants_intr(f, old));
	teardown_fx(f);
}

static void test_event_idx(void **state)
{
	struct fixture *f = setup_fx(SIZE, true);
	struct virtq *vq = &f->vq;
	struct virtq_seg s = seg(f->bufs[0], 8, true);
	struct chain c;
	uint32_t len;

	/* avail_event 0: the first buffer (index 0 -> 1) notifies. */
	assert_int_equal(virtq_add(vq, &s, 1, f->bufs[0]), 0);
	virtq_kick(vq);
	assert_int_equal(f->notified, 1);
	/* The device has not taken it yet, so its avail_event stays 0: the next
	 * kick does not notify. */
	assert_int_equal(virtq_add(vq, &s, 1, f->bufs[1]), 0);
	virtq_kick(vq);
	assert_int_equal(f->notified, 1);
	/* The device takes both (avail_event = 2) and sleeps: a batch of two
	 * crossing index 2 notifies once. */
	assert_true(dev_take(f, &c));
	assert_true(dev_take(f, &c));
	assert_int_equal(virtq_add(vq, &s, 1, f->bufs[2]), 0);
	assert_int_equal(virtq_add(vq, &s, 1, f->bufs[3]), 0);
	virtq_kick(vq);
	assert_int_equal(f->notified, 2);

	/* used_event: enable asks for an interrupt at the next used entry. */
	assert_true(virtq_intr_enable(vq));
	assert_int_equal(*vq->vq_used_event, 0);
	uint16_t old = f->dev_used;
	dev_put(f, 0, 8);
	assert_true(dev_wants_intr(f, old));
	assert_ptr_equal(virtq_get(vq, &len), f->bufs[0]);
	virtq_intr_disable(vq);
	old = f->dev_used;
	dev_put(f, 1, 8);
	assert_false(dev_wants_intr(f, old));
	assert_false(virtq_intr_enable(vq)); /* arrived while disabled */
	assert_ptr_equal(virtq_get(vq, &len), f->bufs[1]);
	assert_true(virtq_intr_enable(vq));
	assert_int_equal(*vq->vq_used_event, 2);
	teardown_fx(f);
}

/* 70000 round trips: every 16-bit index wraps, with and without event idx. */
static void test_wrap(void **state)
{
	for (int ev = 0; ev < 2; ev++) {
		struct fixture *f = setup_fx(4, ev);
		struct virtq *vq = &f->vq;
		struct chain c;
		uint32_t len;

		for (int i = 0; i < 70000; i++) {
			struct virtq_seg s = seg(f->bufs[i % 4], 8, true);
			assert_int_equal(virtq_add(vq, &s, 1, f->bufs[i % 4]), 0);
			int before = f->notified;
			virtq_kick(vq);
			assert_int_equal(f->notified, before + 1); /* the device was idle */
			assert_true(dev_take(f, &c));
			uint16_t old = f->dev_used;
			dev_put(f, (uint32_t)c.head, 8);
			assert_true(dev_wants_intr(f, old));
			assert_ptr_equal(virtq_get(vq, &len), f->bufs[i % 4]);
			assert_true(virtq_intr_enable(vq));
		}
		assert_int_equal(vq->vq_errors, 0);
		teardown_fx(f);
	}
}

/* Random adds and completions, some hostile: each cookie comes back once,
 * with a length within its buffer, and no descriptor is lost. */
static void test_random(void **state)
{
	unsigned seed = 4242;

	for (int mode = 0; mode < 4; mode++) {
		int ev = mode & 1;
		struct fixture *f = mode & 2 ? setup_ind(16, ev, 2) : setup_fx(16, ev);
		struct virtq *vq = &f->vq;
		int inflight[VIRTQ_MAX_SIZE] = { 0 }; /* per buffer: 1 while out */
		uint32_t wl[VIRTQ_MAX_SIZE];
		struct chain pending[64];
		int npending = 0, back = 0, given = 0;

		for (int it = 0; it < 20000; it++) {
			int op = rand_r(&seed) % 4;
			uint32_t len;
			if (op == 0) {
				int b = rand_r(&seed) % 64, n = 1 + rand_r(&seed) % 3;
				struct virtq_seg s[3];
				uint32_t w = 0;
				if (inflight[b])
					continue;
				for (int k = 0; k < n; k++) {
					s[k] = seg(f->bufs[b] + k * 8, 8, k > 0);
					w += k > 0 ? 8 : 0;
				}
				int r = virtq_add(vq, s, (unsigned)n, f->bufs[b]);
				assert_true(r == 0 || r == -ENOSPC);
				if (r == 0) {
					inflight[b] = 1;
					wl[b] = w;
					given++;
				}
				virtq_kick(vq);
			} else if (op == 1) {
				while (npending < 64 && dev_take(f, &pending[npending]))
					npending++;
			} else if (op == 2 && npending > 0 &&
				   (uint16_t)(f->dev_used - vq->vq_last_used) + 2 <= vq->vq_size) {
				int k = rand_r(&seed) % npending;
				int junk = rand_r(&seed) % 8;
				if (junk == 0)
					dev_put(f, (uint32_t)rand_r(&seed), (uint32_t)rand_r(&seed));
				dev_put(f, (uint32_t)pending[k].head,
					junk == 1 ? 1000u : pending[k].wlen);
				pending[k] = pending[--npending];
			} else {
				void *c;
				while ((c = virtq_get(vq, &len)) != NULL || !virtq_intr_enable(vq)) {
					if (!c)
						continue;
					int b = (int)(((uint8_t(*)[64])c) - f->bufs);
					assert_in_range(b, 0, 63);
					assert_int_equal(inflight[b], 1);
					inflight[b] = 0;
					assert_true(len <= wl[b]);
					back++;
				}
			}
			unsigned out = 0;
			for (int i = 0; i < vq->vq_size; i++)
				if (vq->vq_slot[i].cookie)
					out += vq->vq_slot[i].ndesc;
			assert_int_equal(out + vq->vq_nfree, vq->vq_size);
		}
		assert_int_equal(given - back, (int)virtq_in_flight(vq));
		assert_true(given > 1000 && back > 1000);
		assert_false(vq->vq_broken);
		teardown_fx(f);
	}
}


/* ---- indirect descriptors ---- */

static void test_indirect_set_checks(void **state)
{
	struct fixture *f = setup_fx(SIZE, false);
	struct virtq *vq = &f->vq;
	struct virtq_desc *t = aligned_alloc(16, virtq_indirect_bytes(SIZE, SIZE + 1));
	struct virtq_seg s = seg(f->bufs[0], 8, true);

	assert_non_null(t);
	assert_int_equal(virtq_indirect_bytes(256, 4), 256 * 4 * 16);
	assert_int_equal(virtq_set_indirect(vq, t, 1), -EINVAL);        /* no chain to put */
	assert_int_equal(virtq_set_indirect(vq, t, SIZE + 1), -EINVAL); /* longer than the queue */
	assert_int_equal(virtq_set_indirect(vq, NULL, 4), -EINVAL);
	assert_int_equal(virtq_set_indirect(vq, (struct virtq_desc *)((char *)t + 8), 4), -EINVAL);
	assert_int_equal(virtq_set_indirect(vq, (struct virtq_desc *)0xffffff8000000000ull, 4),
			 -EINVAL); /* outside the identity map */
	assert_null(vq->vq_ind);
	assert_int_equal(virtq_descs_needed(vq, 3), 3);
	/* Only before the first chain. */
	assert_int_equal(virtq_add(vq, &s, 1, f->bufs[0]), 0);
	assert_int_equal(virtq_set_indirect(vq, t, 4), -EINVAL);
	assert_null(vq->vq_ind);
	free(t);
	teardown_fx(f);

	f = setup_ind(SIZE, false, 4);
	assert_int_equal(f->vq.vq_ind_max, 4);
	assert_int_equal(virtq_descs_needed(&f->vq, 1), 1);
	assert_int_equal(virtq_descs_needed(&f->vq, 2), 1);
	assert_int_equal(virtq_descs_needed(&f->vq, 4), 1);
	assert_int_equal(virtq_descs_needed(&f->vq, 5), 5);
	teardown_fx(f);
}

/* Chains of 1 (a plain descriptor), 2 and the table's size (one ring entry
 * each, pointing at the table of that entry), and one longer than a table
 * (chained in the ring as without tables): the device sees exactly the
 * segments given, in order. */
static void test_indirect_chains(void **state)
{
	enum { MAX = 5 };
	struct fixture *f = setup_ind(SIZE, true, MAX);
	struct virtq *vq = &f->vq;
	static const unsigned lens[] = { 1, 2, MAX, MAX + 1 };
	struct chain c;
	uint32_t len;

	for (unsigned k = 0; k < 4; k++) {
		unsigned n = lens[k];
		struct virtq_seg s[MAX + 1];
		uint32_t w = 0;

		for (unsigned i = 0; i < n; i++) {
			s[i] = seg(f->bufs[k * 8 + i], 10 + i, i >= n / 2);
			w += i >= n / 2 ? 10 + i : 0;
		}
		uint16_t nfree = vq->vq_nfree;
		assert_int_equal(virtq_add(vq, s, n, f->bufs[k * 8]), 0);
		assert_int_equal(nfree - vq->vq_nfree, n >= 2 && n <= MAX ? 1 : n);
		virtq_kick(vq);
		assert_true(dev_take(f, &c));
		assert_int_equal(c.nseg, n);
		assert_int_equal(c.nind, n >= 2 && n <= MAX ? n : 0);
		assert_int_equal(c.ndesc, n >= 2 && n <= MAX ? 1 : n);
		if (c.nind)
			assert_ptr_equal((void *)(uintptr_t)vq->vq_desc[c.head].addr,
					 &f->tables[c.head * MAX]);
		for (unsigned i = 0; i < n; i++) {
			assert_int_equal(c.seg[i].addr, s[i].addr);
			assert_int_equal(c.seg[i].len, s[i].len);
			assert_int_equal(c.seg[i].device_writes, s[i].device_writes);
		}
		assert_int_equal(c.wlen, w);
		dev_put(f, (uint32_t)c.head, w);
		assert_ptr_equal(virtq_get(vq, &len), f->bufs[k * 8]);
		assert_int_equal(len, w);
		assert_int_equal(vq->vq_nfree, SIZE);
	}
	assert_int_equal(vq->vq_errors, 0);
	teardown_fx(f);
}

/* With tables a ring of 8 holds 8 chains of 3 segments (2 without). */
static void test_indirect_full_ring(void **state)
{
	struct fixture *f = setup_ind(SIZE, false, 4);
	struct virtq *vq = &f->vq;
	struct chain c[SIZE];
	uint32_t len;

	for (int i = 0; i < SIZE; i++) {
		struct virtq_seg s[3] = { seg(f->bufs[i], 12, false), seg(f->bufs[i] + 16, 20, false),
					  seg(f->bufs[i] + 40, 24, true) };
		assert_int_equal(virtq_add(vq, s, 3, f->bufs[i]), 0);
	}
	struct virtq_seg one = seg(f->bufs[9], 8, true);
	assert_int_equal(virtq_add(vq, &one, 1, f->bufs[9]), -ENOSPC);
	assert_int_equal(virtq_in_flight(vq), SIZE);
	virtq_kick(vq);
	for (int i = 0; i < SIZE; i++) {
		assert_true(dev_take(f, &c[i]));
		assert_int_equal(c[i].nind, 3);
		assert_int_equal(c[i].rlen, 32);
	}
	for (int i = 0; i < SIZE; i++)
		dev_put(f, (uint32_t)c[i].head, 24);
	for (int i = 0; i < SIZE; i++) {
		assert_ptr_equal(virtq_get(vq, &len), f->bufs[i]);
		assert_int_equal(len, 24);
	}
	assert_int_equal(vq->vq_nfree, SIZE);
	teardown_fx(f);
}

/* Indirect and ring chains of every length in flight together, completed
 * in a shuffled order over many rounds while the device scribbles over the
 * tables it has finished with: each cookie back once, with its length. */
static void test_indirect_interleaved(void **state)
{
	enum { N = 16, MAX = 4 };
	struct fixture *f = setup_ind(N, false, MAX);
	struct virtq *vq = &f->vq;
	unsigned seed = 77;
	uint32_t len;

	for (int round = 0; round < 200; round++) {
		struct chain c[N];
		uint32_t want[N];
		int nc = 0;

		for (;;) {
			unsigned n = 1 + (unsigned)rand_r(&seed) % (MAX + 2);
			struct virtq_seg s[MAX + 2];
			int b = nc;
			for (unsigned i = 0; i < n; i++)
				s[i] = seg(f->bufs[b] + 8 * i, 8, i + 1 == n);
			if (virtq_add(vq, s, n, f->bufs[b]) != 0)
				break;
			want[b] = 8;
			nc++;
		}
		assert_true(nc >= 2); /* two chains of the longest kind fit */
		virtq_kick(vq);
		for (int i = 0; i < nc; i++)
			assert_true(dev_take(f, &c[i]));
		assert_false(dev_take(f, &c[0]));
		for (int i = nc - 1; i > 0; i--) { /* shuffle the completions */
			int j = rand_r(&seed) % (i + 1);
			struct chain t = c[i];
			c[i] = c[j];
			c[j] = t;
		}
		for (int i = 0; i < nc; i++) {
			dev_put(f, (uint32_t)c[i].head, c[i].wlen);
			if (c[i].nind) /* done with it: a device may leave junk */
				memset((void *)(uintptr_t)vq->vq_desc[c[i].head].addr, 0xff,
				       c[i].nind * sizeof(struct virtq_desc));
			if (i % 3 == 2 || i == nc - 1) {
				void *k;
				while ((k = virtq_get(vq, &len)) != NULL) {
					int b = (int)(((uint8_t(*)[64])k) - f->bufs);
					assert_in_range(b, 0, nc - 1);
					assert_int_equal(len, want[b]);
					want[b] = 0xdead;
				}
			}
		}
		for (int i = 0; i < nc; i++)
			assert_int_equal(want[i], 0xdead);
		assert_int_equal(vq->vq_nfree, N);
		assert_int_equal(virtq_in_flight(vq), 0);
	}
	assert_int_equal(vq->vq_errors, 0);
	teardown_fx(f);
}

/* A hostile device and indirect chains: ids of table entries, of free ring
 * descriptors, out of range, duplicates, lengths beyond the table's writable
 * bytes, and the table rewritten into a loop, a nested table and wild
 * addresses while in flight. Nothing is believed and the queue goes on. */
static void test_indirect_hostile(void **state)
{
	struct fixture *f = setup_ind(SIZE, false, 4);
	struct virtq *vq = &f->vq;
	struct virtq_seg s[3] = { seg(f->bufs[0], 4, false), seg(f->bufs[1], 8, true),
				  seg(f->bufs[2], 8, true) };
	struct chain a, b;
	uint32_t len = 77;

	assert_int_equal(virtq_add(vq, s, 3, f->bufs[0]), 0);
	assert_int_equal(virtq_add(vq, s, 2, f->bufs[3]), 0);
	virtq_kick(vq);
	assert_true(dev_take(f, &a));
	assert_true(dev_take(f, &b));
	assert_int_equal(a.nind, 3);
	assert_int_equal(b.nind, 2);
	/* The device rewrites the in-flight table: a loop, a nested table. */
	struct virtq_desc *t = (struct virtq_desc *)(uintptr_t)vq->vq_desc[a.head].addr;
	t[0].next = 0;
	t[1].flags = VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT;
	t[2].addr = 0xffffffffffff0000ull;
	dev_put(f, 2, 8);                    /* entry 2 of a table, a free ring descriptor */
	dev_put(f, (uint32_t)a.head + SIZE, 8); /* out of range */
	dev_put(f, 0xffffffffu, 8);
	dev_put(f, (uint32_t)a.head, 17);    /* beyond the 16 writable bytes */
	dev_put(f, (uint32_t)a.head, 16);    /* duplicate completion */
	dev_put(f, (uint32_t)b.head, 9);     /* beyond b's 8 */
	assert_ptr_equal(virtq_get(vq, &len), f->bufs[0]);
	assert_int_equal(len, 0);
	assert_int_equal(vq->vq_errors, 4);
	assert_ptr_equal(virtq_get(vq, &len), f->bufs[3]);
	assert_int_equal(len, 0);
	assert_int_equal(vq->vq_errors, 6);
	assert_null(virtq_get(vq, &len));
	assert_int_equal(vq->vq_nfree, SIZE);
	assert_int_equal(virtq_in_flight(vq), 0);
	/* The queue still works, its tables written afresh. */
	for (int round = 0; round < 2 * SIZE; round++) {
		assert_int_equal(virtq_add(vq, s, 3, f->bufs[5]), 0);
		virtq_kick(vq);
		assert_true(dev_take(f, &a));
		assert_int_equal(a.nind, 3);
		assert_int_equal(a.wlen, 16);
		dev_put(f, (uint32_t)a.head, 16);
		assert_ptr_equal(virtq_get(vq, &len), f->bufs[5]);
		assert_int_equal(len, 16);
	}
	assert_false(vq->vq_broken);
	assert_int_equal(vq->vq_errors, 6);
	teardown_fx(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_checks),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_add_kick_get),
		cmocka_unit_test(test_add_checks),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_hostile_used),
		cmocka_unit_test(test_junk_flood_bounded),
		cmocka_unit_test(test_used_index_runs_ahead),
		cmocka_unit_test(test_descriptor_loops),
		cmocka_unit_test(test_suppression_flags),
		cmocka_unit_test(test_event_idx),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_indirect_set_checks),
		cmocka_unit_test(test_indirect_chains),
		cmocka_unit_test(test_indirect_full_ring),
		cmocka_unit_test(test_indirect_interleaved),
		cmocka_unit_test(test_indirect_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
