/* SPDX-License-Identifier: MIT */
/*
 * Link-time components. A component (a group of system calls, the network,
 * a file system, a driver) is a table of entries in a section of its own
 * (`.rodata.sysopt.NAME`, kernel/systab.c); toro-cc links the table only when
 * the program needs it (--require-defined=toro_sysgroup_NAME, chosen from
 * tools/components.tab), and --gc-sections drops it, with everything only it
 * reaches, otherwise. An entry is a system call (number >= 0 and its handler)
 * or a hook of one of the kinds below, so the kernel finds what was linked
 * without naming it. The linker script sorts the tables by section name, so
 * hooks of one kind run in the order of their components' names.
 */
#ifndef K_COMPONENT_H
#define K_COMPONENT_H

#include <stdbool.h>
#include <stdint.h>

typedef long (*syscall_fn)(long, long, long, long, long, long);

/* Hook kinds (the entry's nr). */
#define SYSOPT_INIT   (-1) /* void fn(const struct cmdline *): boot, after the drivers */
#define SYSOPT_SYNC   (-2) /* int fn(void): write back caches (sync(2), exit); 0 or -EXXX */
#define SYSOPT_VIRTIO (-3) /* p: a const struct virtio_driver * */
#define SYSOPT_EXIT   (-4) /* void fn(int status): at exit, after the SYNC hooks */
#define SYSOPT_FILEMAP (-5) /* p: a const struct filemap_ops *: mmap of files */
#define SYSOPT_START  (-6) /* void fn(const struct cmdline *): boot, after every
			    * INIT hook: the network */
#define SYSOPT_PROBE  (-7) /* void fn(const struct cmdline *): boot, device discovery
			    * (PCI, virtio-mmio), before the INIT hooks */
#define SYSOPT_DEVFS  (-8) /* p: a const struct devfs_provider *: device files */
#define SYSOPT_SIGFRAME (-10) /* p: void fn(struct regs *, int sig, int code,
			      * uint64_t addr): run a handler (the signals component) */
#define SYSOPT_APP    (-9) /* p: a const struct app_loader * (k/app.h): the loader
			    * of a program packed with toro pack --app */

/* Device files a component adds to /dev (virtio-console's /dev/hvc0 and
 * ports): devfs asks each linked provider in turn. */
struct file;
struct devfs_provider {
	/* Is path one of this provider's names? */
	bool (*owns)(const char *path);
	/* Open it: the file, or NULL with *err set (and a console line). */
	struct file *(*open)(const char *path, int flags, int *err);
};

/* mmap of a file (the files component): mmap is everything mmap(2) gets
 * when MAP_ANONYMOUS is not set; unmap runs before munmap(2) unmaps. */
struct filemap_ops {
	long (*mmap)(uint64_t addr, uint64_t len, int prot, int flags, int fd, uint64_t off);
	void (*unmap)(uint64_t addr, uint64_t len);
	/* Does a shared file mapping overlap [addr, addr + len)? */
	bool (*shared)(uint64_t addr, uint64_t len);
};

struct syscall_opt {
	long nr;
	union {
		syscall_fn fn;   /* nr >= 0 */
		const void *p;   /* hooks: a function or a table */
	};
};

/* A component's table (NAME must also be in tools/toro.syms, and toro-cc
 * must know when to link it) and its entries. */
#define SYSGROUP(name) \
	__attribute__((section(".rodata.sysopt." #name))) \
	const struct syscall_opt toro_sysgroup_##name[]
#define SYSOPT_CALL(nr, handler) { (nr), { .fn = (syscall_fn)(handler) } }
#define SYSOPT_HOOK(kind, ptr) { (kind), { .p = (const void *)(ptr) } }

/* The linked entries of kind `kind`, one after the other: pass NULL first,
 * then the previous result; NULL at the end. */
const struct syscall_opt *sysopt_next(const struct syscall_opt *prev, long kind);

struct cmdline;
/* Run every SYSOPT_PROBE hook: discover and attach the devices of the
 * linked drivers (kmain, once the cores and the timer are up). */
void component_probe(const struct cmdline *cl);
/* The linked device-file provider that owns path, or NULL. */
const struct devfs_provider *component_devfs(const char *path);
/* Run every SYSOPT_INIT hook (kmain, after component_probe). */
void component_init(const struct cmdline *cl);
/* Run every SYSOPT_START hook (kmain, last before the program). */
void component_start(const struct cmdline *cl);
/* Run every SYSOPT_SYNC hook: 0 or the first error. */
int component_sync(void);
/* Run every SYSOPT_EXIT hook with the exit status. */
void component_exit(int status);

#endif
