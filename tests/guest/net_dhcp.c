/* SPDX-License-Identifier: MIT */
/* net_dhcp: a virtio-net device on QEMU's user network (virtio-pci with MSI-X
 * on pc and q35, legacy virtio-mmio on microvm) is attached as eth0 with
 * QEMU's MAC, gets 10.0.2.15/24 by DHCP before the program starts, and the
 * gateway answers toro.net.ping's three echo requests. One and two vCPUs. */
// machines: pc q35 microvm
// smp: 1 2
// args: toro.net.ping=10.0.2.2
// qemu-args-pc: -netdev user,id=n0 -device virtio-net-pci,netdev=n0
// qemu-args-q35: -netdev user,id=n0 -device virtio-net-pci,netdev=n0
// qemu-args-microvm: -netdev user,id=n0 -device virtio-net-device,netdev=n0
// expect-once: toro: virtio-net eth0 52:54:00:12:34:56 at 
// expect-once: toro: eth0 10.0.2.15/24 gw 10.0.2.2 dns 10.0.2.3
// expect-output: toro: ping 10.0.2.2 ok
// expect-output: SUCCESS
// reject-output: no answer
// reject-output: cannot send
// reject-output: bad frame
// reject-output: link down
// reject-output: has no address
// reject-output: not attached
// reject-output: toro: virtq
#include "net_check.h"
