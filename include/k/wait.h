/* SPDX-License-Identifier: MIT */
/*
 * Kernel waiting, in the manner of a condition variable keyed by any kernel
 * address (kernel/futex.c, in buckets apart from the program's futexes: no
 * futex call reaches a kernel waiter, whatever address it names).
 *
 *     spin_lock(&dev->lock);
 *     while (!dev->done)
 *             if (kwait(&dev->done, &dev->lock, until) == -ETIMEDOUT) break;
 *     spin_unlock(&dev->lock);
 *
 * and the waker, e.g. an interrupt handler: take dev->lock, set dev->done,
 * kwake(&dev->done, 1 or KWAKE_ALL), release. kwait drops `held` while blocked
 * and holds it again when it returns (0 woken, -ETIMEDOUT); wake-ups may be
 * spurious, so always re-check the condition. `until` is monotonic ns, 0 none.
 * Callable from threads only (not from interrupt handlers); kwake from any
 * context.
 *
 * Kernel threads (kthread_create) run in ring 0 on their own stack on the core
 * given, block like any thread, and do not count as the program's threads.
 */
#ifndef K_WAIT_H
#define K_WAIT_H

#include <stdbool.h>
#include <stdint.h>
#include <k/spinlock.h>

#define KWAKE_ALL 0x7fffffff

int kwait(const void *key, struct spinlock *held, uint64_t until);
/* The same, for waits a signal may cut short (poll, pipes, sockets): also
 * -EINTR, at once or when a signal the thread does not block arrives. */
int kwait_intr(const void *key, struct spinlock *held, uint64_t until);
int kwake(const void *key, int n);

struct thread;
struct thread *kthread_create(void (*fn)(void *), void *arg, int cpu);

/* The program's futexes (kernel/futex.c). A waiter (futex or kernel wait)
 * whose timeout expired or that a signal interrupts: true if it was still
 * queued (now taken off), false if a waker took it first and will wake it. */
bool futex_timeout(struct thread *t);
/* FUTEX_WAKE of the program's word at uaddr (thread exit's clear_child_tid):
 * how many were woken, -EINVAL (misaligned, bitset 0), -EFAULT (not the
 * program's memory). */
long futex_wake(uint64_t uaddr, int n, uint32_t bitset);

/* Counting semaphore on kwait. */
struct ksem {
	struct spinlock lock;
	int count;
};
static inline void ksem_init(struct ksem *s, int count)
{
	s->lock.locked = 0;
	s->count = count;
}
/* 0, or -ETIMEDOUT when `until` (monotonic ns, 0 none) passed first. */
int ksem_down(struct ksem *s, uint64_t until);
void ksem_up(struct ksem *s);

#endif
