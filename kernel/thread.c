/* SPDX-License-Identifier: MIT */
/* Thread life: creation for clone(), exit (clear_child_tid + futex wake, as
 * pthread_join expects), freeing a dead thread's stacks once it is off its
 * core, signals to a thread or to the process, and stopping every thread but
 * one when the program exits (kernel/exit.c). */
#include <k/arch.h>
#include <k/console.h>
#include <k/errno.h>
#include <k/kheap.h>
#include <k/pmm.h>
#include <k/proc.h>
#include <k/sched.h>
#include <k/spinlock.h>
#include <k/string.h>
#include <k/syscall.h>
#include <k/time.h>
#include <k/vmm.h>
#include <k/wait.h>

#define KSTACK_PAGES 4
#define THREAD_STOP_POLL_NS 1000000ull /* how often the exit looks for stopped threads */

static struct spinlock threads_lock = SPINLOCK_INIT;
static int nthreads;
static bool stopping;            /* thread_stop_others ran: no new threads */
static int next_tid = 1;
static struct thread *all[256];

long futex_wake(uint64_t uaddr, int n, uint32_t bitset);
void thread_reap(struct thread *t);

int thread_count(void) { return __atomic_load_n(&nthreads, __ATOMIC_RELAXED); }

struct thread *thread_by_tid(int tid)
{
	struct thread *found = NULL;
	spin_lock(&threads_lock);
	for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i] && all[i]->tid == tid)
			found = all[i];
	spin_unlock(&threads_lock);
	return found;
}

/* Register t and give it a tid; -EAGAIN when the table is full or the
 * program is exiting. */
int thread_register(struct thread *t)
{
	int r = -EAGAIN;
	spin_lock(&threads_lock);
	for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]) && !stopping; i++) {
		if (!all[i]) {
			all[i] = t;
			t->tid = next_tid++;
			nthreads++;
			r = 0;
			break;
		}
	}
	spin_unlock(&threads_lock);
	return r;
}

static void unregister(struct thread *t)
{
	spin_lock(&threads_lock);
	for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i] == t)
			all[i] = NULL;
	spin_unlock(&threads_lock);
}

struct thread *thread_alloc(bool user)
{
	struct thread *t = kzalloc(sizeof(*t));
	if (!t)
		return NULL;
	t->spawn_cpu = -1;
	t->migrate_to = -1;
	t->state = T_NEW;
	t->kstack_top = (uint64_t)vmm_alloc_kstack(KSTACK_PAGES);
	if (!t->kstack_top)
		goto fail;
	if (user) {
		t->fpu = pmm_alloc_zero();
		if (!t->fpu)
			goto fail;
	}
	return t;
fail:
	if (t->kstack_top)
		vmm_free_kstack((void *)t->kstack_top, KSTACK_PAGES);
	kfree(t);
	return NULL;
}

struct thread *thread_create(const struct regs *regs, uint64_t sp, int cpu)
{
	struct thread *parent = thread_current();
	struct thread *t = thread_alloc(true);
	if (!t)
		return NULL;
	t->cpu = cpu;
	t->affinity = parent->affinity;
	t->sigmask = parent->sigmask;
	if (!arch_thread_init(t, regs, sp) || thread_register(t)) {
		thread_reap(t);
		return NULL;
	}
	return t;
}

void thread_reap(struct thread *t)
{
	unregister(t);
	if (t->kstack_top)
		vmm_free_kstack((void *)t->kstack_top, KSTACK_PAGES);
	if (t->fpu)
		pmm_free(t->fpu);
	if (t->bounce)
		pmm_free(t->bounce);
	kfree(t);
}

void thread_exit(int code)
{
	struct thread *t = thread_current();
	if (t->clear_child_tid) {
		uint32_t zero = 0;
		if (user_copy_out(t->clear_child_tid, &zero, 4) == 0)
			futex_wake(t->clear_child_tid, 1, ~0u);
	}
	int left = __atomic_sub_fetch(&nthreads, 1, __ATOMIC_ACQ_REL);
	if (left == 0)
		proc_exit(code); /* the last thread out ends the program */
	t->state = T_DEAD;
	schedule();
	panic("dead thread %d scheduled", t->tid);
}

struct kthread_start {
	void (*fn)(void *);
	void *arg;
};

/* First function of a kernel thread (arch_kthread_init points it here). */
void kthread_main(struct thread *t)
{
	sched_finish_switch();
	struct kthread_start *ks = (struct kthread_start *)t->kthread;
	void (*fn)(void *) = ks->fn;
	void *arg = ks->arg;
	kfree(ks);
	fn(arg);
	t->state = T_DEAD; /* not one of the program's threads: no exit status */
	schedule();
	panic("dead kernel thread scheduled");
}

struct thread *kthread_create(void (*fn)(void *), void *arg, int cpu)
{
	struct kthread_start *ks = kmalloc(sizeof(*ks));
	struct thread *t = ks ? thread_alloc(false) : NULL;
	if (!t) {
		kfree(ks);
		return NULL;
	}
	ks->fn = fn;
	ks->arg = arg;
	t->kthread = ks;
	t->kernel_only = true;
	t->cpu = cpu;
	t->tid = -1;
	arch_kthread_init(t);
	sched_wake(t);
	return t;
}

