/* SPDX-License-Identifier: MIT */
/* virtio_rng_dead: a virtio-rng device that never answers (QEMU's max-bytes=0
 * gives it no bytes to hand out): attach waits at most 500 ms for the boot
 * request, says so, and the program starts as usual. */
// machines: pc q35 microvm
// pvh-machines: none
// qemu-args-pc: -device virtio-rng-pci,max-bytes=0,period=60000
// qemu-args-q35: -device virtio-rng-pci,max-bytes=0,period=60000
// qemu-args-microvm: -device virtio-rng-device,max-bytes=0,period=60000
// expect-output: toro: virtio-rng at
// expect-once: no bytes from the device (error -110)
// expect-output: SUCCESS
#include "virtio_rng_check.h"
