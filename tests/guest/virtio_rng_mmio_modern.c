/* SPDX-License-Identifier: MIT */
/* virtio_rng_mmio_modern: virtio-mmio version 2 (what Firecracker offers),
 * QEMU microvm with virtio-mmio.force-legacy=false: queue addresses in
 * QueueDesc/Driver/Device and QueueReady, VIRTIO_F_VERSION_1 and
 * FEATURES_OK. */
// machines: microvm
// qemu-args: -global virtio-mmio.force-legacy=false -device virtio-rng-device
// expect-once: toro: virtio-rng at mmio 0xfeb00e00 irq 12
// expect-output: SUCCESS
// reject-output: no bytes from the device
// reject-output: not attached
// reject-output: toro: virtq
#include "virtio_rng_check.h"
