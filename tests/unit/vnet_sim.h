/* SPDX-License-Identifier: MIT */
/*
 * A simulated virtio-net device for host tests of drivers/virtio/net.c
 * (tests/unit/test_vnet.c, tests/fuzz/fuzz_vnet_rx.c): a fake transport under
 * the real virtio core and virtq, a device side that takes the chains the
 * driver made available and writes used entries of its choosing, and the
 * kernel services the driver calls (pages, heap, netdev registry, random).
 * One device at a time (the global `vsim`).
 */
#ifndef VNET_SIM_H
#define VNET_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../drivers/virtio/net_impl.h"
#include "../../drivers/virtio/net_reg.h"
#include "virtio_sim.h"

struct vsim {
	/* Set by the test before vsim_attach. */
	bool modern;
	uint64_t offered;
	uint16_t qmax[2];
	uint8_t cfg[16];        /* device configuration (MAC, status) */
	bool register_fails;    /* netdev_register says -ENOSPC */
	/* The device. */
	uint8_t status;
	uint64_t driver_features;
	uint32_t gen;
	uint16_t dev_avail[2], dev_used[2];
	int notified[2];
	struct virtio_dev dev;
	/* What the driver did. */
	struct netdev *nd;      /* registered */
	int rx_ready;           /* netdev_rx_ready calls */
	int link_changes;
	bool link_last;
	long pages_out;         /* pages allocated and not freed */
};

extern struct vsim vsim;

/* Defaults: modern, every feature the driver wants, MAC 52:54:00:12:34:56,
 * link up, queues of 256. */
void vsim_reset(void);
/* virtio_attach on the simulated device: 0 or its error. */
int vsim_attach(void);
/* Reset the device, free the queues and the driver's buffers. */
void vsim_detach(void);
struct vnet *vsim_softc(void);
struct virtq *vsim_vq(int q);

/* Take the next chain the driver published on queue q; false when none. */
bool vsim_take(int q, struct vsim_chain *c);
/* Publish a used entry (any id and length) on queue q. */
void vsim_put(int q, uint32_t id, uint32_t len);
/* The device's interrupt: queues, and the configuration when `config`. */
void vsim_intr(bool config);

#endif
