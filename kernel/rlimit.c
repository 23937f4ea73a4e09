/* SPDX-License-Identifier: MIT */
/*
 * Resource limits of the one process: getrlimit, setrlimit, prlimit64. Every
 * limit keeps what the program sets (soft <= hard; root may raise a hard
 * limit, as on Linux), and reads back as set. The descriptor table honours
 * RLIMIT_NOFILE (at most FD_MAX, 1024: a higher one is EPERM, as Linux says
 * past nr_open); the others are kept but not enforced: memory is bounded by
 * what the VM has (docs/kernel.md, "Memory that is promised is there"), the
 * main stack is 8 MiB whatever RLIMIT_STACK says, and there are no core dumps
 * or child processes to limit.
 */
#include <k/errno.h>
#include <k/fd.h>
#include <k/spinlock.h>
#include <k/syscall.h>
#include "sys.h"

#define RLIM_NLIMITS 16
#define RLIMIT_NOFILE 7
#define RLIM_INFINITY (~0ull)

struct krlimit {
	uint64_t cur, max;
};

/* Linux's defaults for a root process started by init. */
#define INF { RLIM_INFINITY, RLIM_INFINITY }
static struct krlimit limits[RLIM_NLIMITS] = {
	INF, INF, INF,                       /* CPU, FSIZE, DATA */
	{ 8 << 20, RLIM_INFINITY },          /* STACK */
	{ 0, RLIM_INFINITY },                /* CORE */
	INF, INF,                            /* RSS, NPROC */
	{ FD_MAX, FD_MAX },                  /* NOFILE */
	{ 8 << 20, 8 << 20 },                /* MEMLOCK */
	INF, INF,                            /* AS, LOCKS */
	{ 64, 64 },                          /* SIGPENDING */
	{ 819200, 819200 },                  /* MSGQUEUE */
	{ 0, 0 }, { 0, 0 },                  /* NICE, RTPRIO */
	INF,                                 /* RTTIME */
};
static struct spinlock rl_lock = SPINLOCK_INIT;

static int check_new(long res, const struct krlimit *l)
{
	if (l->cur > l->max)
		return -EINVAL;
	if (res == RLIMIT_NOFILE && l->max > FD_MAX)
		return -EPERM;
	return 0;
}

long sys_prlimit64(SYSARGS)
{
	long res = a1;
	struct krlimit nl, old;
	if (a0 != 0 && a0 != 1)
		return -ESRCH;
	if (res < 0 || res >= RLIM_NLIMITS)
		return -EINVAL;
	if (a2) {
		if (user_copy_in(&nl, (uint64_t)a2, sizeof(nl)))
			return -EFAULT;
		int r = check_new(res, &nl);
		if (r)
			return r;
	}
	spin_lock(&rl_lock);
	old = limits[res];
	if (a2) {
		limits[res] = nl;
		if (res == RLIMIT_NOFILE)
			fd_set_limit((int)nl.cur);
	}
	spin_unlock(&rl_lock);
	if (a3 && user_copy_out((uint64_t)a3, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

long sys_getrlimit(SYSARGS)
{
	if (!a1)
		return -EFAULT;
	return sys_prlimit64(0, a0, 0, a1, 0, 0);
}

long sys_setrlimit(SYSARGS)
{
	if (!a1)
		return -EFAULT;
	return sys_prlimit64(0, a0, a1, 0, 0, 0);
}
