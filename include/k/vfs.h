/* SPDX-License-Identifier: MIT */
/*
 * The virtual file system (fs/vfs.c): a mount table of file systems, the
 * vnodes they hand out, and path lookup. The system calls (fs/sys_*.c) and
 * the descriptor table (kernel/fd.c) sit above it; FAT (fs/fat*.c), the RAM
 * file system (fs/ramfs.c) and the device and /etc mounts sit below it and see
 * only this interface and the block cache (k/bcache.h), never a driver.
 *
 * Locking: one lock, vfs_lock (a sleeping lock: holders may wait for disk
 * I/O), serialises every vnode and fs operation. Every op below is called
 * with it held; file systems need no locks of their own.
 *
 * Vnodes: one per file or directory in use, shared by every descriptor and
 * lookup that names it, found by (mount, key) in the VFS's table. The key is
 * the file system's identity for the file (FAT: the device byte offset of its
 * short directory entry; ramfs: the node's address); a rename that moves the
 * identity calls vfs_rekey. A vnode lives while it has references; when the
 * last one goes, the VFS keeps it idle in the table if the fs's keep op says
 * it may (a file opened again, a directory walked again, finds it with what
 * the fs had read of it), at most a number that grows with memory, and
 * otherwise (or when it is the least recently used idle one and room is
 * needed) calls the fs's inactive op and frees it. A file unlinked while
 * open stays readable and writable until its last close (the fs frees its
 * storage in inactive; its keep says no).
 *
 * Names passed to ops are one path component: not empty, no '/', not "." or
 * "..", at most VFS_NAME_MAX bytes of UTF-8, not NUL-terminated.
 */
#ifndef K_VFS_H
#define K_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <k/fd.h>

#define VFS_NAME_MAX 255   /* bytes of one component */
#define VFS_PATH_MAX 4096  /* bytes of a path, NUL included */
#define VFS_MOUNT_MAX 16

struct vnode;
struct mount;
struct blkdev;

/* Linux's struct statfs (x86-64). */
struct kstatfs {
	int64_t f_type, f_bsize;
	uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	int32_t f_fsid[2];
	int64_t f_namelen, f_frsize, f_flags;
	int64_t f_spare[4];
};

/* What setattr changes: the fields whose VA_* bit is in va_mask. */
#define VA_MODE  (1u << 0)  /* permission bits (FAT: no write bit -> read-only) */
#define VA_ATIME (1u << 1)
#define VA_MTIME (1u << 2)
struct vattr {
	unsigned va_mask;
	uint32_t va_mode;
	uint64_t va_atime_ns, va_mtime_ns; /* realtime ns */
};

/* Directory entry types for readdir (Linux DT_* values). */
#define VDT_UNKNOWN 0
#define VDT_CHR 2
#define VDT_DIR 4
#define VDT_REG 8

/* One entry for readdir: nonzero stops the walk (the caller's buffer is
 * full; the fs leaves *pos at this entry so the next call returns it again).
 * next: the position just after this entry. */
typedef int (*vfs_filldir_fn)(void *ctx, const char *name, size_t len, uint64_t ino,
			      unsigned type, uint64_t next);

struct vnode_ops {
	/* ---- directories ---- */
	/* The entry `name` of dir, a new reference in *out: 0, -ENOENT. Case:
	 * whatever the fs does (FAT: ASCII letters match either case). */
	int (*lookup)(struct vnode *dir, const char *name, size_t len, struct vnode **out);
	/* A new empty regular file (S_IFREG in mode) or directory (S_IFDIR) in
	 * dir, a reference in *out: 0, -EEXIST, -ENOSPC, -EINVAL (a name the fs
	 * cannot store), -ENAMETOOLONG, -EROFS. */
	int (*create)(struct vnode *dir, const char *name, size_t len, uint32_t mode,
		      struct vnode **out);
	/* Remove the entry: a regular file (isdir false: -EISDIR if it is a
	 * directory) or an empty directory (isdir true: -ENOTDIR, -ENOTEMPTY).
	 * An open file's vnode stays usable (see above). */
	int (*unlink)(struct vnode *dir, const char *name, size_t len, bool isdir);
	/* Move odir/oname to ndir/nname, replacing a target of the same kind
	 * (a directory only if empty), unless VFS_RENAME_NOREPLACE (-EEXIST).
	 * The VFS has checked: source exists, a directory is not moved under
	 * itself, the names differ or the directories do. */
	int (*rename)(struct vnode *odir, const char *oname, size_t olen,
		      struct vnode *ndir, const char *nname, size_t nlen, unsigned flags);
	/* Entries from *pos on (the fs's own cookie, 0 at the start), without
	 * "." and ".." (the VFS adds them); *pos advances past each entry
	 * filled. 0 (the end, or fill stopped) or -EIO. */
	int (*readdir)(struct vnode *dir, uint64_t *pos, vfs_filldir_fn fill, void *ctx);

