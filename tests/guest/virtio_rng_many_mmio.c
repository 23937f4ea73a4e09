/* SPDX-License-Identifier: MIT */
/* virtio_rng_many_mmio: three virtio-rng devices on microvm: three
 * virtio_mmio.device= words (QEMU fills its transports from the top), each
 * window attached on its own IO-APIC input. */
// machines: microvm
// qemu-args: -device virtio-rng-device -device virtio-rng-device -device virtio-rng-device
// expect-once: toro: virtio-rng at mmio 0xfeb00e00 irq 12
// expect-once: toro: virtio-rng at mmio 0xfeb00c00 irq 11
// expect-once: toro: virtio-rng at mmio 0xfeb00a00 irq 10
// expect-output: SUCCESS
// reject-output: no bytes from the device
// reject-output: not attached
#include "virtio_rng_check.h"
