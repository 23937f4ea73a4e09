/* SPDX-License-Identifier: MIT */
/* args_toolarge: an arguments file over the 1 MiB limit is refused by its
 * size from fw_cfg's directory, before any of it is read or memory is taken
 * for it; the VM powers off with status 2 before main runs. */
// host-setup: head -c 1048577 /dev/zero > big
// qemu-args: -fw_cfg name=opt/org.toro/args,file={tmp}/big
// expect-exit: 2
// expect-output: toro: the arguments file (fw_cfg opt/org.toro/args) is refused: larger than 1 MiB
// reject-output: main ran
#include <stdio.h>

int main(void)
{
	printf("main ran\n");
	return 0;
}
