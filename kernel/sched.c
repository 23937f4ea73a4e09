/* SPDX-License-Identifier: MIT */
/*
 * Per-core scheduler: round robin over a FIFO run queue, a sorted sleep queue,
 * and a mailbox through which other cores hand threads over. Only the owning
 * core touches its queues, so there is no run-queue lock anywhere. A thread
 * moving between cores is pushed to its new owner only after its context has
 * been saved (sched_finish_switch), so no core ever runs a live context.
 */
#include <k/arch.h>
#include <k/console.h>
#include <k/errno.h>
#include <k/sched.h>
#include <k/smp.h>
#include <k/time.h>
#include <k/wait.h>

struct cpu cpus[MAX_CPUS];
/* By waking core (each core writes its own slot): threads handed to another
 * core, and the IPIs that took (kstats: remote_wakes= ipis=). */
uint64_t sched_remote_wakes[MAX_CPUS], sched_ipis[MAX_CPUS];
int ncpus = 1;

void thread_reap(struct thread *t);

static void rq_push(struct cpu *c, struct thread *t)
{
	t->state = T_RUNNABLE;
	t->rq_next = NULL;
	if (c->rq_tail)
		c->rq_tail->rq_next = t;
	else
		c->rq_head = t;
	c->rq_tail = t;
	c->rq_len++;
}

static struct thread *rq_pop(struct cpu *c)
{
	struct thread *t = c->rq_head;
	if (!t)
		return NULL;
	c->rq_head = t->rq_next;
	if (!c->rq_head)
		c->rq_tail = NULL;
	c->rq_len--;
	return t;
}

static void sleep_insert(struct cpu *c, struct thread *t)
{
	struct thread **p = &c->sleepers;
	while (*p && (*p)->wake_at <= t->wake_at)
		p = &(*p)->sleep_next;
	t->sleep_next = *p;
	*p = t;
}

static void sleep_remove(struct cpu *c, struct thread *t)
{
	for (struct thread **p = &c->sleepers; *p; p = &(*p)->sleep_next) {
		if (*p == t) {
			*p = t->sleep_next;
			t->sleep_next = NULL;
			return;
		}
	}
}

/* Hand t to core `to` through its mailbox (t's context must be saved). */
static void send_to(struct thread *t, int to)
{
	t->cpu = to;
	int expected = 0;
	if (!__atomic_compare_exchange_n(&t->wake_queued, &expected, 1, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_RELAXED))
		return; /* already on its way */
	int me = this_cpu()->id;
	if (to != me)
		sched_remote_wakes[me]++;
	if (mailbox_push(&cpus[to].mbox, &t->mnode)) {
		if (to != me)
			sched_ipis[me]++;
		arch_wake_cpu(to);
	}
}

/* A woken, new or moving thread reaches its owner core c. */
static void arrive(struct cpu *c, struct thread *t)
{
	if (t->state != T_BLOCKED && t->state != T_NEW)
		return; /* a second wake-up for a thread already runnable */
	if (t->wake_at) {
		sleep_remove(c, t);
		t->wake_at = 0;
	}
	if (t == c->current) {
		t->state = T_RUNNING; /* woken before it got to switch away */
		return;
	}
	int to = t->migrate_to;
	if (to >= 0 && to != c->id) {
		t->migrate_to = -1;
		send_to(t, to);
		return;
	}
	t->migrate_to = -1;
	if (t->cpu != c->id) {
		send_to(t, t->cpu); /* it moved while the wake-up travelled */
		return;
	}
	rq_push(c, t);
}

static void drain_mailbox(struct cpu *c)
{
	struct mbox_node *n = mailbox_take_all(&c->mbox);
	while (n) {
		struct mbox_node *next = n->next;
		struct thread *t =
			(struct thread *)((char *)n - __builtin_offsetof(struct thread, mnode));
		__atomic_store_n(&t->wake_queued, 0, __ATOMIC_RELEASE);
		arrive(c, t);
		n = next;
	}
}

