/* SPDX-License-Identifier: MIT */
/*
 * Kernel command line, Linux style:
 *   [kernel words] [KEY=VALUE ...] [-- app args]
 * A word before "--" that starts with "toro." or contains no '=' or whose key
 * contains a '.' (virtio_mmio.device=..., console=ttyS0 is treated as a kernel
 * word too because its key is lower case) is a kernel option; a word of the form
 * KEY=VALUE whose KEY starts with an upper-case letter or '_' is an environment
 * variable for the application. Everything after the first "--" is argv[1..].
 * Exception: trailing virtio_mmio.device= words after "--" are kernel options
 * (QEMU's microvm appends them to whatever line it was given).
 * Double quotes group a word with spaces ("a b"); quotes are removed.
 * Parsing is in place: the buffer is tokenised and must outlive the result.
 * Bounded: never writes more than the arrays hold; overflow is -E2BIG with the
 * first entries kept.
 */
#ifndef K_CMDLINE_H
#define K_CMDLINE_H

#include <stdbool.h>
#include <stdint.h>

#define CMDLINE_MAX_ARGS 64
#define CMDLINE_MAX_ENV 64
#define CMDLINE_MAX_OPTS 32

struct cmdline {
	int argc;                          /* app args after "--" (argv[0] not included) */
	char *argv[CMDLINE_MAX_ARGS + 1];  /* NULL-terminated */
	int envc;
	char *envp[CMDLINE_MAX_ENV + 1];   /* NULL-terminated, "KEY=VALUE" */
	int optc;
	char *opts[CMDLINE_MAX_OPTS];      /* kernel words, "key=value" or "key" */
};

/* 0, or -E2BIG when something did not fit (what fit is kept). */
int cmdline_parse(struct cmdline *cl, char *buf);

/* Value of kernel option `key`: the text after '=', "" for a bare word,
 * NULL when absent. The last occurrence wins. */
const char *cmdline_opt(const struct cmdline *cl, const char *key);

/* Every kernel option `key`, in order: start with *pos = 0; each call gives
 * the next value (as cmdline_opt) and advances *pos, NULL after the last. */
const char *cmdline_next_opt(const struct cmdline *cl, const char *key, int *pos);

/* A virtio-mmio device from Linux's `virtio_mmio.device=SIZE@BASE:IRQ[:ID]`
 * (what QEMU microvm and Firecracker put on the command line). */
struct cmdline_mmio {
	uint64_t base, size;
	unsigned irq;
};
/* Parse the value after '=': SIZE with an optional K/M/G suffix, BASE and IRQ
 * decimal or 0x hex. 0, or -EINVAL (junk, size 0, a range that wraps or ends
 * above 2^52, IRQ above 255); *out is set only on success. */
int cmdline_parse_virtio_mmio(const char *v, struct cmdline_mmio *out);

/* Parse a decimal (or 0x hex) unsigned number; 0 on success, -EINVAL on junk,
 * -ERANGE on overflow. */
int cmdline_parse_u64(const char *s, unsigned long long *out);

#endif
