/* SPDX-License-Identifier: MIT */
/* blk_mmio_modern: blk_raw's checks on virtio-mmio version 2 (QEMU's
 * force-legacy=false, as Firecracker's transport): VERSION_1 negotiated. */
// machines: microvm
// args: -- /dev/vda 1050112 9 1:1 4095:4098 70001:65543 1050109:3
// host-setup: perl "$TORO_ROOT/tests/guest/blkimg.pl" make disk.img 1050112 9
// qemu-args: -global virtio-mmio.force-legacy=false -drive file={tmp}/disk.img,format=raw,if=none,id=d0 -device virtio-blk-device,drive=d0
// host-check: perl "$TORO_ROOT/tests/guest/blkimg.pl" check disk.img 1050112 9 1:1 4095:4098 70001:65543 1050109:3
// expect-once: toro: virtio-blk vda at mmio
// expect-output: 2051 sectors (1025.5 KiB), flush
// expect-output: SUCCESS
// reject-output: FAIL
// reject-output: toro: virtq
#include "blk_check.h"

int main(int argc, char **argv)
{
	return raw_test(argc, argv);
}
