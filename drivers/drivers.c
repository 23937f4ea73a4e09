/* SPDX-License-Identifier: MIT */
/*
 * The `virtio` component (tools/components.tab): boot-time device discovery,
 * PCI functions (pc, q35), then virtio-mmio windows from the command line
 * (Firecracker, microvm), each handed to its transport, which attaches the
 * driver for the device type. The drivers are components of their own
 * (virtio-net, virtio-console, virtio-rng; virtio-blk with the files), each
 * listing itself with SYSOPT_VIRTIO (k/component.h), so a program links PCI,
 * the transports and a driver only when it needs a device (docs/kernel.md,
 * "Components"). On machines without PCI or virtio-mmio this costs a few
 * port accesses.
 */
#include <k/cmdline.h>
#include <k/component.h>
#include <k/pci.h>

#include "virtio/virtio.h"

static void drivers_probe(const struct cmdline *cl)
{
	int pos = 0;
	bool words = cl && cmdline_next_opt(cl, "virtio_mmio.device", &pos) != NULL;

	int npci = pci_scan(virtio_pci_probe);

	if (words)
		virtio_mmio_probe(cl);
	else if (npci == 0)
		virtio_mmio_probe_fw_cfg();
}

SYSGROUP(virtio) = { SYSOPT_HOOK(SYSOPT_PROBE, drivers_probe) };
