/* SPDX-License-Identifier: MIT */
/*
 * Kernel timers (k/ktimer.h): a list sorted by due time and one kernel thread
 * that sleeps until the first is due (kwait with a deadline: the scheduler's
 * one-shot APIC timer), then calls it. The thread is started by the first
 * timer armed, so a program that never arms one has no timer thread.
 */
#include <k/errno.h>
#include <k/ktimer.h>
#include <k/sched.h>
#include <k/spinlock.h>
#include <k/time.h>
#include <k/wait.h>

static struct spinlock kt_lock = SPINLOCK_INIT;
static struct ktimer *head;
static struct ktimer *running; /* whose fire is being called */
static int started;            /* 0 no, 1 starting, 2 running */

static void unlink_locked(struct ktimer *t)
{
	for (struct ktimer **pp = &head; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->next = NULL;
	t->when = 0;
}

static void insert_locked(struct ktimer *t, uint64_t when)
{
	struct ktimer **pp = &head;
	while (*pp && (*pp)->when <= when)
		pp = &(*pp)->next;
	t->when = when;
	t->next = *pp;
	*pp = t;
}

static void timer_thread(void *arg)
{
	(void)arg;
	spin_lock(&kt_lock);
	for (;;) {
		struct ktimer *t = head;
		if (!t || t->when > time_monotonic_ns()) {
			kwait(&head, &kt_lock, t ? t->when : 0);
			continue;
		}
		uint64_t when = t->when;
		head = t->next;
		t->next = NULL;
		t->when = 0;
		t->dropped = false;
		running = t;
		spin_unlock(&kt_lock);
		uint64_t next = t->fire(t, when);
		spin_lock(&kt_lock);
		running = NULL;
		if (next && !t->dropped)
			insert_locked(t, next);
		t->dropped = false;
		kwake(&running, KWAKE_ALL);
	}
}

/* Start the thread once; a failed start is tried again by the next arm. */
static int start_thread(void)
{
	int s = 0;
	if (__atomic_load_n(&started, __ATOMIC_ACQUIRE) == 2)
		return 0;
	if (!__atomic_compare_exchange_n(&started, &s, 1, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&started, __ATOMIC_ACQUIRE) == 1)
			schedule();
		return __atomic_load_n(&started, __ATOMIC_ACQUIRE) == 2 ? 0 : -EAGAIN;
	}
	bool ok = kthread_create(timer_thread, NULL, 0) != NULL;
	__atomic_store_n(&started, ok ? 2 : 0, __ATOMIC_RELEASE);
	return ok ? 0 : -EAGAIN;
}

int ktimer_arm(struct ktimer *t, uint64_t when)
{
	int r = start_thread();
	if (r)
		return r;
	spin_lock(&kt_lock);
	unlink_locked(t);
	if (running == t)
		t->dropped = true; /* its fire's return must not re-arm it */
	insert_locked(t, when ? when : 1);
	if (head == t)
		kwake(&head, 1);
	spin_unlock(&kt_lock);
	return 0;
}

void ktimer_cancel(struct ktimer *t)
{
	spin_lock(&kt_lock);
	unlink_locked(t);
	if (running == t) {
		t->dropped = true;
		while (running == t)
			kwait(&running, &kt_lock, 0);
	}
	spin_unlock(&kt_lock);
}