	/* ---- regular files ---- */
	/* Bytes read at off (0 at or past the end), or -EIO. */
	long (*read)(struct vnode *vn, void *buf, size_t n, uint64_t off);
	/* Bytes written at off, growing the file (a gap reads as zeros): the
	 * count (short when the disk fills after some bytes), or -ENOSPC,
	 * -EFBIG, -EIO, -EROFS. */
	long (*write)(struct vnode *vn, const void *buf, size_t n, uint64_t off);
	/* New size, shrinking or growing (zeros): 0, -ENOSPC, -EFBIG, -EIO. */
	int (*truncate)(struct vnode *vn, uint64_t size);
	/* Make vn's data and metadata durable (datasync: what reading it back
	 * needs). NULL: the fs's sync is used. */
	int (*fsync)(struct vnode *vn, bool datasync);

	/* ---- any ---- */
	/* Fill st (mode, size, nlink, times, blocks; the VFS sets dev, ino,
	 * blksize). */
	void (*getattr)(struct vnode *vn, struct kstat *st);
	int (*setattr)(struct vnode *vn, const struct vattr *va);
	/* The last reference is gone: may the VFS keep the vnode idle, to be
	 * found again by vfs_vget? NULL: never. */
	bool (*keep)(struct vnode *vn);
	/* The vnode is about to be freed (free an unlinked file's storage). */
	void (*inactive)(struct vnode *vn);
	/* Devices and generated files: a struct file of the fs's own for
	 * open(2) (NULL with *err). NULL op: the VFS's regular-file or
	 * directory file. */
	struct file *(*open)(struct vnode *vn, int flags, int *err);
};

#define VFS_RENAME_NOREPLACE 1u

struct vnode {
	/* Set by the fs (vfs_vget gives it zeroed but for the VFS fields). */
	const struct vnode_ops *v_ops;
	uint32_t v_mode;       /* S_IF* | permission bits */
	int64_t v_size;        /* regular files: kept current by the fs */
	void *v_priv;
	/* VFS fields. */
	struct mount *v_mount;
	uint64_t v_key;
	int v_refs;
	int v_maps;            /* shared mappings of it (fs/mmap.c) */
	struct vnode *v_hash_next;
	struct vnode *v_idle_prev, *v_idle_next; /* idle (no references) */
};

struct fs_ops {
	const char *name;
	/* Read the file system on dev (NULL for RAM and virtual ones) and set
	 * m->m_root (a reference) and m->m_priv: 0, -EINVAL (not this fs: a
	 * bad boot sector), -EIO, -ENOMEM. m->m_ro is set before the call. */
	int (*mount)(struct mount *m, struct blkdev *dev);
	/* Write back everything: 0 or the first error. NULL: nothing cached. */
	int (*sync)(struct mount *m);
	int (*statfs)(struct mount *m, struct kstatfs *st);
	/* At exit, after a last sync: mark the volume clean. */
	void (*unmount)(struct mount *m);
};

struct mount {
	const struct fs_ops *m_fs;
	struct vnode *m_root;
	struct vnode *m_covered; /* the directory it hides (NULL for /) */
	char m_path[64];         /* where it is mounted, absolute */
	char m_dev[8];           /* "vda", "ram", "dev" */
	bool m_ro;
	uint32_t m_devno;        /* st_dev of its files */
	void *m_priv;
};

/* ---- for file systems ---- */
/* The vnode of (m, key) with a new reference; *fresh tells whether the fs
 * must fill it in (v_ops, v_mode, v_size, v_priv) before anyone else can see
 * it (the VFS lock is held throughout). NULL when out of memory. */
struct vnode *vfs_vget(struct mount *m, uint64_t key, bool *fresh);
/* The vnode of (m, key) if one is in use or idle (no reference taken), or NULL. */
struct vnode *vfs_vfind(struct mount *m, uint64_t key);
/* Frees every idle vnode of m (inactive op, then freed): before unmount. */
void vfs_vdrop_idle(struct mount *m);
void vfs_rekey(struct vnode *vn, uint64_t key);
void vfs_vref(struct vnode *vn);
void vfs_vput(struct vnode *vn);
/* Wall time now, realtime ns (the RTC's; 0 when the VM has none). */
uint64_t vfs_now_ns(void);

/* ---- for the kernel ---- */
void vfs_lock(void);
/* The lock, waiting at most ns: 0 or -ETIMEDOUT (the exit path). */
int vfs_lock_timed(uint64_t ns);
void vfs_unlock(void);
/* Mount the file systems the command line names (toro.root=, toro.mount=,
 * toro.ro), a RAM root when there is none, /tmp, /dev and /etc. */
struct cmdline;
void vfs_init(const struct cmdline *cl);
/* Write back every mount: 0 or the first error. */
int vfs_sync_all(void);
/* At exit: sync, then mark volumes clean. */
void vfs_shutdown(void);

#endif
