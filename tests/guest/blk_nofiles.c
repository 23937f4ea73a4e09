/* SPDX-License-Identifier: MIT */
/* blk_nofiles: a program that uses no file functions gets no files
 * component, so no virtio-blk driver: a disk attached to its VM is left
 * alone (no console line) and the program runs as hello does. */
// machines: pc microvm
// pvh-machines: none
// host-setup: head -c 65536 /dev/zero > disk.img
// qemu-args-pc: -drive file={tmp}/disk.img,format=raw,if=none,id=d0 -device virtio-blk-pci,drive=d0
// qemu-args-microvm: -drive file={tmp}/disk.img,format=raw,if=none,id=d0 -device virtio-blk-device,drive=d0
// expect-output: blk_nofiles: SUCCESS
// reject-output: virtio-blk
#include <stdio.h>

int main(void)
{
	printf("blk_nofiles: SUCCESS\n");
	return 0;
}
