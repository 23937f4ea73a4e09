/* SPDX-License-Identifier: MIT */
/* Identity, limits, randomness and exit of the one process. */
#include <k/arch.h>
#include <k/errno.h>
#include <k/fd.h>
#include <k/pmm.h>
#include <k/proc.h>
#include <k/random.h>
#include <k/sched.h>
#include <k/string.h>
#include <k/syscall.h>
#include <k/time.h>
#include <k/uvm.h>
#include "sys.h"

long sys_uname(SYSARGS)
{
	char u[6][65];
	memset(u, 0, sizeof(u));
	const char *f[6] = { "Toro", "toro", "6.1.0-toro", "toro 0.1", "x86_64", "(none)" };
	for (int i = 0; i < 6; i++)
		memcpy(u[i], f[i], strlen(f[i]));
	return user_copy_out((uint64_t)a0, u, sizeof(u));
}

long sys_getrandom(SYSARGS)
{
	uint8_t buf[256];
	uint64_t ubuf = (uint64_t)a0;
	size_t n = (size_t)a1, done = 0;
	if (a2 & ~7l)
		return -EINVAL;
	if (n > 33554431)
		n = 33554431; /* Linux caps a single call likewise */
	while (done < n) {
		size_t take = n - done < sizeof(buf) ? n - done : sizeof(buf);
		random_fill(buf, take);
		if (user_copy_out(ubuf + done, buf, take))
			return done ? (long)done : -EFAULT;
		done += take;
	}
	memset(buf, 0, sizeof(buf));
	return (long)done;
}

long sys_getpid(SYSARGS) { return 1; }
long sys_gettid(SYSARGS) { return thread_current()->tid; }
long sys_getuid(SYSARGS) { return 0; }
long sys_sched_yield(SYSARGS)
{
	schedule();
	return 0;
}

long sys_set_tid_address(SYSARGS)
{
	thread_current()->clear_child_tid = (uint64_t)a0;
	return thread_current()->tid;
}

long sys_set_robust_list(SYSARGS) { return a1 == 24 ? 0 : -EINVAL; }

long sys_exit(SYSARGS)
{
	/* The last thread leaving ends the program, as on Linux. */
	thread_exit((int)(a0 & 0xff));
}

long sys_exit_group(SYSARGS) { proc_exit((int)(a0 & 0xff)); }

static uint32_t umask_now = 022;

long sys_umask(SYSARGS)
{
	long old = umask_now;
	umask_now = (uint32_t)a0 & 0777;
	return old;
}

uint32_t proc_umask(void)
{
	return umask_now;
}

/* struct rusage (x86-64): two timevals and fourteen longs. */
struct krusage {
	int64_t utime_sec, utime_usec, stime_sec, stime_usec;
	int64_t maxrss, ixrss, idrss, isrss, minflt, majflt, nswap, inblock, oublock;
	int64_t msgsnd, msgrcv, nsignals, nvcsw, nivcsw;
};

/* One process owning the VM: its user time is the time since boot (as its
 * CPU-time clocks say), no system time, no children; maxrss what it has
 * mapped now. */
long sys_getrusage(SYSARGS)
{
	struct krusage ru;
	if (a0 != 0 && a0 != -1 && a0 != 1) /* SELF, CHILDREN, THREAD */
		return -EINVAL;
	memset(&ru, 0, sizeof(ru));
	if (a0 != -1) {
		uint64_t ns = time_monotonic_ns();
		ru.utime_sec = (int64_t)(ns / NSEC_PER_SEC);
		ru.utime_usec = (int64_t)(ns % NSEC_PER_SEC / 1000);
		ru.maxrss = (int64_t)(uvm_resident_pages() * 4);
	}
	return user_copy_out((uint64_t)a1, &ru, sizeof(ru));
}

struct ksysinfo {
	int64_t uptime;
	uint64_t loads[3];
	uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	uint16_t procs, pad;
	uint32_t pad2;
	uint64_t totalhigh, freehigh;
	uint32_t mem_unit;
	char rest[4];
};

/* freeram is what malloc can still get: memory not promised, less the
 * kernel's reserve (kernel/uvm.c), the same figure the stats channel calls
 * user_free_kib. */
long sys_sysinfo(SYSARGS)
{
	struct ksysinfo si;
	memset(&si, 0, sizeof(si));
	si.uptime = (int64_t)(time_monotonic_ns() / NSEC_PER_SEC);
	si.totalram = pmm_total_pages() * PAGE_SIZE;
	si.freeram = uvm_free_pages() * PAGE_SIZE;
	si.procs = 1;
	si.mem_unit = 1;
	return user_copy_out((uint64_t)a0, &si, sizeof(si));
}

long sys_pause(SYSARGS)
{
	/* No signal can come from outside: the thread blocks for good and its
	 * core halts when nothing else runs there. */
	for (;;)
		if (sched_block_intr(0) == -EINTR)
			return -EINTR;
}
