/* SPDX-License-Identifier: MIT */
/* net_mmio_modern: virtio-net over virtio-mmio version 2 (what Firecracker
 * offers): QEMU microvm with virtio-mmio.force-legacy=false, VERSION_1 and
 * its 12-byte header. DHCP and toro.net.ping. */
// machines: microvm
// smp: 1 2
// args: toro.net.ping=10.0.2.2
// qemu-args: -global virtio-mmio.force-legacy=false -netdev user,id=n0 -device virtio-net-device,netdev=n0
// expect-once: toro: virtio-net eth0 52:54:00:12:34:56 at mmio 0xfeb00e00 irq 12
// expect-once: toro: eth0 10.0.2.15/24 gw 10.0.2.2 dns 10.0.2.3
// expect-output: toro: ping 10.0.2.2 ok
// expect-output: SUCCESS
// reject-output: no answer
// reject-output: bad frame
// reject-output: has no address
// reject-output: toro: virtq
#include "net_check.h"
