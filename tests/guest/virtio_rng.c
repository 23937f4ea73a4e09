/* SPDX-License-Identifier: MIT */
/* virtio_rng: a virtio-rng device is found and attached: virtio-pci with MSI-X
 * on pc and q35, legacy virtio-mmio (QEMU's default) on microvm, whose
 * virtio_mmio.device= word the kernel finds on the PVH command line and, for
 * Multiboot, in fw_cfg's copy of it. Attach pulls 64 bytes through the
 * interrupt; the program's random numbers work; on microvm the appended word
 * is not a program argument. One and two vCPUs. */
// machines: pc q35 microvm
// smp: 1 2
// qemu-args-pc: -device virtio-rng-pci
// qemu-args-q35: -device virtio-rng-pci
// qemu-args-microvm: -device virtio-rng-device
// expect-once: toro: virtio-rng at 
// expect-output: SUCCESS
// reject-output: no bytes from the device
// reject-output: not attached
// reject-output: toro: virtq
#include "virtio_rng_check.h"
