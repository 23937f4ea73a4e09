/* SPDX-License-Identifier: MIT */
/* args_badfile: an arguments file (fw_cfg opt/org.toro/args) whose counts
 * promise more strings than it holds is refused with its reason on the
 * console, and the VM powers off with status 2 before main runs: the program
 * never starts with other arguments than it was given. */
// host-setup: printf 'toro-args-1\0%s\0%s\0only-one\0' 2 0 > bad
// qemu-args: -fw_cfg name=opt/org.toro/args,file={tmp}/bad
// expect-exit: 2
// expect-output: toro: the arguments file (fw_cfg opt/org.toro/args) is refused: fewer strings than its counts say
// reject-output: main ran
#include <stdio.h>

int main(void)
{
	printf("main ran\n");
	return 0;
}
