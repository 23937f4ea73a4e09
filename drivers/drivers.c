/* SPDX-License-Identifier: MIT */
/*
 * Boot-time device discovery: PCI functions (pc, q35), then virtio-mmio
 * windows from the command line (Firecracker, microvm), each handed to its
 * transport, which attaches the driver for the device type. On machines
 * without either (microvm with no devices) this costs a few port accesses.
 * Drivers of optional components (virtio-net, virtio-blk) are not in this
 * table: their components list them (SYSOPT_VIRTIO, k/component.h).
 */
#include <k/cmdline.h>
#include <k/drivers.h>
#include <k/pci.h>

#include "virtio/console_impl.h"
#include "virtio/virtio.h"

const struct virtio_driver *const virtio_drivers[] = {
	&vrng_driver,
	&vcon_driver,
};
const unsigned virtio_ndrivers = sizeof(virtio_drivers) / sizeof(virtio_drivers[0]);

void drivers_init(const struct cmdline *cl)
{
	int pos = 0;
	bool words = cl && cmdline_next_opt(cl, "virtio_mmio.device", &pos) != NULL;

	int npci = pci_scan(virtio_pci_probe);

	if (words)
		virtio_mmio_probe(cl);
	else if (npci == 0)
		virtio_mmio_probe_fw_cfg();
}
