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
/* Print a message and a crash report, then power off with status 255. */
__attribute__((noreturn)) void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
