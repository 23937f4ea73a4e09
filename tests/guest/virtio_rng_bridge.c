/* SPDX-License-Identifier: MIT */
/* virtio_rng_bridge: a virtio-rng device behind a bridge (a PCI-PCI bridge on
 * pc, a PCIe root port on q35) is found on the bridge's secondary bus, once
 * with MSI-X and once with INTx (line swizzled by the firmware). */
// machines: pc q35
// pvh-machines: none
// qemu-args-pc: -device pci-bridge,id=br1,chassis_nr=1 -device virtio-rng-pci,bus=br1,addr=3 -device pci-bridge,id=br2,chassis_nr=2 -device virtio-rng-pci,bus=br2,addr=4,vectors=0
// qemu-args-q35: -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1 -device virtio-rng-pci,bus=rp1 -device pcie-root-port,id=rp2,bus=pcie.0,chassis=2 -device virtio-rng-pci,bus=rp2,vectors=0
// expect-output: toro: virtio-rng at pci 01:0
// expect-output: toro: virtio-rng at pci 02:0
// expect-output: SUCCESS
// reject-output: no bytes from the device
// reject-output: not attached
#include "virtio_rng_check.h"
