/* SPDX-License-Identifier: MIT */
/* virtio_rng_many_pci: five virtio-rng-pci devices without MSI-X on pc: PIIX
 * has four INTx links, so at least two devices share an IO-APIC input; every
 * one is attached and gets its 64 bytes through its interrupt. */
// machines: pc
// pvh-machines: none
// qemu-args: -device virtio-rng-pci,vectors=0 -device virtio-rng-pci,vectors=0 -device virtio-rng-pci,vectors=0 -device virtio-rng-pci,vectors=0 -device virtio-rng-pci,vectors=0
// expect-once: toro: virtio-rng at pci 00:02.0
// expect-once: toro: virtio-rng at pci 00:03.0
// expect-once: toro: virtio-rng at pci 00:04.0
// expect-once: toro: virtio-rng at pci 00:05.0
// expect-once: toro: virtio-rng at pci 00:06.0
// expect-output: SUCCESS
// reject-output: no bytes from the device
// reject-output: not attached
#include "virtio_rng_check.h"
