/* SPDX-License-Identifier: MIT */
/* virtio_rng_intx: virtio-pci without MSI-X (vectors=0): the interrupt comes
 * on the INTx line the interrupt line register names, level-triggered on the
 * IO-APIC, and the ISR is read to acknowledge it. */
// machines: pc q35
// qemu-args: -device virtio-rng-pci,vectors=0
// expect-once: toro: virtio-rng at pci 00:0
// expect-output: SUCCESS
// reject-output: no bytes from the device
// reject-output: not attached
// reject-output: toro: virtq
#include "virtio_rng_check.h"