bool futex_timeout(struct thread *t);

/* Make t notice a signal just marked pending (threads_lock held): a blocked
 * one wakes with EINTR, one running in ring 3 on another core gets an IPI (it
 * takes the signal on its way back to ring 3). */
static void notify(struct thread *t, int sig)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (t->sigmask & (1ull << (sig - 1)))
		return; /* blocked: stays pending until unblocked */
	if (t == thread_current())
		return; /* taken on this core's way back to ring 3 */
	if (t->state == T_BLOCKED && t->interruptible) {
		/* A futex or kernel wait: take it off its queue first. */
		if (!t->futex_waiting || futex_timeout(t)) {
			t->wake_reason = -EINTR;
			sched_wake(t);
		}
	} else if (t->state == T_RUNNING) {
		arch_wake_cpu(t->cpu);
	}
}

static void (*sent_hook)(void);

void thread_on_signal(void (*fn)(void))
{
	__atomic_store_n(&sent_hook, fn, __ATOMIC_RELEASE);
}

/* After a signal was made pending, with no lock held. */
static void signal_sent(void)
{
	void (*fn)(void) = __atomic_load_n(&sent_hook, __ATOMIC_ACQUIRE);
	if (fn)
		fn();
}

/* Send signal sig to thread tid (tkill). */
int thread_signal(int tid, int sig)
{
	int r = -ESRCH;
	spin_lock(&threads_lock);
	for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		struct thread *t = all[i];
		if (!t || t->tid != tid)
			continue;
		r = 0;
		__atomic_or_fetch(&t->pending, 1ull << (sig - 1), __ATOMIC_SEQ_CST);
		notify(t, sig);
		break;
	}
	spin_unlock(&threads_lock);
	if (r == 0)
		signal_sent();
	return r;
}

bool thread_signal_pending(int tid, int sig)
{
	uint64_t bit = 1ull << (sig - 1);
	bool r = false;
	spin_lock(&threads_lock);
	for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		struct thread *t = all[i];
		if (t && t->state != T_DEAD && (!tid || t->tid == tid) &&
		    (__atomic_load_n(&t->pending, __ATOMIC_ACQUIRE) & bit))
			r = true;
	}
	spin_unlock(&threads_lock);
	return r;
}

int thread_signal_process(int sig)
{
	uint64_t bit = 1ull << (sig - 1);
	struct thread *to = NULL;
	spin_lock(&threads_lock);
	/* The oldest thread that does not block sig, else the oldest. */
	for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		struct thread *t = all[i];
		if (!t || t->state == T_DEAD)
			continue;
		bool blocks = t->sigmask & bit, to_blocks = to && (to->sigmask & bit);
		if (!to || (to_blocks && !blocks) || (to_blocks == blocks && t->tid < to->tid))
			to = t;
	}
	int tid = to ? to->tid : -ESRCH;
	if (to) {
		__atomic_or_fetch(&to->pending, bit, __ATOMIC_SEQ_CST);
		notify(to, sig);
	}
	spin_unlock(&threads_lock);
	if (to)
		signal_sent();
	return tid;
}

/* Stop every other thread: SIGKILL pending (no mask blocks it) and woken or
 * interrupted as for a signal, so each parks at its next way back to ring 3
 * (thread_park); threads created from now on are refused. */
static int stop_all_but(struct thread *me)
{
	int others = 0; /* how many were told */
	spin_lock(&threads_lock);
	stopping = true;
	for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		struct thread *t = all[i];
		if (!t || t == me)
			continue;
		others++;
		__atomic_or_fetch(&t->pending, 1ull << (SIGKILL - 1), __ATOMIC_SEQ_CST);
		notify(t, SIGKILL);
	}
	spin_unlock(&threads_lock);
	return others;
}

/* Threads of the program other than me that may still run its code: not
 * parked and not already dead. */
static int count_unstopped(struct thread *me)
{
	int n = 0;
	spin_lock(&threads_lock);
	for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		struct thread *t = all[i];
		if (t && t != me && t->state != T_DEAD && !__atomic_load_n(&t->parked, __ATOMIC_ACQUIRE))
			n++;
	}
	spin_unlock(&threads_lock);
	return n;
}

int thread_stop_others(uint64_t until)
{
	struct thread *me = thread_current();
	int left = stop_all_but(me);
	while (left > 0 && (left = count_unstopped(me)) > 0 && time_monotonic_ns() < until) {
		uint64_t tick = time_monotonic_ns() + THREAD_STOP_POLL_NS;
		sched_block(tick < until ? tick : until);
	}
	return left;
}

void thread_park(void)
{
	struct thread *t = thread_current();
	__atomic_store_n(&t->parked, true, __ATOMIC_RELEASE);
	for (;;) {
		/* Never woken on purpose; a stray wake-up finds it here again. */
		t->state = T_BLOCKED;
		schedule();
	}
}
