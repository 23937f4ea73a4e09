/* SPDX-License-Identifier: MIT */
/*
 * lwIP's system layer on Toro's kernel: semaphores, the core lock (a sleeping
 * mutex), message boxes (bounded rings), kernel threads, the millisecond
 * clock and the lightweight protection (one recursive spinlock). Callable from
 * threads only: every wait blocks in kwait. Builds on the host for the unit
 * test (tests/unit/test_net_sys.c) against fake kernel waits.
 */
#include <k/console.h>
#include <k/errno.h>
#include <k/kheap.h>
#include <k/random.h>
#include <k/sched.h>
#include <k/time.h>
#include <k/wait.h>

#include "lwip/err.h"
#include "lwip/sys.h"

#define NSEC_PER_MSEC 1000000ull

void sys_init(void) {}

u32_t sys_now(void)
{
	return (u32_t)(time_monotonic_ns() / NSEC_PER_MSEC);
}

unsigned int net_rand(void)
{
	unsigned int v;
	random_fill(&v, sizeof(v));
	return v;
}

/* lwIP's timeouts are milliseconds, 0 meaning none. */
static uint64_t deadline(u32_t timeout_ms, uint64_t start)
{
	return timeout_ms ? start + (uint64_t)timeout_ms * NSEC_PER_MSEC : 0;
}

static u32_t elapsed_ms(uint64_t start)
{
	uint64_t ms = (time_monotonic_ns() - start) / NSEC_PER_MSEC;
	return ms >= SYS_ARCH_TIMEOUT ? SYS_ARCH_TIMEOUT - 1 : (u32_t)ms;
}

/* ---- semaphores ---- */

err_t sys_sem_new(sys_sem_t *sem, u8_t count)
{
	ksem_init(&sem->ks, count);
	sem->valid = true;
	return ERR_OK;
}

void sys_sem_signal(sys_sem_t *sem) { ksem_up(&sem->ks); }

u32_t sys_arch_sem_wait(sys_sem_t *sem, u32_t timeout)
{
	uint64_t start = time_monotonic_ns();
	if (ksem_down(&sem->ks, deadline(timeout, start)) == -ETIMEDOUT)
		return SYS_ARCH_TIMEOUT;
	return elapsed_ms(start);
}

void sys_sem_free(sys_sem_t *sem) { sem->valid = false; }
int sys_sem_valid(sys_sem_t *sem) { return sem->valid; }
void sys_sem_set_invalid(sys_sem_t *sem) { sem->valid = false; }

/* ---- mutexes (the core lock) ----
 *
 * Taken with one atomic when free, as it is most of the time; a locker that
 * finds it held spins a little (the core lock is held for one frame or one
 * socket call), then sleeps. The spinlock only orders sleepers against the
 * releaser: a sleeper counts itself and tries once more under it, and a
 * releaser that sees a sleeper passes through it before waking one, so the
 * sleeper is queued by then. The wake-up is sent with no lock held. */

#define MUTEX_SPINS 64

