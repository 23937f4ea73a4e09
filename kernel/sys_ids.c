/* SPDX-License-Identifier: MIT */
/*
 * The process's identity and scheduling as seen from inside the one process of
 * the VM (component `procctl`): it is pid 1, runs as root (every id 0) in a
 * session and process group of its own, and its threads share the cores round
 * robin. What changes nothing a program could notice answers as Linux does;
 * a change Toro cannot honour (becoming another user, real-time scheduling)
 * is EPERM, an unknown option EINVAL. prctl, times, membarrier live here too.
 */
#include <k/component.h>
#include <k/errno.h>
#include <k/proc.h>
#include <k/sched.h>
#include <k/smp.h>
#include <k/string.h>
#include <k/syscall.h>
#include <k/time.h>
#include <k/utime.h>
#include "sys.h"

/* ---- user and group ids: root, and only root ---- */

/* An id argument of the set*id calls: 0 (root) or -1 (leave it) is fine;
 * another id would make the program another user, which Toro cannot. */
static bool id_ok(long id)
{
	return (uint32_t)id == 0 || (uint32_t)id == 0xffffffffu;
}

long sys_setuid(SYSARGS)
{
	if ((uint32_t)a0 == 0xffffffffu)
		return -EINVAL;
	return (uint32_t)a0 == 0 ? 0 : -EPERM;
}

long sys_setreuid(SYSARGS) { return id_ok(a0) && id_ok(a1) ? 0 : -EPERM; }

long sys_setresuid(SYSARGS) { return id_ok(a0) && id_ok(a1) && id_ok(a2) ? 0 : -EPERM; }

/* setfsuid/setfsgid return the previous id whatever happens, as Linux. */
long sys_setfsuid(SYSARGS) { return 0; }

long sys_getresuid(SYSARGS)
{
	uint32_t zero = 0;
	if (user_copy_out((uint64_t)a0, &zero, 4) || user_copy_out((uint64_t)a1, &zero, 4) ||
	    user_copy_out((uint64_t)a2, &zero, 4))
		return -EFAULT;
	return 0;
}

/* No supplementary groups. */
long sys_getgroups(SYSARGS) { return (int)a0 < 0 ? -EINVAL : 0; }

long sys_setgroups(SYSARGS)
{
	uint32_t g;
	if (a0 < 0 || a0 > 65536)
		return -EINVAL;
	for (long i = 0; i < a0; i++) {
		if (user_copy_in(&g, (uint64_t)a1 + 4 * (uint64_t)i, 4))
			return -EFAULT;
		if (g != 0)
			return -EPERM;
	}
	return 0;
}

/* ---- sessions and process groups: pid 1 leads its own ---- */

static bool self_pid(long pid) { return (int)pid == 0 || (int)pid == 1; }

long sys_getpgid(SYSARGS) { return self_pid(a0) ? 1 : -ESRCH; }

long sys_getpgrp(SYSARGS) { return 1; }

/* A session leader can start no new session nor move its group (Linux says
 * EPERM to both); staying where it is is fine. */
long sys_setsid(SYSARGS) { return -EPERM; }

long sys_setpgid(SYSARGS)
{
	if ((int)a1 < 0)
		return -EINVAL;
	if (!self_pid(a0))
		return -ESRCH;
	return self_pid(a1) ? 0 : -EPERM;
}

/* ---- scheduling: one policy, round robin with a 10 ms slice ---- */

#define SCHED_OTHER 0
#define SCHED_FIFO 1
#define SCHED_RR 2
#define SCHED_BATCH 3
#define SCHED_IDLE 5
#define SCHED_RESET_ON_FORK 0x40000000

static int policy_now = SCHED_OTHER;
static int nice_now;

/* pid 0 (the caller), 1 (the process) or a thread's tid. */
static int sched_target(long arg)
{
	int pid = (int)arg; /* a pid_t: the upper half of the register is not its */
	if (pid < 0)
		return -EINVAL;
	if (pid == 0 || pid == 1 || thread_by_tid((int)pid))
		return 0;
	return -ESRCH;
}

long sys_sched_getscheduler(SYSARGS)
{
	int r = sched_target(a0);
	return r ? r : policy_now;
}

long sys_sched_get_priority_max(SYSARGS)
{
	switch (a0) {
	case SCHED_FIFO: case SCHED_RR: return 99;
	case SCHED_OTHER: case SCHED_BATCH: case SCHED_IDLE: return 0;
	default: return -EINVAL;
	}
}

long sys_sched_get_priority_min(SYSARGS)
{
	long r = sys_sched_get_priority_max(a0, 0, 0, 0, 0, 0);
	return r > 0 ? 1 : r;
}

long sys_sched_getparam(SYSARGS)
{
	int prio = 0, r = sched_target(a0);
	if (r)
		return r;
	return user_copy_out((uint64_t)a1, &prio, sizeof(prio));
}

/* The time-sharing policies are all the same to Toro (kept, so that
 * sched_getscheduler answers what was set); FIFO and RR would promise
 * real-time priority, which it does not have. */
static int set_policy(long policy, uint64_t uparam)
{
	int prio;
	if (!uparam)
		return -EINVAL;
	if (user_copy_in(&prio, uparam, sizeof(prio)))
		return -EFAULT;
	policy &= ~SCHED_RESET_ON_FORK;
	if (policy == SCHED_FIFO || policy == SCHED_RR)
		return prio >= 1 && prio <= 99 ? -EPERM : -EINVAL;
	if (policy != SCHED_OTHER && policy != SCHED_BATCH && policy != SCHED_IDLE)
		return -EINVAL;
	if (prio != 0)
		return -EINVAL;
	policy_now = (int)policy;
	return 0;
}

