/* SPDX-License-Identifier: MIT */
/*
 * futex(2) for musl's threads: WAIT, WAKE, REQUEUE, CMP_REQUEUE, WAIT_BITSET,
 * WAKE_BITSET (PRIVATE or not: there is one address space, so the user address
 * is the key). Waiters sit in hashed buckets, each with its own lock; a waiter
 * checks the futex word under that lock, so a wake-up cannot slip between the
 * check and the sleep.
 */
#include <k/arch.h>
#include <k/errno.h>
#include <k/sched.h>
#include <k/spinlock.h>
#include <k/syscall.h>
#include <k/time.h>
#include <k/mailbox.h>
#include <k/wait.h>
#include "sys.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE 128
#define FUTEX_CLOCK_REALTIME 256
#define NBUCKETS 64

struct bucket {
	struct spinlock lock;
	struct thread *head;
};

static struct bucket buckets[NBUCKETS];

static struct bucket *bucket_of(uint64_t key)
{
	return &buckets[(key >> 2) * 0x9e3779b97f4a7c15ull >> 58];
}

static void unlink_waiter(struct bucket *b, struct thread *t)
{
	for (struct thread **p = &b->head; *p; p = &(*p)->futex_next) {
		if (*p == t) {
			*p = t->futex_next;
			t->futex_next = NULL;
			return;
		}
	}
}

/* The timeout of a waiter expired on its core: true if it was still queued
 * (it now wakes with ETIMEDOUT), false if a waker took it first. */
bool futex_timeout(struct thread *t)
{
	for (;;) {
		uint64_t key = __atomic_load_n(&t->futex_key, __ATOMIC_ACQUIRE);
		if (!key)
			return false;
		struct bucket *b = bucket_of(key);
		spin_lock(&b->lock);
		if (t->futex_key == key) {
			unlink_waiter(b, t);
			t->futex_key = 0;
			spin_unlock(&b->lock);
			return true;
		}
		spin_unlock(&b->lock); /* requeued meanwhile: look again */
	}
}

static long futex_wait(uint64_t uaddr, uint32_t val, uint64_t until, uint32_t bitset)
{
	struct thread *t = thread_current();
	struct bucket *b = bucket_of(uaddr);
	uint32_t cur;

	if (bitset == 0)
		return -EINVAL;
	spin_lock(&b->lock);
	if (user_copy_in(&cur, uaddr, 4)) {
		spin_unlock(&b->lock);
		return -EFAULT;
	}
	if (cur != val) {
		spin_unlock(&b->lock);
		return -EAGAIN;
	}
	t->futex_key = uaddr;
	t->futex_bitset = bitset;
	t->futex_waiting = true;
	t->futex_next = b->head;
	b->head = t;
	/* Blocked before the lock goes: a waker on another core sees the
	 * thread queued and hands it back through this core's mailbox. */
	t->state = T_BLOCKED;
	spin_unlock(&b->lock);
	int r = sched_block_intr(until);
	if (r == -EINTR)
		futex_timeout(t); /* off the queue, unless a waker took it */
	t->futex_waiting = false;
	return r;
}

long futex_wake(uint64_t uaddr, int n, uint32_t bitset)
{
	struct bucket *b = bucket_of(uaddr);
	struct thread *woken[16];
	long count = 0;

	if (bitset == 0)
		return -EINVAL;
	for (;;) {
		int k = 0;
		spin_lock(&b->lock);
		for (struct thread **p = &b->head; *p && count < n && k < 16;) {
			struct thread *t = *p;
			if (t->futex_key == uaddr && (t->futex_bitset & bitset)) {
				*p = t->futex_next;
				t->futex_next = NULL;
				t->futex_key = 0;
				woken[k++] = t;
				count++;
			} else {
				p = &t->futex_next;
			}
		}
		spin_unlock(&b->lock);
		for (int i = 0; i < k; i++)
			sched_wake(woken[i]);
		if (k < 16 || count >= n)
			return count;
	}
}

static long futex_requeue(uint64_t uaddr, int nwake, int nmove, uint64_t uaddr2, bool cmp,
			  uint32_t val3)
{
	struct bucket *b1 = bucket_of(uaddr), *b2 = bucket_of(uaddr2);
	if (uaddr2 & 3)
		return -EINVAL;
	if (cmp) {
		uint32_t cur;
		if (user_copy_in(&cur, uaddr, 4))
			return -EFAULT;
		if (cur != val3)
			return -EAGAIN;
	}
	long woken = futex_wake(uaddr, nwake, ~0u);
	if (woken < 0)
		return woken;
	/* Lock both buckets in address order. */
	struct bucket *lo = b1 < b2 ? b1 : b2, *hi = b1 < b2 ? b2 : b1;
	spin_lock(&lo->lock);
	if (hi != lo)
		spin_lock(&hi->lock);
	long moved = 0;
	for (struct thread **p = &b1->head; *p && moved < nmove;) {
		struct thread *t = *p;
		if (t->futex_key != uaddr) {
			p = &t->futex_next;
			continue;
		}
		*p = t->futex_next;
		__atomic_store_n(&t->futex_key, uaddr2, __ATOMIC_RELEASE);
		t->futex_next = b2->head;
		b2->head = t;
		moved++;
	}
	if (hi != lo)
		spin_unlock(&hi->lock);
	spin_unlock(&lo->lock);
	return woken + moved;
}

