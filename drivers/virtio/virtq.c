/* SPDX-License-Identifier: MIT */
/*
 * Split virtqueues (virtio 1.2, 2.7.13 supplying buffers, 2.7.14 receiving
 * used buffers, 2.7.7/2.7.10 notification suppression with and without
 * VIRTIO_F_EVENT_IDX, 2.7.5.3 indirect descriptors). Contract and trust rules: virtq.h. Portable: built
 * on the host for tests/unit/test_virtq.c and tests/fuzz/fuzz_virtq.c.
 */
#include <k/arch.h>
#include <k/console.h>
#include <k/errno.h>
#include <k/string.h>

#include "virtq.h"

/* The device reads and writes the rings concurrently: every access to a
 * shared field is a single volatile load or store of its natural width. */
#define RD(x) (*(volatile __typeof__(x) *)&(x))
#define WR(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
static inline uint16_t le16(uint16_t v) { return __builtin_bswap16(v); }
static inline uint32_t le32(uint32_t v) { return __builtin_bswap32(v); }
static inline uint64_t le64(uint64_t v) { return __builtin_bswap64(v); }
#else
static inline uint16_t le16(uint16_t v) { return v; }
static inline uint32_t le32(uint32_t v) { return v; }
static inline uint64_t le64(uint64_t v) { return v; }
#endif

/* Buffers must lie in the identity map (the lower half). */
#define ADDR_LIMIT (1ull << 47)

static size_t used_offset(uint16_t size)
{
	size_t avail_end = 16u * size + 6u + 2u * size;
	return (avail_end + VIRTQ_LEGACY_ALIGN - 1) & ~(size_t)(VIRTQ_LEGACY_ALIGN - 1);
}

size_t virtq_ring_bytes(uint16_t size)
{
	return used_offset(size) + 6u + 8u * size;
}

int virtq_init(struct virtq *vq, uint16_t index, uint16_t size, void *ring,
	       struct virtq_slot *slots, bool event_idx)
{
	char *base = ring;

	if (size == 0 || size > VIRTQ_MAX_SIZE || (size & (size - 1)) || ring == NULL ||
	    ((uintptr_t)ring & (VIRTQ_LEGACY_ALIGN - 1)) || slots == NULL)
		return -EINVAL;
	memset(ring, 0, virtq_ring_bytes(size));
	memset(vq, 0, sizeof(*vq));
	vq->vq_size = size;
	vq->vq_index = index;
	vq->vq_event_idx = event_idx;
	vq->vq_desc = (struct virtq_desc *)base;
	vq->vq_avail = (struct virtq_avail *)(base + 16u * size);
	vq->vq_used = (struct virtq_used *)(base + used_offset(size));
	vq->vq_used_event = &vq->vq_avail->ring[size];
	vq->vq_avail_event = (uint16_t *)&vq->vq_used->ring[size];
	vq->vq_slot = slots;
	for (uint16_t i = 0; i < size; i++) {
		slots[i].cookie = NULL;
		slots[i].next = (uint16_t)(i + 1);
	}
	vq->vq_nfree = size;
	return 0;
}

uint64_t virtq_desc_addr(const struct virtq *vq) { return (uintptr_t)vq->vq_desc; }
uint64_t virtq_avail_addr(const struct virtq *vq) { return (uintptr_t)vq->vq_avail; }
uint64_t virtq_used_addr(const struct virtq *vq) { return (uintptr_t)vq->vq_used; }
unsigned virtq_in_flight(const struct virtq *vq) { return vq->vq_chains; }

size_t virtq_indirect_bytes(uint16_t size, uint16_t max)
{
	return (size_t)size * max * sizeof(struct virtq_desc);
}

int virtq_set_indirect(struct virtq *vq, struct virtq_desc *tables, uint16_t max)
{
	uintptr_t a = (uintptr_t)tables;

	if (max < 2 || max > vq->vq_size || a == 0 || (a & 15) || a >= ADDR_LIMIT ||
	    virtq_indirect_bytes(vq->vq_size, max) > ADDR_LIMIT - a ||
	    vq->vq_nfree != vq->vq_size || vq->vq_avail_idx != 0)
		return -EINVAL;
	vq->vq_ind = tables;
	vq->vq_ind_max = max;
	return 0;
}

/* A chain of n segments goes in an indirect table (one ring descriptor). */
static bool use_indirect(const struct virtq *vq, unsigned n)
{
	return n > 1 && n <= vq->vq_ind_max;
}

