/* SPDX-License-Identifier: MIT */
/*
 * The device side of a simulated virtio device, shared by the host tests'
 * simulated devices (vnet_sim.c: virtio-net, vblk_sim.c: virtio-blk): take
 * the chains the driver published on a queue (from the ring or from the
 * indirect table a head points at, walked as QEMU walks them), move bytes
 * in and out of them, publish used entries of the test's choosing. Plain C:
 * a broken invariant aborts, so fuzz harnesses use it too.
 */
#ifndef VIRTIO_SIM_H
#define VIRTIO_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../drivers/virtio/virtq.h"

#define VSIM_MAX_DESC 40 /* segments of one chain: virtio-blk's 34 fit */

/* A chain the device took from a queue: its segments, from the ring or
 * from the indirect table its head points at. */
struct vsim_chain {
	uint16_t head;
	bool indirect;  /* the head pointed at a table */
	int ndesc;      /* segments (d[]) */
	uint32_t rlen, wlen; /* readable and writable bytes */
	struct {
		uint8_t *addr;
		uint32_t len;
		bool write;
	} d[VSIM_MAX_DESC];
};

/* Take the next chain the driver published on vq; false when none. *avail:
 * the device's next available entry (advanced). */
bool vsim_queue_take(struct virtq *vq, uint16_t *avail, struct vsim_chain *c);
/* Publish a used entry (any id and length) on vq. *used: the device's next
 * used entry (advanced). */
void vsim_queue_put(struct virtq *vq, uint16_t *used, uint32_t id, uint32_t len);
/* Write n bytes across the chain's writable descriptors (n <= c->wlen). */
void vsim_write(const struct vsim_chain *c, const void *data, size_t n);
/* Read the chain's readable bytes (at most cap); the count. */
size_t vsim_read(const struct vsim_chain *c, void *out, size_t cap);

#endif