struct ktimespec {
	int64_t sec, nsec;
};

long sys_futex(SYSARGS)
{
	uint64_t uaddr = (uint64_t)a0;
	int op = (int)a1 & ~(FUTEX_PRIVATE | FUTEX_CLOCK_REALTIME);
	bool realtime = a1 & FUTEX_CLOCK_REALTIME;
	uint32_t val = (uint32_t)a2;
	uint64_t until = 0;

	if (uaddr & 3)
		return -EINVAL;
	if ((op == FUTEX_WAIT || op == FUTEX_WAIT_BITSET) && a3) {
		struct ktimespec ts;
		if (user_copy_in(&ts, (uint64_t)a3, sizeof(ts)))
			return -EFAULT;
		if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= (int64_t)NSEC_PER_SEC)
			return -EINVAL;
		if ((uint64_t)ts.sec > 0x3fffffffffull)
			ts.sec = 0x3fffffffff;
		uint64_t ns = (uint64_t)ts.sec * NSEC_PER_SEC + (uint64_t)ts.nsec;
		uint64_t now = time_monotonic_ns();
		if (op == FUTEX_WAIT) {
			until = now + ns; /* relative */
		} else {
			uint64_t base = realtime ? time_realtime_ns() : now;
			until = ns > base ? now + (ns - base) : now;
		}
		if (until == 0)
			until = 1;
	}
	switch (op) {
	case FUTEX_WAIT:
		return futex_wait(uaddr, val, until, ~0u);
	case FUTEX_WAIT_BITSET:
		return futex_wait(uaddr, val, until, (uint32_t)a5);
	case FUTEX_WAKE:
		return futex_wake(uaddr, (int)val, ~0u);
	case FUTEX_WAKE_BITSET:
		return futex_wake(uaddr, (int)val, (uint32_t)a5);
	case FUTEX_REQUEUE:
		return futex_requeue(uaddr, (int)val, (int)a3, (uint64_t)a4, false, 0);
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(uaddr, (int)val, (int)a3, (uint64_t)a4, true, (uint32_t)a5);
	default:
		return -ENOSYS;
	}
}

/* Kernel waits (k/wait.h) share the buckets, keyed by kernel addresses. The
 * waiter is queued under the bucket lock before it lets go of `held`, and a
 * waker changes the condition under `held`, so no wake-up falls in between. */
static int wait_on(const void *key, struct spinlock *held, uint64_t until, bool intr)
{
	struct thread *t = thread_current();
	struct bucket *b = bucket_of((uint64_t)key);
	if (t == this_cpu()->idle) {
		/* The boot context (drivers attaching, the network starting) is
		 * core 0's idle thread and cannot block: run whatever is runnable
		 * (kernel threads), else halt until an interrupt, and let the
		 * caller re-check its condition. */
		struct cpu *c = this_cpu();
		spin_unlock(held);
		if (until && time_monotonic_ns() >= until) {
			spin_lock(held);
			return -ETIMEDOUT;
		}
		schedule();
		if (c->rq_len == 0 && mailbox_empty(&c->mbox)) {
			if (until)
				arch_timer_arm(time_ns_to_tsc_deadline(until));
			arch_wait_for_interrupt();
			c->armed = 0; /* the scheduler re-arms its own deadline */
		}
		spin_lock(held);
		return 0;
	}
	spin_lock(&b->lock);
	t->futex_key = (uint64_t)key;
	t->futex_bitset = ~0u;
	t->futex_waiting = true;
	t->futex_next = b->head;
	b->head = t;
	t->state = T_BLOCKED;
	spin_unlock(&b->lock);
	spin_unlock(held);
	int r = intr ? sched_block_intr(until) : sched_block(until);
	if (r == -EINTR)
		futex_timeout(t); /* off the queue, unless a waker took it */
	t->futex_waiting = false;
	spin_lock(held);
	return r;
}

int kwait(const void *key, struct spinlock *held, uint64_t until)
{
	return wait_on(key, held, until, false);
}

int kwait_intr(const void *key, struct spinlock *held, uint64_t until)
{
	return wait_on(key, held, until, true);
}

int kwake(const void *key, int n)
{
	return (int)futex_wake((uint64_t)key, n, ~0u);
}
