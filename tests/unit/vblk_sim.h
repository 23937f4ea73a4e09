/* SPDX-License-Identifier: MIT */
/*
 * A simulated virtio-blk device for host tests of drivers/virtio/blk.c
 * (tests/unit/test_vblk.c, tests/fuzz/fuzz_vblk.c): a fake transport under
 * the real virtio core and virtq, a device side that takes the request
 * chains the driver published, checks their layout (header, data, status:
 * a driver bug aborts), carries them out on a RAM disk as QEMU does and
 * writes used entries (honest or not), and the kernel services the driver
 * and drivers/blkdev.c call. kwait here runs the device: every published
 * request is served and the interrupt raised, so blkdev_rw and blkdev_flush
 * work on one host thread. One device at a time (the global `bsim`).
 */
#ifndef VBLK_SIM_H
#define VBLK_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../drivers/virtio/blk_impl.h"
#include "virtio_sim.h"

#define BSIM_DISK_SECTORS 2048 /* the default disk: 1 MiB */

struct bsim {
	/* Set by the test before bsim_attach. */
	bool modern;
	uint64_t offered;
	uint16_t qmax;
	uint8_t cfg[VIRTIO_BLK_CFG_LEN]; /* configuration space */
	uint8_t *disk;                   /* the device's storage (capacity sectors) */
	bool register_full;              /* fill the blkdev registry first */
	bool lenient;  /* a chain that does not parse is served as nothing
			* (a fuzzed device serves stale chains) instead of aborting */
	/* The device. */
	uint8_t status;
	uint64_t driver_features;
	uint32_t gen;
	uint16_t dev_avail, dev_used;
	int notified;
	int served;                      /* requests carried out */
	struct virtio_dev dev;
	long pages_out;
};

extern struct bsim bsim;

/* A request as the device reads it from a chain. */
struct bsim_req {
	uint32_t type;
	uint64_t sector;
	uint32_t data;    /* data bytes */
	uint8_t *status;  /* the status byte */
};

/* Defaults: modern, SEG_MAX (254), BLK_SIZE (512), FLUSH, EVENT_IDX and
 * INDIRECT_DESC offered, a queue of 128, a disk of BSIM_DISK_SECTORS (byte
 * i is i * 7 + i / 512 until something writes it; kept across resets). */
void bsim_reset(void);
void bsim_cfg32(unsigned off, uint32_t v);
void bsim_capacity(uint64_t sectors);
/* virtio_attach on the simulated device: 0 or its error. */
int bsim_attach(void);
/* Reset the device, free the queue and the driver's state, unregister. */
void bsim_detach(void);
struct vblk *bsim_softc(void);
struct blkdev *bsim_blkdev(void);
struct virtq *bsim_vq(void);

/* Take the next chain the driver published; false when none. */
bool bsim_take(struct vsim_chain *c);
/* The request in c, its layout checked: a driver bug aborts (false when
 * lenient). */
bool bsim_parse(const struct vsim_chain *c, struct bsim_req *q);
/* Carry c out on the disk as QEMU does (reads fill the data), write
 * `status`: the used length QEMU would report (the bytes it wrote; 0 for a
 * chain that does not parse when lenient). */
uint32_t bsim_serve(const struct vsim_chain *c, uint8_t status);
/* Publish a used entry (any id and length). */
void bsim_put(uint32_t id, uint32_t len);
void bsim_intr(void);
/* Serve every published request honestly, then interrupt: the count. */
int bsim_run(void);

#endif
