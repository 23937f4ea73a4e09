/* SPDX-License-Identifier: MIT */
/*
 * Private to drivers/virtio/blk.c and its tests: the virtio-blk driver's
 * state (one per device) and its counters.
 */
#ifndef VIRTIO_BLK_IMPL_H
#define VIRTIO_BLK_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include <k/blkdev_driver.h>
#include <k/spinlock.h>

#include "blk_reg.h"
#include "virtio.h"

#define VBLK_QUEUE_MAX 64 /* ring entries asked for: requests in flight, at most */
/* Entries of each indirect table: a header, BLK_MAX_SEGS data segments and
 * the status byte, so any request takes one ring entry. */
#define VBLK_IND_MAX (BLK_MAX_SEGS + 2)
#define VBLK_S_NONE 0xff  /* status before the device writes it: never valid */

/* One per ring entry, in memory the device sees: the header it reads and
 * the status byte it writes. */
struct vblk_cmd {
	struct virtio_blk_req_hdr c_hdr;
	uint8_t c_status;
	uint8_t c_pad[15];
};

struct vblk_stats {
	uint32_t bad_replies; /* a status or used length the device got wrong */
	uint32_t io_errors;   /* the device said VIRTIO_BLK_S_IOERR or UNSUPP */
	uint32_t queued;      /* requests that waited for room in the ring */
	uint32_t in_flight_max;
};

struct vblk {
	struct blkdev sc_bd;
	struct virtio_dev *sc_dev;
	struct virtq *sc_vq;
	/* Set at attach. */
	bool sc_indirect;         /* INDIRECT_DESC: a request takes one ring entry */
	uint16_t sc_ncmds;        /* the ring's size */
	struct vblk_cmd *sc_cmds; /* sc_ncmds of them */
	/* Under sc_lock: the queue, the commands, the waiting requests. */
	struct spinlock sc_lock;
	struct blk_req **sc_cmd_req; /* the request each command carries; NULL: free */
	uint16_t *sc_free;           /* indices of free commands (a stack) */
	uint16_t sc_nfree;
	struct blk_req *sc_wait_head, *sc_wait_tail; /* no room in the ring yet */
	bool sc_dead;             /* the queue broke: the device was reset */
	bool sc_logged_bad, sc_logged_ioerr;
	struct vblk_stats sc_stats;
};

extern const struct virtio_driver vblk_driver;

#endif
