/* SPDX-License-Identifier: MIT */
/*
 * Kernel console: formatted output to COM1 (and later virtio-console).
 * kprintf is callable from any context; lines from different cores may
 * interleave only at line granularity.
 */
#ifndef K_CONSOLE_H
#define K_CONSOLE_H

#include <stddef.h>

int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void console_write(const char *s, size_t len);
/* A second destination for everything console_write prints (virtio-console's
 * /dev/hvc0): called with each call's bytes as given ('\n' not yet "\r\n"),
 * with the console lock held, from any context; it must neither block nor
 * print. Set once a device is up; NULL: none. */
typedef void (*console_mirror_fn)(const char *s, size_t len);
void console_set_mirror(console_mirror_fn fn);
/* virtio-console's device files (drivers/virtio/console.c; devfs reaches
 * them through the component's SYSOPT_DEVFS provider): opening one of
 * /dev/hvc*, /dev/vport*, /dev/virtio-ports/ * (NULL with *err -ENODEV when
 * there is no device, -ENOENT when no such port; both with a console line). */
struct file;
struct file *vcon_open(const char *path, int flags, int *err);
/* For a kernel service on a host channel (k/kstats.h): the port named `name`,
 * opened read-write by the kernel, or NULL, quietly, when there is none. Its
 * reads wait while the host end is closed instead of returning end of file
 * (0 only once the port is removed); writes then fail with -EPIPE. Drop it
 * with file_put. */
struct file *vcon_open_kernel(const char *name);
/* Print a message and a crash report, then power off with status 255. */
__attribute__((noreturn)) void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
