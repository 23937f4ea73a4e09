/* SPDX-License-Identifier: MIT */
/*
 * Kernel command line, Linux style:
 *   [kernel words] [KEY=VALUE ...] [-- app args]
 * A word before "--" that starts with "toro." or contains no '=' or whose key
 * contains a '.' (virtio_mmio.device=..., console=ttyS0 is treated as a kernel
 * word too because its key is lower case) is a kernel option; a word of the form
 * KEY=VALUE whose KEY starts with an upper-case letter or '_' is an environment
 * variable for the application. Everything after the first "--" is argv[1..].
 * Double quotes group a word with spaces ("a b"); quotes are removed.
 * Parsing is in place: the buffer is tokenised and must outlive the result.
 * Bounded: never writes more than the arrays hold; overflow is -E2BIG with the
 * first entries kept.
 */
#ifndef K_CMDLINE_H
#define K_CMDLINE_H

#include <stdbool.h>

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

/* Parse a decimal (or 0x hex) unsigned number; 0 on success, -EINVAL on junk,
 * -ERANGE on overflow. */
int cmdline_parse_u64(const char *s, unsigned long long *out);

#endif
