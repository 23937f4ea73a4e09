/* SPDX-License-Identifier: MIT */
/*
 * Spinlocks. The kernel runs with interrupts off (see docs/kernel.md), so a
 * lock never has to mask them; a waiter polls for TLB shootdown requests
 * while it spins, so a core that holds a lock and waits for the others to
 * flush their TLBs cannot deadlock with a core spinning on that lock.
 */
#ifndef K_SPINLOCK_H
#define K_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct spinlock {
	volatile uint32_t locked;
};

#define SPINLOCK_INIT { 0 }

void smp_poll(void); /* kernel/smp.c: serve pending cross-core requests */
void arch_pause(void);

static inline bool spin_trylock(struct spinlock *l)
{
	return __atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE) == 0;
}

static inline void spin_lock(struct spinlock *l)
{
	while (!spin_trylock(l)) {
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
			smp_poll();
			arch_pause();
		}
	}
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif
