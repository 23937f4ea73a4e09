/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the FAT host tests (tests/unit/fat_test.c): images made by
 * mkfs.fat and filled by mcopy in a scratch directory, mounted through
 * fat_fs_ops on tests/unit/fs_host.c's RAM disk (the image file mapped as
 * the disk's memory, so a 1 GiB image costs only the blocks touched), path
 * operations through the vnode ops, and fsck.fat/mtools to judge the result.
 */
#ifndef FAT_TEST_H
#define FAT_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <k/vfs.h>

#include "fs_host.h"

struct ft {
	struct fs_ramdisk *rd;
	struct mount m;
	char img[256];
	size_t bytes;
	bool mounted;
};

/* A file name in this process's scratch directory (static buffer per call
 * slot: up to 8 live at once). */
const char *ft_path(const char *name);
/* Run a shell command (printf format): its exit status; its output in
 * *out (malloc'd, NUL-terminated) when out is not NULL. */
int ft_sh(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* mkfs.fat -F fat of kib KiB into img, with extra mkfs options. */
void ft_mkimg(const char *img, int fat, unsigned kib, const char *opts);
/* Copy bytes into the image at a DOS path ("::/a/b.txt"), making the
 * directories on the way. */
void ft_put(const char *img, const char *path, const void *data, size_t len);
/* A file out of the image (mtools): its length and a malloc'd copy, or -1. */
long ft_get(const char *img, const char *path, uint8_t **data);
/* tests/unit/fat_check.c's check of the image file: NULL or what is wrong. */
const char *ft_check(const char *img, unsigned flags);
/* fsck.fat -n: exit status, output in *out (may be NULL). */
int ft_fsck(const char *img, char **out);
/* fat_check, then fsck.fat -n (status 0 and nothing but its version and
 * summary lines): NULL when both find it clean, else a malloc'd report. */
char *ft_unclean(const char *img);

/* A test group's image of one FAT type (the cmocka state of its tests). */
struct ft_img {
	int fat;
	unsigned kib;
	const char *opts; /* more mkfs.fat options */
	char path[256];
};
/* Makes im's image afresh, empty, as PREFIX<fat>.img in the scratch directory. */
void ft_img_make(struct ft_img *im, const char *prefix);

/* Map img as a RAM disk (ro: a read-only device) and mount it (m_ro: a
 * read-only mount): the mount's result; t is ready for ft_close either way. */
int ft_open(struct ft *t, const char *img, bool dev_ro, bool m_ro);
/* Unmount (if mounted), drop the root, unmap: the image file holds what
 * the device got. */
void ft_close(struct ft *t);
/* Unmount while `held` is still referenced, then drop it and close. */
void ft_close_holding(struct ft *t, struct vnode *held);
/* Close without unmounting: a power cut (the image holds what was written). */
void ft_crash(struct ft *t);

/* Paths relative to the root, '/'-separated ("" is the root). */
int ft_walk(struct ft *t, const char *path, struct vnode **out);
int ft_create(struct ft *t, const char *path, uint32_t mode, struct vnode **out);
int ft_mkdir(struct ft *t, const char *path);
int ft_unlink(struct ft *t, const char *path, bool isdir);
int ft_rename(struct ft *t, const char *from, const char *to, unsigned flags);
/* Create (or open and truncate) path and write len bytes: 0 or -EXXX. */
int ft_write_file(struct ft *t, const char *path, const void *data, size_t len);
/* The whole file: its length (and a malloc'd copy), or -EXXX. */
long ft_read_file(struct ft *t, const char *path, uint8_t **data);
/* Names in a directory, in readdir order, '\n'-separated (malloc'd). */
int ft_list(struct ft *t, const char *path, char **names);

/* Deterministic bytes for file contents. */
void ft_fill(uint8_t *p, size_t n, uint32_t seed);

#endif