static bool mutex_try(sys_mutex_t *m)
{
	int free = 0;
	return __atomic_compare_exchange_n(&m->held, &free, 1, false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

err_t sys_mutex_new(sys_mutex_t *m)
{
	m->lock.locked = 0;
	m->held = false;
	m->waiters = 0;
	m->owner = NULL;
	m->acquired = m->contended = 0;
	m->valid = true;
	return ERR_OK;
}

void sys_mutex_lock(sys_mutex_t *m)
{
	bool waited = false;
	if (!mutex_try(m)) {
		waited = true;
		for (int i = 0; i < MUTEX_SPINS; i++) {
			arch_pause();
			if (!__atomic_load_n(&m->held, __ATOMIC_RELAXED) && mutex_try(m))
				goto taken;
		}
		spin_lock(&m->lock);
		__atomic_add_fetch(&m->waiters, 1, __ATOMIC_SEQ_CST);
		while (!mutex_try(m))
			kwait((const void *)&m->held, &m->lock, 0);
		__atomic_sub_fetch(&m->waiters, 1, __ATOMIC_RELAXED);
		spin_unlock(&m->lock);
	}
taken:
	/* Counted by the holder: no other core writes them now. */
	m->acquired++;
	m->contended += waited;
	m->owner = thread_current();
}

void sys_mutex_unlock(sys_mutex_t *m)
{
	m->owner = NULL;
	__atomic_store_n(&m->held, 0, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&m->waiters, __ATOMIC_SEQ_CST) == 0)
		return;
	spin_lock(&m->lock); /* a sleeper that counted itself is queued now */
	spin_unlock(&m->lock);
	kwake((const void *)&m->held, 1);
}

bool net_mutex_held(const struct net_mutex *m)
{
	return m->held && m->owner == thread_current();
}

void sys_mutex_free(sys_mutex_t *m) { m->valid = false; }
int sys_mutex_valid(sys_mutex_t *m) { return m->valid; }
void sys_mutex_set_invalid(sys_mutex_t *m) { m->valid = false; }

/* ---- message boxes ---- */

err_t sys_mbox_new(sys_mbox_t *mbox, int size)
{
	struct net_mbox *mb;
	if (size <= 0)
		size = 16;
	mb = kzalloc(sizeof(*mb));
	if (!mb)
		return ERR_MEM;
	mb->slots = kmalloc((size_t)size * sizeof(void *));
	if (!mb->slots) {
		kfree(mb);
		return ERR_MEM;
	}
	mb->size = (unsigned)size;
	*mbox = mb;
	return ERR_OK;
}

/* With mb->lock held and room in the ring. */
static void put_locked(struct net_mbox *mb, void *msg)
{
	mb->slots[(mb->head + mb->count) % mb->size] = msg;
	mb->count++;
	if (mb->getters)
		kwake((const void *)&mb->slots, 1);
}

/* With mb->lock held and a message in the ring. */
static void *get_locked(struct net_mbox *mb)
{
	void *msg = mb->slots[mb->head];
	mb->head = (mb->head + 1) % mb->size;
	mb->count--;
	if (mb->putters)
		kwake((const void *)&mb->size, 1);
	return msg;
}

void sys_mbox_post(sys_mbox_t *mbox, void *msg)
{
	struct net_mbox *mb = *mbox;
	spin_lock(&mb->lock);
	while (mb->count == mb->size) {
		mb->putters++;
		kwait((const void *)&mb->size, &mb->lock, 0);
		mb->putters--;
	}
	put_locked(mb, msg);
	spin_unlock(&mb->lock);
}

err_t sys_mbox_trypost(sys_mbox_t *mbox, void *msg)
{
	struct net_mbox *mb = *mbox;
	err_t r = ERR_MEM;
	spin_lock(&mb->lock);
	if (mb->count < mb->size) {
		put_locked(mb, msg);
		r = ERR_OK;
	}
	spin_unlock(&mb->lock);
	return r;
}

err_t sys_mbox_trypost_fromisr(sys_mbox_t *mbox, void *msg)
{
	return sys_mbox_trypost(mbox, msg);
}

u32_t sys_arch_mbox_fetch(sys_mbox_t *mbox, void **msg, u32_t timeout)
{
	struct net_mbox *mb = *mbox;
	uint64_t start = time_monotonic_ns(), until = deadline(timeout, start);
	void *m;
	spin_lock(&mb->lock);
	while (mb->count == 0) {
		mb->getters++;
		int r = kwait((const void *)&mb->slots, &mb->lock, until);
		mb->getters--;
		if (r == -ETIMEDOUT && mb->count == 0) {
			spin_unlock(&mb->lock);
			return SYS_ARCH_TIMEOUT;
		}
	}
	m = get_locked(mb);
	spin_unlock(&mb->lock);
	if (msg)
		*msg = m;
	return elapsed_ms(start);
}

u32_t sys_arch_mbox_tryfetch(sys_mbox_t *mbox, void **msg)
{
	struct net_mbox *mb = *mbox;
	void *m;
	spin_lock(&mb->lock);
	if (mb->count == 0) {
		spin_unlock(&mb->lock);
		return SYS_MBOX_EMPTY;
	}
	m = get_locked(mb);
	spin_unlock(&mb->lock);
	if (msg)
		*msg = m;
	return 0;
}

void sys_mbox_free(sys_mbox_t *mbox)
{
	struct net_mbox *mb = *mbox;
	if (!mb)
		return;
	if (mb->count)
		kprintf("toro: net: freeing a message box with %u messages\n", mb->count);
	kfree(mb->slots);
	kfree(mb);
}

int sys_mbox_valid(sys_mbox_t *mbox) { return *mbox != NULL; }
void sys_mbox_set_invalid(sys_mbox_t *mbox) { *mbox = NULL; }

/* ---- threads ---- */

/* lwIP's threads (the tcpip thread) run on core 0, the boot core. The kernel
 * stack size is the kernel's; stacksize and prio are not used. */
sys_thread_t sys_thread_new(const char *name, lwip_thread_fn fn, void *arg,
			    int stacksize, int prio)
{
	struct thread *t = kthread_create(fn, arg, 0);
	if (!t)
		panic("out of memory for the network thread %s", name);
	return t;
}

/* ---- lightweight protection: one spinlock, recursive per core ---- */

static struct spinlock prot_lock;
static volatile int prot_owner = -1;
static unsigned prot_depth;

sys_prot_t sys_arch_protect(void)
{
	int me = this_cpu()->id;
	if (__atomic_load_n(&prot_owner, __ATOMIC_RELAXED) == me) {
		prot_depth++;
		return 1;
	}
	spin_lock(&prot_lock);
	prot_owner = me;
	prot_depth = 1;
	return 0;
}

void sys_arch_unprotect(sys_prot_t nested)
{
	if (--prot_depth > 0)
		return;
	prot_owner = -1;
	spin_unlock(&prot_lock);
}
