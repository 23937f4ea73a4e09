/* SPDX-License-Identifier: MIT */
/*
 * futex(2) for musl's threads: WAIT, WAKE, REQUEUE, CMP_REQUEUE, WAIT_BITSET,
 * WAKE_BITSET (PRIVATE or not: there is one address space, so the user address
 * is the key), and the kernel's own waits (k/wait.h).
 *
 * Two tables of hashed buckets, each bucket with its own lock: the program's
 * futexes, keyed by user addresses that were checked to be the program's
 * memory, and kernel waits, keyed by kernel addresses. A program reaches only
 * the first, so whatever address it passes it can never wake or requeue a
 * thread the kernel put to sleep.
 *
 * A waiter checks its futex word under the bucket lock, so a wake-up cannot
 * slip between the check and the sleep. That read must not fault a page in
 * (uvm.c maps pages on first touch, under its own lock): it is a no-fault
 * copy, and the page is faulted in beforehand with no lock held, again if it
 * went away in between.
 */
#include <k/arch.h>
#include <k/errno.h>
#include <k/sched.h>
#include <k/spinlock.h>
#include <k/syscall.h>
#include <k/time.h>
#include <k/mailbox.h>
#include <k/utime.h>
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
#define WAKE_BATCH 16

struct bucket {
	struct spinlock lock;
	struct thread *head;
};

static struct bucket user_buckets[NBUCKETS], kernel_buckets[NBUCKETS];

