/* SPDX-License-Identifier: MIT */
/*
 * The one way out (docs/reliability.md). exit, exit_group, main returning, a
 * signal whose default action terminates and SIGTERM from the host all end in
 * proc_exit: the other threads are stopped (they must not run while the
 * kernel finishes), every descriptor is closed (a Linux process's sockets are
 * closed by its exit, and their data still delivered), the components write
 * their caches back (SYSOPT_SYNC) and run their exit hooks (SYSOPT_EXIT: the
 * network kernel lets closed connections finish, bounded by toro.linger),
 * then the status is printed last and the VM powers off. A crash or abort()
 * (proc_crash_exit) writes the caches back and powers off at once; a kernel
 * panic does neither (proc_poweroff).
 */
#include <k/arch.h>
#include <k/component.h>
#include <k/console.h>
#include <k/fd.h>
#include <k/proc.h>
#include <k/sched.h>
#include <k/time.h>
#include "sys.h"

/* How long the exit waits for the other threads to stop: they park on their
 * way back to ring 3, which takes an IPI and a little kernel code; one that
 * sleeps where no signal reaches it is left asleep. */
#define STOP_WAIT_NS (500ull * 1000000)

static struct thread *exiting; /* the thread running the exit, NULL before */

bool proc_exit_stops(const struct thread *t)
{
	struct thread *e = __atomic_load_n(&exiting, __ATOMIC_ACQUIRE);
	return e && e != t;
}

/* The caller runs the exit; a thread that comes second parks for good (the
 * first one's status wins, as when two threads call exit_group on Linux). */
static void claim(void)
{
	struct thread *none = NULL, *me = thread_current();
	if (!__atomic_compare_exchange_n(&exiting, &none, me, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE) && none != me)
		thread_park();
}

static void stop_and_close(void)
{
	int left = thread_stop_others(time_monotonic_ns() + STOP_WAIT_NS);
	if (left > 0)
		kprintf("toro: exit: %d thread%s did not stop within %llu ms (asleep in the kernel)\n",
			left, left == 1 ? "" : "s", STOP_WAIT_NS / 1000000);
	for (int fd = 0; fd < FD_MAX; fd++)
		sys_close(fd, 0, 0, 0, 0, 0);
}

static void sync_caches(void)
{
	int r = component_sync();
	if (r)
		kprintf("toro: exit: writing the caches back failed (error %d)\n", -r);
}

void proc_exit(int status)
{
	claim();
	stop_and_close();
	sync_caches();
	component_exit(status);
	proc_poweroff(status);
}

void proc_crash_exit(int status)
{
	claim();
	stop_and_close();
	sync_caches();
	proc_poweroff(status);
}

void proc_poweroff(int status)
{
	/* The exact status, last on the console: isa-debug-exit keeps 7 bits. */
	kprintf("toro: exit status %d\n", status);
	arch_poweroff(status);
}

void proc_shutdown_request(const char *source)
{
	if (__atomic_load_n(&exiting, __ATOMIC_ACQUIRE))
		return;
	kprintf("toro: shutdown requested by the host (%s): SIGTERM to the program\n", source);
	if (thread_signal_process(SIGTERM) < 0)
		kprintf("toro: no thread to take SIGTERM\n");
}
