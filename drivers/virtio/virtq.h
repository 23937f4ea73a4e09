/* SPDX-License-Identifier: MIT */
/*
 * Split virtqueues (virtio 1.2, 2.7): the only code that touches descriptors,
 * the available and used rings, their barriers and little-endian fields.
 *
 * A driver hands buffer chains to the device with virtq_add (each with a
 * cookie of its own, never NULL), publishes them with virtq_kick, and takes
 * them back with virtq_get in its interrupt callback:
 *
 *     while ((c = virtq_get(vq, &len)) != NULL || !virtq_intr_enable(vq))
 *             if (c) done(c, len);
 *
 * (virtq_intr_enable re-arms the interrupt and then looks at the used ring
 * once more, so a buffer used in between is not left waiting.)
 *
 * Locking: none inside. All calls on one queue, from threads and from its
 * interrupt callback, are serialised by the driver's lock.
 * Buffers: segment addresses are physical. RAM is identity mapped, so kernel
 * heap and pmm pages qualify, kernel stacks (at the top of the address space)
 * do not and are refused. A buffer belongs to the device from virtq_add until
 * virtq_get gives back its cookie.
 * Trust: nothing the device writes is believed. A used entry whose id is out
 * of range or not in flight is dropped; a length beyond the chain's writable
 * bytes is reported as 0; both are counted in vq_errors and logged once. A
 * used index that runs more than a ring ahead marks the queue broken (every
 * call fails from then on). Ring links are kept privately, never read back.
 * Indirect descriptors (2.7.5.3), once virtq_set_indirect gave the queue its
 * tables (only when VIRTIO_F_INDIRECT_DESC was negotiated): a chain of 2 to
 * vq_ind_max segments takes one ring descriptor, which points at the table of
 * that descriptor's slot; longer chains, and single segments, are chained in
 * the ring as before. Tables are written afresh at each add, never read back.
 */
#ifndef VIRTQ_H
#define VIRTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio_reg.h"

#define VIRTQ_MAX_SIZE 256 /* Toro's cap on entries per queue */
/* Entries of each indirect table the virtio core gives a queue unless the
 * driver asks for more (virtio_dev.vd_ind_max): room for virtio-net's header
 * and frame; virtio-blk asks for a header, 32 data segments and a status. */
#define VIRTQ_INDIRECT_MAX 4

struct virtq_seg {
	uint64_t addr;
	uint32_t len;
	bool device_writes; /* device-writable; must follow every readable one */
};

/* Per descriptor, private to the driver (not in device-visible memory). */
struct virtq_slot {
	void *cookie;  /* set on a chain's head while in flight */
	uint32_t wlen; /* head: device-writable bytes of the chain */
	uint16_t next; /* chain link, or free-list link */
	uint16_t ndesc; /* head: descriptors in the chain */
};

struct virtq {
	/* Set by virtq_init. */
	uint16_t vq_size;
	uint16_t vq_index;
	bool vq_event_idx;
	struct virtq_desc *vq_desc;
	struct virtq_avail *vq_avail;
	struct virtq_used *vq_used;
	uint16_t *vq_used_event;  /* avail->ring[size], written by us */
	uint16_t *vq_avail_event; /* after used->ring[size], written by the device */
	struct virtq_slot *vq_slot;
	/* Set by virtq_set_indirect: vq_size tables of vq_ind_max entries
	 * (table i belongs to ring descriptor i); NULL and 0 without. */
	struct virtq_desc *vq_ind;
	uint16_t vq_ind_max;
	/* Driver state, under the driver's lock. */
	uint16_t vq_free_head;
	uint16_t vq_nfree;
	uint16_t vq_avail_idx;  /* next available index to publish */
	uint16_t vq_kicked_idx; /* available index at the last kick */
	uint16_t vq_last_used;  /* next used index to take */
	uint16_t vq_chains;     /* chains in flight */
	bool vq_broken;
	bool vq_logged;
	uint32_t vq_errors; /* bad used entries seen */
	/* Set by the virtio core / transport. */
	void (*vq_notify)(struct virtq *vq); /* tell the device (transport) */
	void (*vq_intr)(struct virtq *vq);   /* used buffers arrived (driver) */
	void *vq_owner;     /* the driver's state */
	void *vq_transport; /* the transport's per-queue state */
};

