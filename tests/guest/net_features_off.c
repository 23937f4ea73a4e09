/* SPDX-License-Identifier: MIT */
/* net_features_off: a device that offers none of the optional net features
 * (no MRG_RXBUF, CSUM, GUEST_CSUM, STATUS, EVENT_IDX; a MAC of our choosing):
 * the attach line names no offload, so checksums are made and checked in
 * software. On microvm it is legacy virtio-mmio without ANY_LAYOUT: the
 * 10-byte header in a descriptor of its own, header and frame in one indirect
 * table (INDIRECT_DESC stays on). On pc and q35, modern virtio-pci without
 * MRG_RXBUF: 12 bytes, one descriptor. DHCP and toro.net.ping still work.
 * (Under QEMU's user network CSUM is never offered anyway: the offloads on
 * and off over a tap are tests/net/offload.sh.) */
// machines: pc q35 microvm
// args: toro.net.ping=10.0.2.2
// qemu-args-pc: -netdev user,id=n0 -device virtio-net-pci,netdev=n0,mrg_rxbuf=off,csum=off,guest_csum=off,status=off,event_idx=off,mac=02:00:00:00:00:07
// qemu-args-q35: -netdev user,id=n0 -device virtio-net-pci,netdev=n0,mrg_rxbuf=off,csum=off,guest_csum=off,status=off,event_idx=off,mac=02:00:00:00:00:07
// qemu-args-microvm: -netdev user,id=n0 -device virtio-net-device,netdev=n0,mrg_rxbuf=off,csum=off,guest_csum=off,status=off,event_idx=off,any_layout=off,mac=02:00:00:00:00:07
// expect-once: toro: virtio-net eth0 02:00:00:00:00:07 at 
// expect-output: (indirect)
// reject-output: csum
// expect-once: toro: eth0 10.0.2.15/24 gw 10.0.2.2 dns 10.0.2.3
// expect-output: toro: ping 10.0.2.2 ok
// expect-output: SUCCESS
// reject-output: no answer
// reject-output: bad frame
// reject-output: has no address
// reject-output: toro: virtq
#include "net_check.h"