static void expire_sleepers(struct cpu *c, uint64_t now)
{
	while (c->sleepers && c->sleepers->wake_at <= now) {
		struct thread *t = c->sleepers;
		c->sleepers = t->sleep_next;
		t->sleep_next = NULL;
		t->wake_at = 0;
		/* A futex waiter a waker already took is on its way here through
		 * the mailbox: leave it to that wake-up. */
		if (t->futex_waiting && !futex_timeout(t))
			continue;
		if (t->state != T_BLOCKED)
			continue;
		t->wake_reason = -ETIMEDOUT;
		if (t == c->current)
			t->state = T_RUNNING;
		else
			rq_push(c, t);
	}
}

/* The end of the current slice, in TSC ticks. Worked out only when another
 * thread waits: a lone thread never makes the kernel calibrate the TSC. */
static uint64_t slice_end(struct cpu *c)
{
	static uint64_t slice_ticks;
	if (!c->slice_end) {
		if (!slice_ticks)
			slice_ticks = time_ns_to_ticks(SCHED_SLICE_NS);
		c->slice_end = c->slice_start + slice_ticks;
	}
	return c->slice_end;
}

/* Tickless: the timer fires for the earliest sleeper, or at the end of the
 * slice when another thread waits for the core. Times are TSC ticks. */
static void arm_timer(struct cpu *c, uint64_t now)
{
	uint64_t when = c->sleepers ? c->sleepers->wake_at : 0;
	if (c->rq_len > 0 && c->current != c->idle && (!when || slice_end(c) < when))
		when = slice_end(c);
	if (when == c->armed)
		return;
	c->armed = when;
	arch_timer_arm(when ? (when > now ? when : now) : 0);
}

void sched_finish_switch(void)
{
	struct cpu *c = this_cpu();
	struct thread *prev = c->switch_prev;
	if (!prev)
		return;
	c->switch_prev = NULL;
	__atomic_store_n(&prev->on_cpu, 0, __ATOMIC_RELEASE);
	if (prev->state == T_DEAD) {
		thread_reap(prev);
	} else if (c->switch_move) {
		c->switch_move = false;
		int to = prev->migrate_to;
		prev->migrate_to = -1;
		send_to(prev, to);
	}
}

void schedule(void)
{
	struct cpu *c = this_cpu();
	struct thread *prev = c->current, *next;
	uint64_t now = arch_rdtsc();
	bool move = false;

	/* A kernel path that turned interrupts on would let a device's handler
	 * spin on a lock the interrupted thread holds: stop at the cause. */
	if (arch_irq_on())
		panic("interrupts on in kernel context (schedule called from %p)",
		      __builtin_return_address(0));
	drain_mailbox(c);
	expire_sleepers(c, now);
	if (prev->state == T_RUNNING && prev != c->idle) {
		int to = prev->migrate_to;
		if (to >= 0 && to != c->id) {
			prev->state = T_BLOCKED;
			move = true;
		} else {
			prev->migrate_to = -1;
			rq_push(c, prev);
		}
	}
	next = rq_pop(c);
	if (!next)
		next = c->idle;
	if (next != prev) {
		c->slice_start = now;
		c->slice_end = 0; /* worked out when needed */
	}
	next->state = T_RUNNING;
	c->current = next;
	arm_timer(c, now);
	if (next == prev)
		return;
	/* A thread handed over by another core has had its context saved
	 * there before the hand-over, so this never waits in practice. */
	while (__atomic_load_n(&next->on_cpu, __ATOMIC_ACQUIRE)) {
		smp_poll();
		arch_pause();
	}
	next->on_cpu = 1;
	c->switch_prev = prev;
	c->switch_move = move;
	arch_switch(prev, next);
	sched_finish_switch();
}

