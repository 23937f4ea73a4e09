/* SPDX-License-Identifier: MIT */
/* fs_fat32: a FAT32 root disk (fs_disk.h), on pc, q35 and microvm. */
// machines: pc q35 microvm
// pvh-machines: none
// timeout: 90
// mem: 32
// host-setup: mkdir -p src/deep/er/still/deeper && printf 'hello from fat' > src/hello.txt && printf 'x\n' > src/deep/er/still/deeper/x.txt && LC_ALL=C awk 'BEGIN { for (i = 0; i < 3000000; i++) printf "%c", i % 251 }' > src/pattern.bin && $TORO_ROOT/bin/toro mkdisk --fat 32 --size 64M -o disk.img src > /dev/null
// qemu-args-pc: -drive file={tmp}/disk.img,format=raw,if=none,id=d0 -device virtio-blk-pci,drive=d0
// qemu-args-q35: -drive file={tmp}/disk.img,format=raw,if=none,id=d0 -device virtio-blk-pci,drive=d0
// qemu-args-microvm: -drive file={tmp}/disk.img,format=raw,if=none,id=d0 -device virtio-blk-device,drive=d0
// host-check: fsck.fat -n disk.img > fsck.txt && ! grep -qiE 'dirty|differences|wrong|lost|reclaim|cross|invalid|bad' fsck.txt && MTOOLS_SKIP_CHECK=1 mtype -i disk.img ::/result.txt | grep -qx 'written by the guest' && MTOOLS_SKIP_CHECK=1 mcopy -n -i disk.img ::/big.bin big.bin && LC_ALL=C awk 'BEGIN { for (i = 0; i < 2097152; i++) printf "%c", i % 253 }' > want.bin && cmp big.bin want.bin
// expect-once: toro: / is vda (vfat
// expect-output: SUCCESS
// reject-output: FAIL
#include "fs_disk.h"

int main(void)
{
	return fs_disk_main();
}
