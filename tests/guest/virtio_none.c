/* SPDX-License-Identifier: MIT */
/* virtio_none: no virtio device: PCI enumeration on pc and q35 finds nothing
 * to attach, microvm has no PCI and no virtio_mmio.device= word; nothing is
 * printed, nothing waits, and random numbers still work. */
// machines: pc q35 microvm
// expect-output: SUCCESS
// reject-output: virtio
// reject-output: toro: pci
#include "virtio_rng_check.h"
