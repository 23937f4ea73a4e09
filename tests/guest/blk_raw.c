/* SPDX-License-Identifier: MIT */
/* blk_raw: /dev/vda, a raw disk of 1 MiB + 1.5 KiB (not a whole number of
 * 4 KiB blocks) made on the host with a known pattern: its size and numbers
 * (fstat, ioctls, lseek), every byte read back three ways; writes at
 * unaligned offsets and lengths (one of 64 KiB + 7 across many sectors, the
 * last 3 bytes, a short write across the end, ENOSPC past it), fsync; the
 * host then checks the image byte for byte (blkimg.pl). EFAULT for bad
 * pointers. */
// machines: pc q35 microvm
// smp: 1 2
// args: -- /dev/vda 1050112 7 1:1 511:2 1000:3000 4095:4098 70001:65543 524288:512 1050109:3
// host-setup: perl "$TORO_ROOT/tests/guest/blkimg.pl" make disk.img 1050112 7
// qemu-args-pc: -drive file={tmp}/disk.img,format=raw,if=none,id=d0 -device virtio-blk-pci,drive=d0
// qemu-args-q35: -drive file={tmp}/disk.img,format=raw,if=none,id=d0 -device virtio-blk-pci,drive=d0
// qemu-args-microvm: -drive file={tmp}/disk.img,format=raw,if=none,id=d0 -device virtio-blk-device,drive=d0
// host-check: perl "$TORO_ROOT/tests/guest/blkimg.pl" check disk.img 1050112 7 1:1 511:2 1000:3000 4095:4098 70001:65543 524288:512 1050109:3
// expect-once: toro: virtio-blk vda at
// expect-output: 2051 sectors (1025.5 KiB), flush
// expect-output: SUCCESS
// reject-output: FAIL
// reject-output: toro: virtq
// reject-output: EIO
#include "blk_check.h"

int main(int argc, char **argv)
{
	return raw_test(argc, argv);
}
