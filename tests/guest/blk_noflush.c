/* SPDX-License-Identifier: MIT */
/* blk_noflush: a disk without a volatile write cache (cache=writethrough,
 * config-wce=off: QEMU offers no VIRTIO_BLK_F_FLUSH): the attach line says
 * so, fsync is 0 without a flush request, and blk_raw's checks pass. */
// machines: pc microvm
// pvh-machines: none
// args: -- /dev/vda 1050112 11 1:1 4095:4098 1050109:3
// host-setup: perl "$TORO_ROOT/tests/guest/blkimg.pl" make disk.img 1050112 11
// qemu-args-pc: -drive file={tmp}/disk.img,format=raw,if=none,id=d0,cache=writethrough -device virtio-blk-pci,drive=d0,config-wce=off
// qemu-args-microvm: -drive file={tmp}/disk.img,format=raw,if=none,id=d0,cache=writethrough -device virtio-blk-device,drive=d0,config-wce=off
// host-check: perl "$TORO_ROOT/tests/guest/blkimg.pl" check disk.img 1050112 11 1:1 4095:4098 1050109:3
// expect-output: 2051 sectors (1025.5 KiB), no flush (write-through)
// expect-output: SUCCESS
// reject-output: FAIL
#include "blk_check.h"

int main(int argc, char **argv)
{
	return raw_test(argc, argv);
}