long sys_sched_setscheduler(SYSARGS)
{
	int r = sched_target(a0);
	return r ? r : set_policy(a1, (uint64_t)a2);
}

long sys_sched_setparam(SYSARGS)
{
	int r = sched_target(a0);
	return r ? r : set_policy(policy_now, (uint64_t)a1);
}

long sys_sched_rr_get_interval(SYSARGS)
{
	int r = sched_target(a0);
	if (r)
		return r;
	return utime_put_ts((uint64_t)a1, SCHED_SLICE_NS);
}

/* getpriority returns 20 - nice (the raw call's convention); the nice value
 * is kept but weighs nothing. */
#define PRIO_PROCESS 0
#define PRIO_PGRP 1
#define PRIO_USER 2

static int prio_target(long which, long arg)
{
	int who = (int)arg;
	if (which < PRIO_PROCESS || which > PRIO_USER)
		return -EINVAL;
	return who == 0 || who == 1 || (which == PRIO_PROCESS && thread_by_tid(who)) ?
		0 : -ESRCH;
}

long sys_getpriority(SYSARGS)
{
	int r = prio_target(a0, a1);
	return r ? r : 20 - nice_now;
}

long sys_setpriority(SYSARGS)
{
	int r = prio_target(a0, a1);
	if (r)
		return r;
	int nice = (int)a2;
	nice_now = nice < -20 ? -20 : nice > 19 ? 19 : nice;
	return 0;
}

/* ---- times: the process's CPU time is the time since boot ---- */

#define USER_HZ 100

long sys_times(SYSARGS)
{
	uint64_t ticks = time_monotonic_ns() / (NSEC_PER_SEC / USER_HZ);
	int64_t tms[4] = { (int64_t)ticks, 0, 0, 0 }; /* utime, stime, cutime, cstime */
	if (a0 && user_copy_out((uint64_t)a0, tms, sizeof(tms)))
		return -EFAULT;
	return (long)ticks;
}

/* ---- membarrier ---- */

#define MB_GLOBAL 1
#define MB_GLOBAL_EXPEDITED 2
#define MB_REGISTER_GLOBAL_EXPEDITED 4
#define MB_PRIVATE_EXPEDITED 8
#define MB_REGISTER_PRIVATE_EXPEDITED 16
#define MB_PRIVATE_EXPEDITED_SYNC_CORE 32
#define MB_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE 64
#define MB_SUPPORTED 0x7f /* everything but the rseq commands */

static uint32_t mb_registered;

/*
 * Every core runs only this program's threads, so all the barrier commands
 * are one thing: an IPI to every other core and a wait for each to answer
 * (the TLB shootdown's round trip with an empty range). Taking an interrupt
 * and returning from it with IRET serializes the core, which also covers the
 * SYNC_CORE commands. The private commands need their registration first.
 */
long sys_membarrier(SYSARGS)
{
	long cmd = a0;
	if (a1 != 0)
		return -EINVAL;
	switch (cmd) {
	case 0:
		return MB_SUPPORTED;
	case MB_REGISTER_GLOBAL_EXPEDITED:
	case MB_REGISTER_PRIVATE_EXPEDITED:
	case MB_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE:
		__atomic_or_fetch(&mb_registered, (uint32_t)cmd, __ATOMIC_SEQ_CST);
		return 0;
	case MB_PRIVATE_EXPEDITED:
	case MB_PRIVATE_EXPEDITED_SYNC_CORE:
		if (!(__atomic_load_n(&mb_registered, __ATOMIC_SEQ_CST) & (cmd << 1)))
			return -EPERM;
		/* fall through */
	case MB_GLOBAL:
	case MB_GLOBAL_EXPEDITED:
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		tlb_shootdown(0, 0);
		return 0;
	default:
		return -EINVAL;
	}
}

SYSGROUP(procctl) = {
	SYSOPT_CALL(105, sys_setuid), SYSOPT_CALL(106, sys_setuid),
	SYSOPT_CALL(113, sys_setreuid), SYSOPT_CALL(114, sys_setreuid),
	SYSOPT_CALL(117, sys_setresuid), SYSOPT_CALL(119, sys_setresuid),
	SYSOPT_CALL(118, sys_getresuid), SYSOPT_CALL(120, sys_getresuid),
	SYSOPT_CALL(122, sys_setfsuid), SYSOPT_CALL(123, sys_setfsuid),
	SYSOPT_CALL(115, sys_getgroups), SYSOPT_CALL(116, sys_setgroups),
	SYSOPT_CALL(109, sys_setpgid), SYSOPT_CALL(111, sys_getpgrp), SYSOPT_CALL(112, sys_setsid),
	SYSOPT_CALL(121, sys_getpgid), SYSOPT_CALL(124, sys_getpgid),
	SYSOPT_CALL(140, sys_getpriority), SYSOPT_CALL(141, sys_setpriority),
	SYSOPT_CALL(142, sys_sched_setparam), SYSOPT_CALL(143, sys_sched_getparam),
	SYSOPT_CALL(144, sys_sched_setscheduler), SYSOPT_CALL(145, sys_sched_getscheduler),
	SYSOPT_CALL(146, sys_sched_get_priority_max), SYSOPT_CALL(147, sys_sched_get_priority_min),
	SYSOPT_CALL(148, sys_sched_rr_get_interval), SYSOPT_CALL(100, sys_times),
	SYSOPT_CALL(157, sys_prctl), SYSOPT_CALL(324, sys_membarrier),
};
