/* SPDX-License-Identifier: MIT */
/*
 * Device discovery and driver attach at boot (drivers/drivers.c).
 */
#ifndef K_DRIVERS_H
#define K_DRIVERS_H

struct cmdline;

/* Enumerate PCI and the command line's virtio_mmio.device= windows and
 * attach a driver to each device that has one; one console line per device
 * attached. Call once, on core 0 from its boot context, after the cores and
 * the timer are up (attach may wait for a device's interrupt, bounded).
 * cl: the kernel command line (NULL: no virtio-mmio from it). */
void drivers_init(const struct cmdline *cl);

/* Drivers that components link (k/component.h, SYSOPT_VIRTIO): virtio-blk
 * comes with the files (fs/files.c). */
struct virtio_driver;
extern const struct virtio_driver vblk_driver;

#endif
