/* SPDX-License-Identifier: MIT */
/*
 * The arguments file: the program's arguments and environment as the host
 * hands them over outside the kernel command line (QEMU fw_cfg file
 * opt/org.toro/args, written by `toro run`; docs/kernel.md, "Arguments and
 * environment"). The bytes come from the host: parse them as untrusted.
 *
 * Format: NUL-terminated strings, nothing before, between or after them:
 *   "toro-args-1" ARGC ENVC ARG... ENV...
 * ARGC and ENVC are decimal, 1 to 6 digits, no sign, no leading zero ("0" for none).
 * ARG... are argv[1..ARGC] (argv[0] stays the image's name), ENV... the
 * environment, in order; a string may hold any byte but NUL (quotes,
 * newlines, UTF-8, nothing at all).
 * The parser allocates nothing and never reads outside [buf, buf + len).
 */
#ifndef K_BOOTARGS_H
#define K_BOOTARGS_H

#include <stddef.h>

#define BOOTARGS_MAGIC "toro-args-1"
#define BOOTARGS_FWCFG_NAME "opt/org.toro/args"
/* Limits, checked before anything is used: the whole file, and the number of
 * strings (argv and envp together; their pointers go on the main stack too). */
#define BOOTARGS_MAX_BYTES (1u << 20)
#define BOOTARGS_MAX_STRINGS 65536u

struct bootargs {
	unsigned argc;       /* arguments in the file (argv[0] not included) */
	unsigned envc;
	const char *strings; /* the first argument's first byte */
	const char *end;     /* one past the last NUL */
};

/* Validate buf[0, len) as an arguments file. 0 with *ba set, or -EINVAL
 * (malformed) or -E2BIG (over a limit) with *why a one-line reason. */
int bootargs_parse(const char *buf, size_t len, struct bootargs *ba, const char **why);

/* After a successful bootargs_parse: vec[0, argc + envc) = the strings in
 * order, arguments then environment. vec must hold argc + envc pointers. */
void bootargs_split(const struct bootargs *ba, const char **vec);

/* The kernel's side (kernel/args.c). */
struct cmdline;
struct bootargs_vec {
	const char *const *argv; /* argv[1..], argc of them */
	int argc;
	const char *const *envp;
	int envc;
};
/* The program's arguments and environment: the arguments file when the VMM
 * hands one over (fw_cfg), else the command line's. A file that is refused
 * (malformed, over a limit, no memory for it) is named on the console with
 * its reason and the VM powers off with status 2: the program never runs
 * with arguments other than those it was given. After memory is up; boot only. */
void bootargs_load(const struct cmdline *cl, struct bootargs_vec *out);

#endif