unsigned virtq_descs_needed(const struct virtq *vq, unsigned nsegs)
{
	return use_indirect(vq, nsegs) ? 1 : nsegs;
}

/* Validate a chain before touching anything; its writable byte count. */
static int check_chain(const struct virtq *vq, const struct virtq_seg *segs, unsigned n,
		       uint32_t *wlen)
{
	uint64_t w = 0;
	bool writing = false;

	if (n == 0 || n > vq->vq_size)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++) {
		const struct virtq_seg *s = &segs[i];

		if (s->len == 0 || s->addr == 0 || s->addr >= ADDR_LIMIT ||
		    s->len > ADDR_LIMIT - s->addr || (writing && !s->device_writes))
			return -EINVAL;
		writing = s->device_writes;
		if (writing)
			w += s->len;
	}
	if (w > UINT32_MAX)
		return -EINVAL;
	*wlen = (uint32_t)w;
	return 0;
}

static void put_desc(struct virtq_desc *desc, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	WR(desc->addr, le64(addr));
	WR(desc->len, le32(len));
	WR(desc->flags, le16(flags));
	WR(desc->next, le16(next));
}

static uint16_t seg_flags(const struct virtq_seg *segs, unsigned i, unsigned n)
{
	return (uint16_t)((segs[i].device_writes ? VIRTQ_DESC_F_WRITE : 0) |
			  (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
}

/* The chain in the table of ring descriptor `head`, which points at it. The
 * table's links are indices inside the table (2.7.5.3.2); the ring
 * descriptor carries INDIRECT alone (never NEXT or WRITE, 2.7.5.3.1). */
static void fill_indirect(struct virtq *vq, uint16_t head, const struct virtq_seg *segs,
			  unsigned n)
{
	struct virtq_desc *t = &vq->vq_ind[(size_t)head * vq->vq_ind_max];

	for (unsigned i = 0; i < n; i++)
		put_desc(&t[i], segs[i].addr, segs[i].len, seg_flags(segs, i, n),
			 (uint16_t)(i + 1 < n ? i + 1 : 0));
	put_desc(&vq->vq_desc[head], (uintptr_t)t, (uint32_t)(n * sizeof(*t)),
		 VIRTQ_DESC_F_INDIRECT, 0);
}

/* The chain in ring descriptors from `head` along the free list; the last
 * descriptor used. */
static uint16_t fill_ring(struct virtq *vq, uint16_t head, const struct virtq_seg *segs,
			  unsigned n)
{
	uint16_t d = head;

	for (unsigned i = 0; i < n; i++) {
		uint16_t next = vq->vq_slot[d].next;

		put_desc(&vq->vq_desc[d], segs[i].addr, segs[i].len, seg_flags(segs, i, n),
			 i + 1 < n ? next : 0);
		if (i + 1 < n)
			d = next;
	}
	return d;
}

int virtq_add(struct virtq *vq, const struct virtq_seg *segs, unsigned nsegs, void *cookie)
{
	uint32_t wlen;
	int r;

	if (vq->vq_broken)
		return -EIO;
	if (cookie == NULL || (r = check_chain(vq, segs, nsegs, &wlen)) != 0)
		return cookie == NULL ? -EINVAL : r;
	unsigned need = virtq_descs_needed(vq, nsegs);
	if (need > vq->vq_nfree)
		return -ENOSPC;
	uint16_t head = vq->vq_free_head, last = head;
	if (need == 1 && nsegs > 1)
		fill_indirect(vq, head, segs, nsegs);
	else
		last = fill_ring(vq, head, segs, nsegs);
	vq->vq_free_head = vq->vq_slot[last].next;
	vq->vq_nfree = (uint16_t)(vq->vq_nfree - need);
	vq->vq_slot[head].cookie = cookie;
	vq->vq_slot[head].wlen = wlen;
	vq->vq_slot[head].ndesc = (uint16_t)need;
	vq->vq_chains++;
	WR(vq->vq_avail->ring[vq->vq_avail_idx & (vq->vq_size - 1)], le16(head));
	vq->vq_avail_idx++;
	return 0;
}

bool virtq_kick_prepare(struct virtq *vq)
{
	uint16_t old = vq->vq_kicked_idx, now = vq->vq_avail_idx;
	bool need;

	if (old == now || vq->vq_broken)
		return false;
	/* Descriptors and ring entries are in memory before the index that
	 * hands them over (a store-store order x86 keeps: compiler barrier). */
	arch_wmb();
	WR(vq->vq_avail->idx, le16(now));
	/* The device's suppression fields must be read after it can see the new
	 * index, or a device going to sleep just then is never woken: this is
	 * the store-load order x86 does not keep (mfence). */
	arch_mb();
	if (vq->vq_event_idx) {
		uint16_t ev = le16(RD(*vq->vq_avail_event));
		need = (uint16_t)(now - ev - 1) < (uint16_t)(now - old);
	} else {
		need = !(le16(RD(vq->vq_used->flags)) & VIRTQ_USED_F_NO_NOTIFY);
	}
	vq->vq_kicked_idx = now;
	return need;
}

void virtq_notify(struct virtq *vq)
{
	if (vq->vq_notify && !vq->vq_broken)
		vq->vq_notify(vq);
}

void virtq_kick(struct virtq *vq)
{
	if (virtq_kick_prepare(vq))
		virtq_notify(vq);
}

static void bad_used(struct virtq *vq, const char *what, uint32_t id, uint32_t len)
{
	vq->vq_errors++;
	if (vq->vq_logged)
		return;
	vq->vq_logged = true;
	kprintf("toro: virtq %u: device returned %s (id %u, len %u); ignored, "
		"further errors counted only\n", vq->vq_index, what, id, len);
}

static void free_chain(struct virtq *vq, uint16_t head)
{
	struct virtq_slot *s = &vq->vq_slot[head];
	uint16_t tail = head;

	/* Our own links: ndesc - 1 steps, whatever the device wrote. */
	for (uint16_t i = 1; i < s->ndesc; i++)
		tail = vq->vq_slot[tail].next;
	vq->vq_slot[tail].next = vq->vq_free_head;
	vq->vq_free_head = head;
	vq->vq_nfree = (uint16_t)(vq->vq_nfree + s->ndesc);
	s->cookie = NULL;
	vq->vq_chains--;
}

void *virtq_get(struct virtq *vq, uint32_t *len)
{
	/* At most one ring's worth per call, however the device keeps writing. */
	for (unsigned n = 0; n < vq->vq_size && !vq->vq_broken; n++) {
		uint16_t idx = le16(RD(vq->vq_used->idx));
		uint16_t ahead = (uint16_t)(idx - vq->vq_last_used);

		if (ahead == 0)
			return NULL;
		if (ahead > vq->vq_size) {
			vq->vq_broken = true;
			vq->vq_errors++;
			kprintf("toro: virtq %u: device's used index %u is more than a ring past "
				"%u; queue stopped\n", vq->vq_index, idx, vq->vq_last_used);
			return NULL;
		}
		/* The entry is read after the index that published it (load-load
		 * order, kept by x86: compiler barrier). */
		arch_rmb();
		struct virtq_used_elem *e = &vq->vq_used->ring[vq->vq_last_used & (vq->vq_size - 1)];
		uint32_t id = le32(RD(e->id)), l = le32(RD(e->len));

		vq->vq_last_used++;
		if (id >= vq->vq_size || vq->vq_slot[id].cookie == NULL) {
			bad_used(vq, "a buffer not in flight", id, l);
			continue;
		}
		struct virtq_slot *s = &vq->vq_slot[id];
		void *cookie = s->cookie;
		if (l > s->wlen) {
			bad_used(vq, "a length beyond the buffer", id, l);
			l = 0;
		}
		free_chain(vq, (uint16_t)id);
		*len = l;
		return cookie;
	}
	return NULL;
}

bool virtq_intr_enable(struct virtq *vq)
{
	if (vq->vq_event_idx)
		WR(*vq->vq_used_event, le16(vq->vq_last_used));
	else
		WR(vq->vq_avail->flags, 0);
	/* The request is visible before the used index is looked at again (a
	 * store-load order: mfence), so a buffer used just before the device
	 * saw it is found here, and one used after raises the interrupt. */
	arch_mb();
	return vq->vq_broken || le16(RD(vq->vq_used->idx)) == vq->vq_last_used;
}

void virtq_intr_disable(struct virtq *vq)
{
	if (vq->vq_event_idx)
		WR(*vq->vq_used_event, le16((uint16_t)(vq->vq_last_used - vq->vq_size - 1)));
	else
		WR(vq->vq_avail->flags, le16(VIRTQ_AVAIL_F_NO_INTERRUPT));
}
