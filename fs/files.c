/* SPDX-License-Identifier: MIT */
/*
 * The files component: linked into a program that uses files (toro-cc names
 * toro_sysgroup_files when the program pulls in musl's open, stat, opendir,
 * ...). Its table carries the file system calls, the block driver and the
 * hooks that mount the file systems at boot and write them back at exit.
 */
#include <k/component.h>
#include <k/drivers.h>

static void files_init(const struct cmdline *cl)
{
	(void)cl;
}

SYSGROUP(files) = {
	SYSOPT_HOOK(SYSOPT_INIT, files_init),
	SYSOPT_HOOK(SYSOPT_VIRTIO, &vblk_driver),
};