/* Bytes of device-visible memory for a queue of `size` entries: descriptor
 * table, available ring, used ring at the next 4096 boundary (the legacy
 * layout, which also satisfies modern transports). */
size_t virtq_ring_bytes(uint16_t size);

/* Set up vq over `ring` (virtq_ring_bytes(size), 4096-aligned, zeroed here)
 * and `slots` (size entries). size: a power of two, 1..VIRTQ_MAX_SIZE.
 * 0 or -EINVAL. Interrupts start enabled. */
int virtq_init(struct virtq *vq, uint16_t index, uint16_t size, void *ring,
	       struct virtq_slot *slots, bool event_idx);

/* Bytes of indirect tables for a queue of `size` entries, `max` descriptors
 * per table. */
size_t virtq_indirect_bytes(uint16_t size, uint16_t max);
/* Use indirect tables from now on: `tables` (virtq_indirect_bytes(vq_size,
 * max), 16-byte aligned, in the identity map like buffers; the caller keeps
 * it until the device is reset). Call only when VIRTIO_F_INDIRECT_DESC was
 * negotiated, before the first virtq_add. max: 2..vq_size (a table is a
 * chain, and no chain may be longer than the queue, 2.7.5.3.1). 0 or -EINVAL
 * (bad max or address, chains already added). */
int virtq_set_indirect(struct virtq *vq, struct virtq_desc *tables, uint16_t max);

/* Physical addresses the transport programs into the device. */
uint64_t virtq_desc_addr(const struct virtq *vq);
uint64_t virtq_avail_addr(const struct virtq *vq);
uint64_t virtq_used_addr(const struct virtq *vq);

/* Queue one chain (readable segments first): one descriptor when it goes in
 * an indirect table, else one per segment. Not visible to the device until
 * virtq_kick. 0, -ENOSPC (not enough free descriptors), -EINVAL (no segment,
 * more than vq_size, empty or misplaced segment, bad address, NULL cookie),
 * -EIO (broken). */
int virtq_add(struct virtq *vq, const struct virtq_seg *segs, unsigned nsegs, void *cookie);
/* Publish what virtq_add queued and notify the device unless it asked not
 * to be (VIRTQ_USED_F_NO_NOTIFY, or its event index with VIRTIO_F_EVENT_IDX). */
void virtq_kick(struct virtq *vq);
/* virtq_kick in two steps, for a caller that publishes under its lock and
 * notifies after letting go of it (a notification is an exit to the device,
 * which may wait, and another core may want the lock meanwhile):
 * virtq_kick_prepare publishes what was added and says whether the device
 * wants a notification; virtq_notify sends it. Notifying twice is harmless. */
bool virtq_kick_prepare(struct virtq *vq);
void virtq_notify(struct virtq *vq);
/* The next buffer the device has finished with: its cookie, and in *len the
 * bytes the device wrote into it; NULL when none. */
void *virtq_get(struct virtq *vq, uint32_t *len);
/* Ask for an interrupt at the next used buffer; true when none is waiting
 * now, false when one arrived meanwhile (call virtq_get again). */
bool virtq_intr_enable(struct virtq *vq);
void virtq_intr_disable(struct virtq *vq);
/* Chains given to the device and not yet taken back. */
unsigned virtq_in_flight(const struct virtq *vq);
/* Ring descriptors a chain of nsegs segments would take now: 1 when it goes
 * in an indirect table, nsegs otherwise. */
unsigned virtq_descs_needed(const struct virtq *vq, unsigned nsegs);

#endif
