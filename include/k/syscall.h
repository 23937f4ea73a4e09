/* SPDX-License-Identifier: MIT */
/*
 * System calls: the Linux x86-64 numbers and ABI, the subset a single-process
 * program uses. Handlers take the six argument registers and return a value or
 * -errno; musl turns that into -1 + errno. Every user pointer goes through
 * the user_copy_* functions below (range check, then a fault-safe copy), every
 * timeout through k/utime.h.
 */
#ifndef K_SYSCALL_H
#define K_SYSCALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <k/component.h>

/* Numbers below SYSCALL_HANDLERS may have a handler (kernel/systab.c); the
 * names of Linux's calls as records of a 2-byte big-endian number then a
 * NUL-terminated name, ended by 0xffff. */
#define SYSCALL_HANDLERS 335
/* Optional groups may also serve numbers up to here (faccessat2 is 439). */
#define SYSCALL_MAX 512
/* Toro's own calls: numbers no Linux call will take. */
#define SYS_TORO_FIRST 0x7000
#define SYS_TORO_SPAWN_CPU 0x7000 /* <toro/thread.h> */
#define SYS_TORO_SELFCHECK 0x7001 /* <toro/selfcheck.h>; component selfcheck */
#define SYS_TORO_LAST 0x70ff
extern const char syscall_names[];
/* The handler of call nr, from the table or a linked optional group (NULL: not
 * offered; *group then names the optional group it needs, if any). */
syscall_fn syscall_handler(long nr, const char **group);
const char *syscall_name(long nr);

/*
 * User memory: the one choke point. Every pointer and length from ring 3
 * reaches memory only through these (kernel/syscall.c); nothing else checks a
 * range or dereferences a user address, and a user value is never cast to a
 * kernel pointer. User addresses travel as uint64_t.
 *
 * Copies of user ranges, range-checked then fault-safe: 0 or -EFAULT (not
 * the program's memory, unmapped, or read-only for a copy out). A copy may
 * fault a page in on demand, which takes the memory lock: never call one with
 * a spinlock held (use user_copy_in_nofault there).
 */
int user_copy_in(void *dst, uint64_t usrc, size_t n);
int user_copy_out(uint64_t udst, const void *src, size_t n);
/* A user string into dst[n]: length, -EFAULT or -ENAMETOOLONG. */
long user_string_in(char *dst, uint64_t usrc, size_t n);
/* A copy in that never maps a page nor takes a lock: -EFAULT also when the
 * page is just not mapped yet. For reads under a spinlock (the futex word):
 * fault the page in first with user_copy_in, with no lock held, and retry. */
int user_copy_in_nofault(void *dst, uint64_t usrc, size_t n);
/* Is [u, u+n) memory the program may name (its image's user pages or the user
 * window)? It says nothing of whether it is mapped: the copies still check.
 * Only for calls that must refuse a bad buffer before they act, so that
 * nothing is consumed or half done (read, write, epoll_wait, pipe, sockets). */
bool user_access_ok(uint64_t u, size_t n);

/* The frame of the system call being served (for rt_sigreturn, signals). */
struct regs;
struct regs *syscall_current_regs(void);
/* The program's stack pointer when it made the call being served. */
uint64_t syscall_user_sp(void);
long syscall_run(long nr, long a0, long a1, long a2, long a3, long a4, long a5);

#endif
