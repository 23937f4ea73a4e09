/* SPDX-License-Identifier: MIT */
/* net_two: two virtio-net devices on two QEMU user networks become eth0 and
 * eth1, each with its own MAC, and both get an address by DHCP (sharing the
 * PCI interrupt vectors, or two virtio-mmio windows on microvm). */
// machines: pc q35 microvm
// qemu-args-pc: -netdev user,id=n0 -device virtio-net-pci,netdev=n0 -netdev user,id=n1,net=10.0.3.0/24 -device virtio-net-pci,netdev=n1
// qemu-args-q35: -netdev user,id=n0 -device virtio-net-pci,netdev=n0 -netdev user,id=n1,net=10.0.3.0/24 -device virtio-net-pci,netdev=n1
// qemu-args-microvm: -netdev user,id=n0 -device virtio-net-device,netdev=n0 -netdev user,id=n1,net=10.0.3.0/24 -device virtio-net-device,netdev=n1
// expect-once: toro: virtio-net eth0 52:54:00:12:34:56 at 
// expect-once: toro: virtio-net eth1 52:54:00:12:34:57 at 
// expect-once: toro: eth0 10.0.2.15/24 gw 10.0.2.2
// expect-once: toro: eth1 10.0.3.15/24 gw 10.0.3.2
// expect-output: SUCCESS
// reject-output: bad frame
// reject-output: has no address
// reject-output: toro: virtq
#include "net_check.h"
