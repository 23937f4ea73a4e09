/* SPDX-License-Identifier: MIT */
/*
 * The virtio core between transports (virtio_pci.c, virtio_mmio.c) and
 * device drivers (rng.c, later net, blk, console).
 *
 * A transport fills in a virtio_dev (ops, type, where) and calls
 * virtio_attach. The core resets the device, sets ACKNOWLEDGE, finds the
 * driver for the type (probe matches the type only), sets DRIVER, has the
 * transport attach its interrupt and calls the driver's attach, which runs
 * straight down (virtio 1.2, 3.1.1):
 *
 *     virtio_negotiate(d, wanted)       features, FEATURES_OK re-read
 *     virtio_alloc_vq(d, 0, ...)        each queue the driver uses
 *     (device-specific setup)
 *     virtio_driver_ok(d)               DRIVER_OK, last
 *
 * and returns 0 or -EXXX; on an error the core resets the device, sets
 * FAILED and frees the queues (virtio_detach). Attach runs in the boot
 * context on core 0, which also takes every device interrupt for now.
 */
#ifndef VIRTIO_H
#define VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio_reg.h"
#include "virtq.h"

#define VIRTIO_MAX_QUEUES 16 /* virtio-console: 2 per port and 2 for control */

struct virtio_dev;

/* What a transport does; all called with the device owned by its attach or
 * its driver (no locking here). */
struct virtio_ops {
	uint8_t (*get_status)(struct virtio_dev *d);
	/* 0 resets the device and returns when the reset is done. */
	void (*set_status)(struct virtio_dev *d, uint8_t status);
	uint64_t (*get_features)(struct virtio_dev *d);
	void (*set_features)(struct virtio_dev *d, uint64_t features);
	/* Largest size of queue idx; 0 when the device has no such queue. */
	uint16_t (*queue_max)(struct virtio_dev *d, uint16_t idx);
	/* Tell the device where vq's rings are and enable it; sets vq_notify. */
	int (*queue_setup)(struct virtio_dev *d, struct virtq *vq);
	/* Route the device's interrupt to virtio_intr (before any queue). */
	int (*intr_setup)(struct virtio_dev *d);
	/* Device-specific configuration space, width 1, 2 or 4. */
	uint32_t (*cfg_read)(struct virtio_dev *d, unsigned off, unsigned width);
	uint32_t (*cfg_generation)(struct virtio_dev *d);
};

struct virtio_dev {
	/* Set by the transport before virtio_attach. */
	const struct virtio_ops *vd_ops;
	void *vd_transport;
	uint16_t vd_type;  /* VIRTIO_ID_* */
	bool vd_modern;    /* VIRTIO_F_VERSION_1 is required (not legacy MMIO) */
	char vd_where[40]; /* "pci 00:03.0", "mmio 0xfeb00e00 irq 12" */
	/* Set by the core. */
	uint64_t vd_features; /* negotiated */
	struct virtq *vd_vq[VIRTIO_MAX_QUEUES];
	/* Set by the driver. */
	void *vd_softc;
	/* Entries of each indirect table of the queues allocated from now on
	 * (before virtio_alloc_vq; at most the queue size is used): 0 gives
	 * VIRTQ_INDIRECT_MAX. virtio-blk's requests take up to 34. */
	uint16_t vd_ind_max;
	void (*vd_config_changed)(struct virtio_dev *d); /* optional */
};

struct virtio_driver {
	const char *name;
	uint16_t type;
	int (*attach)(struct virtio_dev *d);
};

/* Transports' discovery (drivers/drivers.c, the `virtio` component). The
 * drivers list themselves with SYSOPT_VIRTIO in their components' tables. */
struct pci_dev;
struct cmdline;
/* A PCI function from pci_scan: attach it if it is a virtio device with a
 * driver. */
void virtio_pci_probe(const struct pci_dev *p);
/* The command line's virtio_mmio.device= words: the number of devices
 * attached. */
int virtio_mmio_probe(const struct cmdline *cl);
/* QEMU microvm booted through Multiboot: its words are only in fw_cfg's copy
 * of the command line. The number of devices attached. */
int virtio_mmio_probe_fw_cfg(void);

/* For transports: the driver for a device type, NULL when none (check
 * before touching the device). */
const struct virtio_driver *virtio_find_driver(uint16_t type);
/* 0, -ENODEV (no driver for the type), or the attach error. */
int virtio_attach(struct virtio_dev *d);
/* The transport's interrupt handler, after acknowledging the device:
 * runs each queue's callback (and the config callback if `config`). */
void virtio_intr(struct virtio_dev *d, bool config);

/* For drivers, in attach order. Negotiate the features both sides have of
 * `wanted` (VIRTIO_F_VERSION_1, VIRTIO_F_EVENT_IDX and VIRTIO_F_INDIRECT_DESC are
 * added as the transport allows): 0, or -ENODEV when the device refuses them or a modern
 * device does not offer VERSION_1. */
int virtio_negotiate(struct virtio_dev *d, uint64_t wanted);
/* Set up queue idx with at most max_size entries (VIRTQ_MAX_SIZE cap);
 * intr runs in interrupt context when the device has used buffers. */
int virtio_alloc_vq(struct virtio_dev *d, uint16_t idx, uint16_t max_size,
		    void (*intr)(struct virtq *vq), void *owner, struct virtq **out);
void virtio_driver_ok(struct virtio_dev *d);
/* Reset the device and free its queues (idempotent). */
void virtio_detach(struct virtio_dev *d);
/* Device configuration: a field of width 1, 2 or 4 at `off`, and a 64-bit
 * field read as two halves until the generation counter says they match. */
uint32_t virtio_cfg_read(struct virtio_dev *d, unsigned off, unsigned width);
uint64_t virtio_cfg_read64(struct virtio_dev *d, unsigned off);

#endif