static int block(uint64_t until, bool intr)
{
	struct cpu *c = this_cpu();
	struct thread *t = c->current;
	t->wake_reason = 0;
	if (until) {
		t->wake_at = time_ns_to_tsc_deadline(until);
		if (!t->wake_at)
			t->wake_at = 1;
		sleep_insert(c, t);
	}
	t->state = T_BLOCKED;
	if (intr) {
		/* thread_signal sets `pending` then looks at `state`; this looks at
		 * `pending` after setting `state`: one of the two sees the other. */
		t->interruptible = true;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (__atomic_load_n(&t->pending, __ATOMIC_ACQUIRE) & ~t->sigmask) {
			if (t->wake_at) {
				sleep_remove(c, t);
				t->wake_at = 0;
			}
			t->state = T_RUNNING;
			t->interruptible = false;
			return -EINTR;
		}
	}
	schedule();
	t->interruptible = false;
	return t->wake_reason;
}

int sched_block(uint64_t until) { return block(until, false); }
int sched_block_intr(uint64_t until) { return block(until, true); }

void sched_wake(struct thread *t)
{
	struct cpu *c = this_cpu();
	if (t->cpu == c->id && t != c->current) {
		arrive(c, t);
		if (c->current == c->idle || c->rq_len == 1)
			arm_timer(c, arch_rdtsc());
		return;
	}
	send_to(t, t->cpu);
}

void sched_set_cpu(struct thread *t, int cpu)
{
	struct cpu *c = this_cpu();
	t->affinity = 1ull << cpu;
	if (t->cpu == cpu && t->migrate_to < 0)
		return;
	t->migrate_to = cpu;
	if (t == c->current) {
		schedule(); /* moves it: resumes on `cpu` */
		return;
	}
	if (t->cpu != c->id)
		arch_wake_cpu(t->cpu); /* its owner moves it at its next switch */
}

void sched_interrupt(bool from_user, bool timer)
{
	struct cpu *c = this_cpu();
	uint64_t now = arch_rdtsc();
	if (timer)
		c->armed = 0;
	drain_mailbox(c);
	expire_sleepers(c, now);
	if (c->current != c->idle && from_user &&
	    (c->current->migrate_to >= 0 || (c->rq_len > 0 && now >= slice_end(c)))) {
		schedule();
		return;
	}
	arm_timer(c, now);
}

/* TSC ticks each core spent halted: under -icount shift=0,sleep=off the TSC
 * counts guest instructions plus the time skipped over halts, so the busy
 * instructions of a stretch are its TSC ticks less these (kstats: idle_tsc). */
static uint64_t idle_ticks[MAX_CPUS];

uint64_t sched_idle_tsc(void)
{
	uint64_t sum = 0;
	for (int i = 0; i < MAX_CPUS; i++)
		sum += __atomic_load_n(&idle_ticks[i], __ATOMIC_RELAXED);
	return sum;
}

void sched_run_idle(void)
{
	struct cpu *c = this_cpu();
	for (;;) {
		schedule();
		if (c->rq_len == 0 && mailbox_empty(&c->mbox)) {
			uint64_t t0 = arch_rdtsc();
			arch_wait_for_interrupt();
			__atomic_add_fetch(&idle_ticks[c->id], arch_rdtsc() - t0, __ATOMIC_RELAXED);
		}
	}
}

void sched_init_cpu(struct cpu *c)
{
	static struct thread idle_threads[MAX_CPUS];
	struct thread *idle = &idle_threads[c->id];
	idle->kernel_only = true;
	idle->state = T_RUNNING;
	idle->on_cpu = 1;
	idle->cpu = c->id;
	idle->migrate_to = -1;
	idle->spawn_cpu = -1;
	c->idle = idle;
	c->current = idle;
	mailbox_init(&c->mbox);
}

static bool cores_ready;

void sched_cores_ready(void) { cores_ready = true; }

int pmm_cpu(void) { return cores_ready ? this_cpu()->id : -1; }
