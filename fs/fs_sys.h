/* SPDX-License-Identifier: MIT */
/* The files component's system calls (fs/sys_*.c), listed in fs/files.c. */
#ifndef FS_SYS_H
#define FS_SYS_H

#define SYSARGS long a0, long a1, long a2, long a3, long a4, long a5

long fs_openat(long dirfd, long upath, long flags, long mode);
long sys_open(SYSARGS);
long sys_openat(SYSARGS);
long sys_creat(SYSARGS);
long sys_stat(SYSARGS);
long sys_lstat(SYSARGS);
long sys_newfstatat(SYSARGS);
long sys_statx(SYSARGS);
long sys_access(SYSARGS);
long sys_faccessat(SYSARGS);
long sys_faccessat2(SYSARGS);
long sys_readlink(SYSARGS);
long sys_readlinkat(SYSARGS);
long sys_statfs(SYSARGS);
long sys_fstatfs(SYSARGS);
long sys_mkdir(SYSARGS);
long sys_mkdirat(SYSARGS);
long sys_rmdir(SYSARGS);
long sys_unlink(SYSARGS);
long sys_unlinkat(SYSARGS);
long sys_rename(SYSARGS);
long sys_renameat(SYSARGS);
long sys_renameat2(SYSARGS);
long sys_getdents64(SYSARGS);
long sys_chdir(SYSARGS);
long sys_fchdir(SYSARGS);
long sys_getcwd(SYSARGS);
long sys_pread64(SYSARGS);
long sys_pwrite64(SYSARGS);
long sys_preadv(SYSARGS);
long sys_pwritev(SYSARGS);
long sys_sendfile(SYSARGS);
long sys_truncate(SYSARGS);
long sys_ftruncate(SYSARGS);
long sys_fallocate(SYSARGS);
long sys_sync(SYSARGS);
long sys_syncfs(SYSARGS);
long sys_chmod(SYSARGS);
long sys_fchmod(SYSARGS);
long sys_fchmodat(SYSARGS);
long sys_chown(SYSARGS);
long sys_fchown(SYSARGS);
long sys_fchownat(SYSARGS);
long sys_utimensat(SYSARGS);
long sys_flock(SYSARGS);
long sys_nolink(SYSARGS);

/* fs/mmap.c */
long sys_msync(SYSARGS);
int fs_mmap_sync(void);
extern const struct filemap_ops fs_filemap;

/* fs/mount.c */
struct cmdline;
void files_mount(const struct cmdline *cl);

#endif
