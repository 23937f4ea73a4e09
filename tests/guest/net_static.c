/* SPDX-License-Identifier: MIT */
/* net_static: toro.ip= and toro.gw= configure eth0 without DHCP, and the
 * gateway answers toro.net.ping (the first request waits for ARP). */
// machines: pc q35 microvm
// args: toro.ip=10.0.2.15/24 toro.gw=10.0.2.2 toro.net.ping=10.0.2.2
// qemu-args-pc: -netdev user,id=n0 -device virtio-net-pci,netdev=n0
// qemu-args-q35: -netdev user,id=n0 -device virtio-net-pci,netdev=n0
// qemu-args-microvm: -netdev user,id=n0 -device virtio-net-device,netdev=n0
// expect-once: toro: virtio-net eth0 52:54:00:12:34:56 at 
// expect-once: toro: eth0 10.0.2.15/24 gw 10.0.2.2
// expect-output: toro: ping 10.0.2.2 ok
// expect-output: SUCCESS
// reject-output: dns 10.0.2.3
// reject-output: no answer
// reject-output: bad frame
// reject-output: has no address
// reject-output: toro: virtq
#include "net_check.h"
