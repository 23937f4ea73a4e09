/* SPDX-License-Identifier: MIT */
/* vcon_ports: virtio-console with a console and two named ports. The console
 * (/dev/hvc0, QEMU file chardev) gets the kernel console's lines and the
 * program's own writes; host-check reads that file. toro.in is a pipe chardev
 * over regular files: QEMU reads in.in to its end and then closes the host
 * side (PORT_OPEN 0, EOF here); the line read is echoed to toro.out through
 * /dev/vport0p2, which host-check finds in out. Also: O_NONBLOCK read with no
 * data is EAGAIN, a blocking read blocks its thread only (another runs, a
 * signal ends it with EINTR), poll and epoll see the input and the hang-up,
 * an unknown name is ENOENT. */
// machines: pc microvm
// pvh-machines: none
// smp: 1 2
// host-setup: printf 'hello from the host\n' > in.in; : > in.out
// qemu-args-pc: -device virtio-serial-pci -chardev file,id=c0,path={tmp}/hvc0 -device virtconsole,chardev=c0 -chardev file,id=c2,path={tmp}/out -chardev pipe,id=c1,path={tmp}/in -device virtserialport,chardev=c1,name=toro.in -device virtserialport,chardev=c2,name=toro.out
// qemu-args-microvm: -device virtio-serial-device -chardev file,id=c0,path={tmp}/hvc0 -device virtconsole,chardev=c0 -chardev file,id=c2,path={tmp}/out -chardev pipe,id=c1,path={tmp}/in -device virtserialport,chardev=c1,name=toro.in -device virtserialport,chardev=c2,name=toro.out
// host-check: grep -q 'vcon: hvc0 write' hvc0 && grep -q 'vcon: printf' hvc0 && grep -q 'toro: exit status 0' hvc0 && grep -qx 'echo: hello from the host' out
// expect-once: toro: virtio-console port 0: console /dev/hvc0
// expect-once: toro: virtio-console port 1: /dev/virtio-ports/toro.in (/dev/vport0p1)
// expect-once: toro: virtio-console port 2: /dev/virtio-ports/toro.out (/dev/vport0p2)
// expect-output: toro: /dev/virtio-ports/nope: no such virtio-console port
// expect-output: vcon: SUCCESS
// reject-output: refused
// reject-output: toro: virtq
#include "vcon_check.h"
