/* SPDX-License-Identifier: MIT */
/* Thread life: creation for clone(), exit (clear_child_tid + futex wake, as
 * pthread_join expects), and freeing a dead thread's stacks once it is off
 * its core. */
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
#include <k/vmm.h>
#include <k/wait.h>

#define KSTACK_PAGES 4

static struct spinlock threads_lock = SPINLOCK_INIT;
static int nthreads;
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

/* Register t and give it a tid; -EAGAIN when the table is full. */
int thread_register(struct thread *t)
{
	int r = -EAGAIN;
	spin_lock(&threads_lock);
	for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
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

/* Send signal sig to thread tid (tkill): mark it pending and make the thread
 * notice soon: a blocked one wakes with EINTR, one running in ring 3 on
 * another core gets an IPI (it takes the signal on its way back to ring 3). */
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
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (t->sigmask & (1ull << (sig - 1)))
			break; /* blocked: stays pending until unblocked */
		if (t == thread_current())
			break; /* delivered at the end of this system call */
		if (t->state == T_BLOCKED && t->interruptible) {
			/* A futex or kernel wait: take it off its queue first. */
			if (!t->futex_waiting || futex_timeout(t)) {
				t->wake_reason = -EINTR;
				sched_wake(t);
			}
		} else if (t->state == T_RUNNING) {
			arch_wake_cpu(t->cpu);
		}
		break;
	}
	spin_unlock(&threads_lock);
	return r;
}