static struct bucket *bucket_of(bool kernel, uint64_t key)
{
	struct bucket *table = kernel ? kernel_buckets : user_buckets;
	return &table[(key >> 2) * 0x9e3779b97f4a7c15ull >> 58];
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

static void enqueue(struct bucket *b, struct thread *t, uint64_t key, uint32_t bitset)
{
	t->futex_key = key;
	t->futex_bitset = bitset;
	t->futex_waiting = true;
	t->futex_next = b->head;
	b->head = t;
}

/* The timeout of a waiter expired on its core: true if it was still queued
 * (it now wakes with ETIMEDOUT), false if a waker took it first. */
bool futex_timeout(struct thread *t)
{
	for (;;) {
		uint64_t key = __atomic_load_n(&t->futex_key, __ATOMIC_ACQUIRE);
		if (!key)
			return false;
		struct bucket *b = bucket_of(t->futex_kernel, key);
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

/* A program's futex word: aligned (-EINVAL) and its own memory (-EFAULT).
 * A shared key, as on Linux, also needs the page to exist; a private one is
 * only an address. */
static long user_key(uint64_t uaddr, bool shared)
{
	uint32_t v;
	if (uaddr & 3)
		return -EINVAL;
	if (!user_access_ok(uaddr, 4))
		return -EFAULT;
	if (shared && user_copy_in(&v, uaddr, 4))
		return -EFAULT;
	return 0;
}

/* Bucket locks, two in address order (b1 may be b2). */
static void lock_pair(struct bucket *b1, struct bucket *b2)
{
	struct bucket *lo = b1 < b2 ? b1 : b2, *hi = b1 < b2 ? b2 : b1;
	spin_lock(&lo->lock);
	if (hi != lo)
		spin_lock(&hi->lock);
}

static void unlock_pair(struct bucket *b1, struct bucket *b2)
{
	spin_unlock(&b1->lock);
	if (b2 != b1)
		spin_unlock(&b2->lock);
}

/* Lock b1 and b2 with the word at uaddr read into *val under the locks: 0,
 * or -EFAULT with nothing locked. */
static long lock_and_read(struct bucket *b1, struct bucket *b2, uint64_t uaddr, uint32_t *val)
{
	for (;;) {
		/* Fault it in (or fail) with no lock held. A page that goes away
		 * before the read below is faulted in again: each round needs a
		 * racing munmap of the program's own to repeat. */
		if (user_copy_in(val, uaddr, 4))
			return -EFAULT;
		lock_pair(b1, b2);
		if (user_copy_in_nofault(val, uaddr, 4) == 0)
			return 0;
		unlock_pair(b1, b2);
	}
}

static long futex_wait(uint64_t uaddr, uint32_t val, uint64_t until, uint32_t bitset)
{
	struct thread *t = thread_current();
	struct bucket *b = bucket_of(false, uaddr);
	uint32_t cur;

	if (lock_and_read(b, b, uaddr, &cur))
		return -EFAULT;
	if (cur != val) {
		spin_unlock(&b->lock);
		return -EAGAIN;
	}
	t->futex_kernel = false;
	enqueue(b, t, uaddr, bitset);
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

/* Take up to `max` waiters on key whose bitset meets `bitset` off b (locked)
 * into out[]: how many. */
static int take(struct bucket *b, uint64_t key, uint32_t bitset, struct thread **out, long max)
{
	int k = 0;
	for (struct thread **p = &b->head; *p && k < max && k < WAKE_BATCH;) {
		struct thread *t = *p;
		if (t->futex_key == key && (t->futex_bitset & bitset)) {
			*p = t->futex_next;
			t->futex_next = NULL;
			__atomic_store_n(&t->futex_key, 0, __ATOMIC_RELEASE);
			out[k++] = t;
		} else {
			p = &t->futex_next;
		}
	}
	return k;
}

/* Wake up to n waiters on key in one table: how many. */
static long wake_key(bool kernel, uint64_t key, int n, uint32_t bitset)
{
	struct bucket *b = bucket_of(kernel, key);
	struct thread *woken[WAKE_BATCH];
	long count = 0;
	for (;;) {
		spin_lock(&b->lock);
		int k = take(b, key, bitset, woken, n - count);
		spin_unlock(&b->lock);
		for (int i = 0; i < k; i++)
			sched_wake(woken[i]);
		count += k;
		if (k < WAKE_BATCH || count >= n)
			return count;
	}
}

long futex_wake(uint64_t uaddr, int n, uint32_t bitset)
{
	long r = user_key(uaddr, false);
	if (r)
		return r;
	return bitset ? wake_key(false, uaddr, n, bitset) : -EINVAL;
}

/* Move up to nmove waiters on uaddr from b1 to uaddr2 in b2 (both locked).
 * They are gathered first and put on b2 after the walk: b2 may be b1 and
 * uaddr2 may be uaddr, and the walk must not meet a moved waiter again. */
static long move_waiters(struct bucket *b1, struct bucket *b2, uint64_t uaddr, uint64_t uaddr2,
			 long nmove)
{
	struct thread *moved_head = NULL, **tail = &moved_head;
	long moved = 0;
	for (struct thread **p = &b1->head; *p && moved < nmove;) {
		struct thread *t = *p;
		if (t->futex_key != uaddr) {
			p = &t->futex_next;
			continue;
		}
		*p = t->futex_next;
		__atomic_store_n(&t->futex_key, uaddr2, __ATOMIC_RELEASE);
		t->futex_next = NULL;
		*tail = t;
		tail = &t->futex_next;
		moved++;
	}
	*tail = b2->head;
	b2->head = moved_head;
	return moved;
}

/* CMP_REQUEUE compares *uaddr with val3 under both bucket locks, so no waiter
 * can queue in between on a value that has changed. Up to WAKE_BATCH wake-ups
 * and every move happen in that one locked step; more wake-ups than that
 * take further rounds. */
static long futex_requeue(uint64_t uaddr, int nwake, int nmove, uint64_t uaddr2, bool cmp,
			  uint32_t val3)
{
	struct bucket *b1 = bucket_of(false, uaddr), *b2 = bucket_of(false, uaddr2);
	struct thread *woken[WAKE_BATCH];
	long woke = 0, moved = 0;
	uint32_t cur;

	if (!cmp) {
		lock_pair(b1, b2);
	} else {
		if (lock_and_read(b1, b2, uaddr, &cur))
			return -EFAULT;
		if (cur != val3) {
			unlock_pair(b1, b2);
			return -EAGAIN;
		}
	}
	for (;;) {
		int k = take(b1, uaddr, ~0u, woken, nwake - woke);
		woke += k;
		bool more = k == WAKE_BATCH && woke < nwake;
		if (!more)
			moved = move_waiters(b1, b2, uaddr, uaddr2, nmove);
		unlock_pair(b1, b2);
		for (int i = 0; i < k; i++)
			sched_wake(woken[i]);
		if (!more)
			return woke + moved;
		lock_pair(b1, b2);
	}
}

/* The deadline of a WAIT's timeout: relative for FUTEX_WAIT, absolute on the
 * monotonic or (FUTEX_CLOCK_REALTIME) real-time clock for WAIT_BITSET. */
static long wait_deadline(int cmd, bool realtime, uint64_t uts, uint64_t *until)
{
	uint64_t ns;
	long r = utime_get_ts(uts, &ns);
	if (r)
		return r;
	uint64_t now = time_monotonic_ns();
	if (cmd == FUTEX_WAIT)
		*until = utime_deadline(now, ns);
	else
		*until = utime_abs_deadline(now, realtime ? time_realtime_ns() : now, ns);
	return 0;
}

long sys_futex(SYSARGS)
{
	uint64_t uaddr = (uint64_t)a0, uaddr2 = (uint64_t)a4;
	int cmd = (int)a1 & ~(FUTEX_PRIVATE | FUTEX_CLOCK_REALTIME);
	bool shared = !(a1 & FUTEX_PRIVATE), wait = cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET;
	bool requeue = cmd == FUTEX_REQUEUE || cmd == FUTEX_CMP_REQUEUE;
	uint32_t val = (uint32_t)a2, bitset = ~0u;
	uint64_t until = 0;
	long r;

	if (!wait && !requeue && cmd != FUTEX_WAKE && cmd != FUTEX_WAKE_BITSET)
		return -ENOSYS;
	if ((a1 & FUTEX_CLOCK_REALTIME) && cmd != FUTEX_WAIT_BITSET)
		return -ENOSYS; /* as Linux: only an absolute wait names a clock */
	if (cmd == FUTEX_WAIT_BITSET || cmd == FUTEX_WAKE_BITSET)
		bitset = (uint32_t)a5;
	/* As Linux: the timeout, the bitset and the counts, then the addresses. */
	if (wait && a3 && (r = wait_deadline(cmd, a1 & FUTEX_CLOCK_REALTIME, (uint64_t)a3, &until)))
		return r;
	if (bitset == 0 || (requeue && ((int)val < 0 || (int)a3 < 0)))
		return -EINVAL;
	if ((r = user_key(uaddr, shared)) || (requeue && (r = user_key(uaddr2, shared))))
		return r;
	if (wait)
		return futex_wait(uaddr, val, until, bitset);
	if (!requeue)
		return wake_key(false, uaddr, (int)val, bitset);
	return futex_requeue(uaddr, (int)val, (int)a3, uaddr2, cmd == FUTEX_CMP_REQUEUE,
			     (uint32_t)a5);
}

/* Kernel waits (k/wait.h) have buckets of their own, keyed by kernel
 * addresses. The waiter is queued under the bucket lock before it lets go of
 * `held`, and a waker changes the condition under `held`, so no wake-up falls
 * in between. */
static int wait_on(const void *key, struct spinlock *held, uint64_t until, bool intr)
{
	struct thread *t = thread_current();
	struct bucket *b = bucket_of(true, (uint64_t)key);
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
		sched_flush_ipis();
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
	t->futex_kernel = true;
	enqueue(b, t, (uint64_t)key, ~0u);
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
	return (int)wake_key(true, (uint64_t)key, n, ~0u);
}
