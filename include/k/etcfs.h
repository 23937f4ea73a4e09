/* SPDX-License-Identifier: MIT */
/*
 * A few read-only files under /etc, served from memory (kernel/etcfs.c) for
 * the C library where the root file system has none of its own: /etc/hosts,
 * /etc/passwd, /etc/group and, in the network kernel, /etc/resolv.conf.
 */
#ifndef K_ETCFS_H
#define K_ETCFS_H

#include <stddef.h>

struct file;

/* A file's contents, made anew at each open: the length written to buf[n]
 * (at most n). */
typedef size_t (*etcfs_gen_fn)(char *buf, size_t n);

/* Serve `path` (one of ETCFS_PATHS) from gen; NULL: the built-in contents
 * (/etc/hosts: localhost) or none. Called at start-up, before the program. */
void etcfs_set(const char *path, etcfs_gen_fn gen);

/* open() of a path under /etc/: a new file, or NULL with *err set. */
struct file *etcfs_open(const char *path, int flags, int *err);

#endif
