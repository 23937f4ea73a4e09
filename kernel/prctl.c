/* SPDX-License-Identifier: MIT */
/*
 * prctl(2) for the one process (component `procctl`): the options a program
 * sets on itself and reads back (thread name, parent-death signal, dumpable,
 * no_new_privs, keepcaps, timer slack, child subreaper, THP) keep their value
 * as Linux does, though nothing in the VM acts on most of them (there is no
 * parent to die, no core dump, no exec). Any other option is EINVAL, as Linux
 * says for an option it does not know.
 */
#include <k/errno.h>
#include <k/proc.h>
#include <k/sched.h>
#include <k/string.h>
#include <k/syscall.h>
#include "sys.h"

#define PR_SET_PDEATHSIG 1
#define PR_GET_PDEATHSIG 2
#define PR_GET_DUMPABLE 3
#define PR_SET_DUMPABLE 4
#define PR_GET_KEEPCAPS 7
#define PR_SET_KEEPCAPS 8
#define PR_SET_NAME 15
#define PR_GET_NAME 16
#define PR_CAPBSET_READ 23
#define PR_SET_TIMERSLACK 29
#define PR_GET_TIMERSLACK 30
#define PR_SET_CHILD_SUBREAPER 36
#define PR_GET_CHILD_SUBREAPER 37
#define PR_SET_NO_NEW_PRIVS 38
#define PR_GET_NO_NEW_PRIVS 39
#define PR_GET_TID_ADDRESS 40
#define PR_SET_THP_DISABLE 41
#define PR_GET_THP_DISABLE 42
#define CAP_LAST_CAP 40

extern const char toro_app_name[] __attribute__((weak));

static struct {
	int pdeathsig, dumpable, keepcaps, subreaper, no_new_privs, thp_disable;
	uint64_t timerslack_ns;
} pr = { .dumpable = 1, .timerslack_ns = 50000 };

/* A thread's name: what it set, else the program's name as the kernel gives
 * it in argv[0] (its last path component, 15 bytes at most). */
static void thread_name(const struct thread *t, char out[16])
{
	memset(out, 0, 16);
	if (t->comm[0]) {
		memcpy(out, t->comm, 16);
		return;
	}
	const char *n = toro_app_name ? toro_app_name : "app";
	for (const char *p = n; *p; p++)
		if (*p == '/' && p[1])
			n = p + 1;
	size_t len = strlen(n);
	memcpy(out, n, len < 15 ? len : 15);
}

static long put_int(long uaddr, int v)
{
	return user_copy_out((uint64_t)uaddr, &v, sizeof(v));
}

/* Options whose arguments past the second must be 0 (Linux checks them). */
static bool rest_zero(long a2, long a3, long a4) { return !a2 && !a3 && !a4; }

static long prctl_name(long op, long uaddr)
{
	struct thread *t = thread_current();
	char name[16];
	if (op == PR_GET_NAME) {
		thread_name(t, name);
		return user_copy_out((uint64_t)uaddr, name, sizeof(name));
	}
	long n = user_string_in(name, (uint64_t)uaddr, sizeof(name));
	if (n == -ENAMETOOLONG) { /* longer names are cut to 15 bytes */
		name[15] = 0;
		n = 15;
	}
	if (n < 0)
		return n;
	memset(t->comm, 0, sizeof(t->comm));
	memcpy(t->comm, name, (size_t)n); /* empty: back to the program's name */
	return 0;
}

static long prctl_flag(int *flag, long v, long max)
{
	if (v < 0 || v > max)
		return -EINVAL;
	*flag = (int)v;
	return 0;
}

long sys_prctl(SYSARGS)
{
	switch (a0) {
	case PR_SET_NAME:
	case PR_GET_NAME:
		return prctl_name(a0, a1);
	case PR_SET_PDEATHSIG:
		return prctl_flag(&pr.pdeathsig, a1, NSIG - 1);
	case PR_GET_PDEATHSIG:
		return put_int(a1, pr.pdeathsig);
	case PR_SET_DUMPABLE:
		return prctl_flag(&pr.dumpable, a1, 1);
	case PR_GET_DUMPABLE:
		return pr.dumpable;
	case PR_SET_KEEPCAPS:
		return prctl_flag(&pr.keepcaps, a1, 1);
	case PR_GET_KEEPCAPS:
		return pr.keepcaps;
	case PR_CAPBSET_READ: /* root holds every capability */
		return a1 >= 0 && a1 <= CAP_LAST_CAP ? 1 : -EINVAL;
	case PR_SET_TIMERSLACK:
		pr.timerslack_ns = a1 > 0 ? (uint64_t)a1 : 50000;
		return 0;
	case PR_GET_TIMERSLACK:
		return (long)pr.timerslack_ns;
	case PR_SET_CHILD_SUBREAPER:
		pr.subreaper = a1 != 0;
		return 0;
	case PR_GET_CHILD_SUBREAPER:
		return put_int(a1, pr.subreaper);
	case PR_SET_NO_NEW_PRIVS: /* once set, it stays */
		if (a1 != 1 || !rest_zero(a2, a3, a4))
			return -EINVAL;
		pr.no_new_privs = 1;
		return 0;
	case PR_GET_NO_NEW_PRIVS:
		return a1 || !rest_zero(a2, a3, a4) ? -EINVAL : pr.no_new_privs;
	case PR_GET_TID_ADDRESS: {
		uint64_t addr = thread_current()->clear_child_tid;
		return user_copy_out((uint64_t)a1, &addr, sizeof(addr));
	}
	case PR_SET_THP_DISABLE:
		if (!rest_zero(a2, a3, a4))
			return -EINVAL;
		pr.thp_disable = a1 != 0;
		return 0;
	case PR_GET_THP_DISABLE:
		return a1 || !rest_zero(a2, a3, a4) ? -EINVAL : pr.thp_disable;
	default:
		return -EINVAL;
	}
}
