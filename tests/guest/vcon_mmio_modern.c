/* SPDX-License-Identifier: MIT */
/* vcon_mmio_modern: vcon_ports on virtio-mmio version 2 (QEMU microvm with
 * virtio-mmio.force-legacy=false): VIRTIO_F_VERSION_1, FEATURES_OK, the
 * configuration's max_nr_ports and ten queues set up through QueueReady. */
// machines: microvm
// pvh-machines: microvm
// host-setup: printf 'hello from the host\n' > in.in; : > in.out
// host-check: grep -q 'vcon: hvc0 write' hvc0 && grep -q 'vcon: printf' hvc0 && grep -q 'toro: exit status 0' hvc0 && grep -qx 'echo: hello from the host' out
// expect-once: toro: virtio-console port 0: console /dev/hvc0
// expect-once: toro: virtio-console port 1: /dev/virtio-ports/toro.in (/dev/vport0p1)
// expect-once: toro: virtio-console port 2: /dev/virtio-ports/toro.out (/dev/vport0p2)
// expect-output: toro: /dev/virtio-ports/nope: no such virtio-console port
// expect-output: vcon: SUCCESS
// reject-output: refused
// reject-output: toro: virtq
// qemu-args: -global virtio-mmio.force-legacy=false -device virtio-serial-device -chardev file,id=c0,path={tmp}/hvc0 -device virtconsole,chardev=c0 -chardev file,id=c2,path={tmp}/out -chardev pipe,id=c1,path={tmp}/in -device virtserialport,chardev=c1,name=toro.in -device virtserialport,chardev=c2,name=toro.out
#include "vcon_check.h"
