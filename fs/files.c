/* SPDX-License-Identifier: MIT */
/*
 * The files component: linked into a program that uses files (toro-cc names
 * toro_sysgroup_files when the program pulls in musl's open, stat, opendir,
 * ...). Its table carries the file system calls, the block driver and the
 * hooks that mount the file systems at boot and write them back at exit.
 */
#include <k/component.h>
#include <k/drivers.h>
#include <k/errno.h>
#include <k/etcfs.h>
#include <k/string.h>
#include <k/vfs.h>
#include "fs_sys.h"

/* Links, symbolic links and device nodes cannot be stored on FAT: EPERM, as
 * Linux says for a FAT volume. */
long sys_nolink(SYSARGS) { return -EPERM; }

static int files_sync(void)
{
	int r = fs_mmap_sync();
	int s = vfs_sync_all();
	return r ? r : s;
}

static void files_exit(int status)
{
	(void)status;
	vfs_shutdown();
}

/* /etc's generated files (kernel/etcfs.c): only open reaches them. */
static bool etc_owns(const char *path) { return !strncmp(path, "/etc/", 5); }
static const struct devfs_provider etc_devfs = { etc_owns, etcfs_open };

SYSGROUP(files) = {
	SYSOPT_HOOK(SYSOPT_DEVFS, &etc_devfs),
	SYSOPT_HOOK(SYSOPT_INIT, files_mount),
	SYSOPT_HOOK(SYSOPT_VIRTIO, &vblk_driver),
	SYSOPT_HOOK(SYSOPT_SYNC, files_sync),
	SYSOPT_HOOK(SYSOPT_EXIT, files_exit),
	SYSOPT_HOOK(SYSOPT_FILEMAP, &fs_filemap),
	SYSOPT_CALL(26, sys_msync),
	SYSOPT_CALL(2, sys_open), SYSOPT_CALL(4, sys_stat), SYSOPT_CALL(6, sys_lstat),
	SYSOPT_CALL(17, sys_pread64), SYSOPT_CALL(18, sys_pwrite64), SYSOPT_CALL(21, sys_access),
	SYSOPT_CALL(40, sys_sendfile), SYSOPT_CALL(73, sys_flock), SYSOPT_CALL(76, sys_truncate),
	SYSOPT_CALL(77, sys_ftruncate), SYSOPT_CALL(79, sys_getcwd), SYSOPT_CALL(80, sys_chdir),
	SYSOPT_CALL(81, sys_fchdir), SYSOPT_CALL(82, sys_rename), SYSOPT_CALL(83, sys_mkdir),
	SYSOPT_CALL(84, sys_rmdir), SYSOPT_CALL(85, sys_creat), SYSOPT_CALL(86, sys_nolink),
	SYSOPT_CALL(87, sys_unlink), SYSOPT_CALL(88, sys_nolink), SYSOPT_CALL(89, sys_readlink),
	SYSOPT_CALL(90, sys_chmod), SYSOPT_CALL(91, sys_fchmod), SYSOPT_CALL(92, sys_chown),
	SYSOPT_CALL(93, sys_fchown), SYSOPT_CALL(94, sys_chown), SYSOPT_CALL(133, sys_nolink),
	SYSOPT_CALL(137, sys_statfs), SYSOPT_CALL(138, sys_fstatfs), SYSOPT_CALL(162, sys_sync),
	SYSOPT_CALL(217, sys_getdents64), SYSOPT_CALL(257, sys_openat),
	SYSOPT_CALL(258, sys_mkdirat), SYSOPT_CALL(259, sys_nolink),
	SYSOPT_CALL(260, sys_fchownat), SYSOPT_CALL(262, sys_newfstatat),
	SYSOPT_CALL(263, sys_unlinkat), SYSOPT_CALL(264, sys_renameat),
	SYSOPT_CALL(265, sys_nolink), SYSOPT_CALL(266, sys_nolink),
	SYSOPT_CALL(267, sys_readlinkat), SYSOPT_CALL(268, sys_fchmodat),
	SYSOPT_CALL(269, sys_faccessat), SYSOPT_CALL(280, sys_utimensat),
	SYSOPT_CALL(285, sys_fallocate), SYSOPT_CALL(295, sys_preadv),
	SYSOPT_CALL(296, sys_pwritev), SYSOPT_CALL(306, sys_syncfs),
	SYSOPT_CALL(316, sys_renameat2), SYSOPT_CALL(332, sys_statx),
	SYSOPT_CALL(439, sys_faccessat2),
};
