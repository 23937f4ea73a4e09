/* SPDX-License-Identifier: MIT */
/*
 * Device discovery and driver attach at boot (drivers/drivers.c).
 */
#ifndef K_DRIVERS_H
#define K_DRIVERS_H

struct cmdline;

/* Device discovery is the `virtio` component's SYSOPT_PROBE hook
 * (drivers/drivers.c), run by component_probe (k/component.h): it enumerates
 * PCI and the command line's virtio_mmio.device= windows and attaches a
 * linked driver to each device that has one, one console line per device
 * attached; on core 0 from its boot context, after the cores and the timer
 * are up (attach may wait for a device's interrupt, bounded). */

/* Drivers that components link (k/component.h, SYSOPT_VIRTIO): virtio-blk
 * comes with the files (fs/files.c). */
struct virtio_driver;
extern const struct virtio_driver vblk_driver;

#endif
