/* SPDX-License-Identifier: MIT */
/*
 * Kernel timers: a function called at a monotonic time, on the timer thread
 * (a kernel thread started by the first ktimer_arm, on core 0), with no lock
 * held, so it may take locks, send signals (thread_signal*) and wake files
 * (file_notify). The program's timers (setitimer, alarm, timer_create,
 * timerfd) are built on it (kernel/sys_timer.c, kernel/timerfd.c).
 *
 * `fire(t, when)` gets the time it was due (it runs a little later) and
 * returns the next time it is due (a periodic timer), or 0 to stop. A timer
 * is armed at most once: arming it again moves it. After ktimer_cancel
 * returns, fire is not running and will not run until the next ktimer_arm,
 * so the timer's memory may be freed; fire itself must not call
 * ktimer_cancel or ktimer_arm on its own timer (it returns its next time).
 * Callable from threads only (ktimer_cancel may wait).
 */
#ifndef K_KTIMER_H
#define K_KTIMER_H

#include <stdbool.h>
#include <stdint.h>

struct ktimer {
	uint64_t (*fire)(struct ktimer *t, uint64_t when);
	/* The timer thread's own (under its lock): */
	uint64_t when;       /* due time, monotonic ns; 0: not armed */
	struct ktimer *next; /* in the list, sorted by `when` */
	bool dropped;        /* cancelled or re-armed while its fire ran */
};

/* Arm t for `when` (monotonic ns, > 0): 0, or -EAGAIN when the timer thread
 * could not be started (out of kernel memory). */
int ktimer_arm(struct ktimer *t, uint64_t when);
void ktimer_cancel(struct ktimer *t);

#endif
