/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the scheduling policy of kernel/sched.c with fakes: four
 * "cores" whose this_cpu() is an index the test sets, a clock the test moves,
 * and an arch_switch that only records (it returns at once, so schedule() goes
 * straight on to sched_finish_switch as the next thread would).
 */
#include <k/sched.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <k/errno.h>
#include <k/time.h>

#define NCPU 4
#define MS 1000000ull
#define T0 (5 * NSEC_PER_SEC)
#define TSC(ns) ((ns) * 3 + 7) /* the fake clock's TSC deadline for ns */

/* ---- fakes ---- */

static int cur_cpu;
static uint64_t now_ns;
static int arms[NCPU];          /* arch_timer_arm calls per core */
static uint64_t last_arm[NCPU]; /* the deadline of the last one */
static int ipis[NCPU];          /* arch_wake_cpu / arch_send_ipi per target */
static int polls, polls_before_release;
static struct thread *poll_release; /* smp_poll clears its on_cpu */
static bool futex_timeout_result;
static int futex_timeouts;
static struct thread *reaped[8];
static int nreaped;

#define MAX_SWITCHES 64
struct switch_rec {
	int cpu;
	struct thread *prev, *next;
	int prev_state;
	int prev_on_cpu;
	int reaped_before;
	bool mbox_empty[NCPU];
	uint64_t armed;
};
static struct switch_rec sw[MAX_SWITCHES];
static int nsw;

struct cpu *this_cpu(void) { return &cpus[cur_cpu]; }
uint64_t time_monotonic_ns(void) { return now_ns; }
uint64_t time_ns_to_tsc_deadline(uint64_t ns) { return TSC(ns); }
/* The scheduler keeps its times in TSC ticks: the fake TSC is TSC(now_ns). */
uint64_t arch_rdtsc(void) { return TSC(now_ns); }
uint64_t time_ns_to_ticks(uint64_t ns) { return ns * 3; }

void arch_timer_arm(uint64_t deadline)
{
	arms[cur_cpu]++;
	last_arm[cur_cpu] = deadline;
}

void arch_wake_cpu(int cpu)
{
	assert_in_range(cpu, 0, NCPU - 1);
	ipis[cpu]++;
}

void arch_send_ipi(int cpu, int vector)
{
	arch_wake_cpu(cpu);
}

void arch_switch(struct thread *prev, struct thread *next)
{
	struct switch_rec *r = &sw[nsw++];
	struct cpu *c = this_cpu();

	assert_true(nsw <= MAX_SWITCHES);
	assert_ptr_not_equal(prev, next);
	assert_ptr_equal(c->current, next);
	assert_int_equal(next->state, T_RUNNING);
	assert_int_equal(next->on_cpu, 1);
	r->cpu = cur_cpu;
	r->prev = prev;
	r->next = next;
	r->prev_state = prev->state;
	r->prev_on_cpu = prev->on_cpu;
	r->reaped_before = nreaped;
	r->armed = c->armed;
	for (int i = 0; i < NCPU; i++)
		r->mbox_empty[i] = mailbox_empty(&cpus[i].mbox);
}

bool futex_timeout(struct thread *t)
{
	futex_timeouts++;
	if (futex_timeout_result)
		t->futex_key = 0;
	return futex_timeout_result;
}

void thread_reap(struct thread *t)
{
	assert_int_equal(t->state, T_DEAD);
	assert_int_equal(t->on_cpu, 0);
	reaped[nreaped++] = t;
}

void smp_poll(void)
{
	assert_non_null(poll_release); /* schedule() would spin for ever */
	if (++polls == polls_before_release)
		__atomic_store_n(&poll_release->on_cpu, 0, __ATOMIC_RELEASE);
}

void arch_pause(void) {}
void arch_wait_for_interrupt(void) { fail_msg("idle loop halted in a test"); }
bool arch_irq_on(void) { return false; }
void panic(const char *fmt, ...) { fail_msg("panic: %s", fmt); abort(); }

/* ---- helpers ---- */

static struct thread th[8];
#define A (&th[0])
#define B (&th[1])
#define C (&th[2])
#define D (&th[3])

static void new_thread(struct thread *t, int cpu)
{
	memset(t, 0, sizeof(*t));
	t->tid = 100 + (int)(t - th);
	t->state = T_NEW;
	t->cpu = cpu;
	t->migrate_to = -1;
	t->spawn_cpu = -1;
	t->affinity = ~0ull;
}

static int setup(void **state)
{
	memset(cpus, 0, sizeof(cpus));
	for (int i = 0; i < NCPU; i++) {
		cpus[i].self = &cpus[i];
		cpus[i].id = i;
		sched_init_cpu(&cpus[i]);
	}
	ncpus = NCPU;
	cur_cpu = 0;
	now_ns = T0;
	memset(arms, 0, sizeof(arms));
	memset(last_arm, 0, sizeof(last_arm));
	memset(ipis, 0, sizeof(ipis));
	polls = polls_before_release = 0;
	poll_release = NULL;
	futex_timeout_result = false;
	futex_timeouts = 0;
	nreaped = 0;
	nsw = 0;
	memset(th, 0, sizeof(th));
	return 0;
}

static struct cpu *cpu(int i) { return &cpus[i]; }
static struct thread *running(int i) { return cpus[i].current; }
static struct switch_rec *last_sw(void) { return nsw ? &sw[nsw - 1] : NULL; }

/* Threads in core i's run queue, in order. */
static int rq_list(int i, struct thread **out, int max)
{
	int n = 0;
	for (struct thread *t = cpus[i].rq_head; t; t = t->rq_next) {
		assert_true(n < max);
		out[n++] = t;
	}
	assert_int_equal(n, cpus[i].rq_len);
	return n;
}

static int mbox_count(int i)
{
	int n = 0;
	for (struct mbox_node *m = cpus[i].mbox.head; m; m = m->next)
		n++;
	return n;
}

/* New threads on core `c`, made runnable by that core. */
static void spawn_local(int c, struct thread *t)
{
	int saved = cur_cpu;
	new_thread(t, c);
	cur_cpu = c;
	sched_wake(t);
	cur_cpu = saved;
	assert_int_equal(t->state, T_RUNNABLE);
}

static void expect_switch(int i, struct thread *prev, struct thread *next)
{
	struct switch_rec *r = last_sw();
	assert_non_null(r);
	assert_int_equal(r->cpu, i);
	assert_ptr_equal(r->prev, prev);
	assert_ptr_equal(r->next, next);
	assert_ptr_equal(running(i), next);
	assert_int_equal(prev->on_cpu, 0);
}

/* ---- tests ---- */

static void test_round_robin(void **state)
{
	struct thread *order[] = { A, B, C, A, B, C, A };

	spawn_local(0, A);
	spawn_local(0, B);
	spawn_local(0, C);
	assert_int_equal(cpu(0)->rq_len, 3);
	schedule(); /* the idle thread gives the core away */
	expect_switch(0, cpu(0)->idle, A);
	for (int i = 1; i < 7; i++) {
		schedule(); /* the running thread yields */
		expect_switch(0, order[i - 1], order[i]);
		assert_int_equal(order[i - 1]->state, T_RUNNABLE);
		assert_int_equal(cpu(0)->rq_len, 2);
	}
	assert_int_equal(nsw, 7);
	for (int i = 0; i < nsw; i++)
		assert_ptr_not_equal(sw[i].next, cpu(0)->idle);
}

static void test_idle_only_when_queue_empty(void **state)
{
	struct thread *idle = cpu(0)->idle;

	spawn_local(0, A);
	spawn_local(0, B);
	schedule();
	expect_switch(0, idle, A);
	assert_int_equal(sched_block(0), 0);
	expect_switch(0, A, B); /* not idle: B waits */
	assert_int_equal(A->state, T_BLOCKED);
	sched_block(0);
	expect_switch(0, B, idle);
	assert_int_equal(cpu(0)->rq_len, 0);

	/* Woken while the core idles: runs at the idle loop's next schedule. */
	sched_wake(A);
	assert_int_equal(A->state, T_RUNNABLE);
	schedule();
	expect_switch(0, idle, A);
	/* Alone, a yield keeps the core: no switch at all. */
	int before = nsw;
	schedule();
	assert_int_equal(nsw, before);
	assert_ptr_equal(running(0), A);
	assert_int_equal(A->state, T_RUNNING);
	/* The idle thread yielding to an empty queue stays idle too. */
	sched_block(0);
	expect_switch(0, A, idle);
	before = nsw;
	schedule();
	assert_int_equal(nsw, before);
	assert_ptr_equal(running(0), idle);
}

static void test_tickless_one_thread(void **state)
{
	spawn_local(0, A);
	schedule();
	expect_switch(0, cpu(0)->idle, A);
	assert_int_equal(arms[0], 0); /* alone, no sleepers: nothing armed */
	now_ns += NSEC_PER_SEC;
	sched_interrupt(true, false);
	schedule();
	assert_ptr_equal(running(0), A);
	assert_int_equal(arms[0], 0);
	assert_int_equal(nsw, 1);

	/* A second thread: A's slice (long over) ends at once. */
	spawn_local(0, B);
	assert_int_equal(arms[0], 1);
	assert_int_equal(last_arm[0], TSC(now_ns));
	sched_interrupt(true, true);
	expect_switch(0, A, B);
	assert_int_equal(cpu(0)->slice_end, TSC(now_ns + SCHED_SLICE_NS));
	assert_int_equal(last_arm[0], TSC(now_ns + SCHED_SLICE_NS));
	/* A alone again: the slice timer is cancelled. */
	sched_block(0);
	expect_switch(0, B, A);
	assert_int_equal(last_arm[0], 0);
	assert_int_equal(cpu(0)->armed, 0);
}

static void test_slice_timer_and_preemption(void **state)
{
	spawn_local(0, A);
	spawn_local(0, B);
	schedule();
	expect_switch(0, cpu(0)->idle, A);
	assert_int_equal(cpu(0)->slice_end, TSC(T0 + SCHED_SLICE_NS));
	assert_int_equal(arms[0], 1);
	assert_int_equal(last_arm[0], TSC(T0 + SCHED_SLICE_NS));

	/* An early timer (or an IPI) inside the slice: no preemption, re-armed. */
	now_ns = T0 + SCHED_SLICE_NS - 1;
	sched_interrupt(true, true);
	assert_int_equal(nsw, 1);
	assert_int_equal(arms[0], 2);
	assert_int_equal(last_arm[0], TSC(T0 + SCHED_SLICE_NS));
	sched_interrupt(true, false);
	assert_int_equal(nsw, 1);
	assert_int_equal(arms[0], 2); /* already armed for it */

	/* Slice over, but the core was in the kernel: not preempted there. */
	now_ns = T0 + SCHED_SLICE_NS;
	sched_interrupt(false, true);
	assert_int_equal(nsw, 1);
	assert_ptr_equal(running(0), A);
	assert_int_equal(cpu(0)->armed, TSC(T0 + SCHED_SLICE_NS));

	/* From user mode after the slice: preempted, B gets a fresh slice. */
	sched_interrupt(true, true);
	expect_switch(0, A, B);
	assert_int_equal(A->state, T_RUNNABLE);
	assert_int_equal(cpu(0)->slice_end, TSC(now_ns + SCHED_SLICE_NS));
	assert_int_equal(last_arm[0], TSC(now_ns + SCHED_SLICE_NS));
}

static void test_timer_for_earliest_sleeper(void **state)
{
	spawn_local(0, A);
	spawn_local(0, B);
	schedule();
	expect_switch(0, cpu(0)->idle, A);
	sched_block(T0 + 5 * MS);
	expect_switch(0, A, B);
	assert_int_equal(last_arm[0], TSC(T0 + 5 * MS)); /* B alone: only the sleeper */
	sched_block(T0 + 2 * MS);
	expect_switch(0, B, cpu(0)->idle);
	assert_int_equal(last_arm[0], TSC(T0 + 2 * MS)); /* the earliest of the two */
	assert_ptr_equal(cpu(0)->sleepers, B);
	assert_ptr_equal(B->sleep_next, A);

	/* B's deadline passes: it becomes runnable with -ETIMEDOUT. */
	now_ns = T0 + 2 * MS;
	sched_interrupt(false, true);
	assert_int_equal(B->state, T_RUNNABLE);
	assert_int_equal(B->wake_reason, -ETIMEDOUT);
	assert_int_equal(B->wake_at, 0);
	assert_int_equal(A->state, T_BLOCKED);
	assert_int_equal(A->wake_reason, 0);
	assert_int_equal(last_arm[0], TSC(T0 + 5 * MS));
	int armed = arms[0];
	schedule();
	expect_switch(0, cpu(0)->idle, B);
	assert_int_equal(arms[0], armed); /* still A's deadline: no re-arm */

	/* A's deadline inside B's slice: A queued, B keeps the core till its end. */
	now_ns = T0 + 5 * MS;
	sched_interrupt(true, true);
	assert_ptr_equal(running(0), B);
	assert_int_equal(A->state, T_RUNNABLE);
	assert_int_equal(A->wake_reason, -ETIMEDOUT);
	assert_null(cpu(0)->sleepers);
	assert_int_equal(last_arm[0], TSC(T0 + 2 * MS + SCHED_SLICE_NS));
	now_ns = T0 + 2 * MS + SCHED_SLICE_NS;
	sched_interrupt(true, true);
	expect_switch(0, B, A);
}

static void test_sleeper_deadline_in_the_past(void **state)
{
	spawn_local(0, A);
	schedule();
	/* A deadline already passed: blocks and wakes in the same schedule(). */
	int before = nsw;
	assert_int_equal(sched_block(T0 - 1), -ETIMEDOUT);
	assert_int_equal(nsw, before);
	assert_ptr_equal(running(0), A);
	assert_int_equal(A->state, T_RUNNING);
	assert_null(cpu(0)->sleepers);
}

static void test_wake_cancels_sleep(void **state)
{
	spawn_local(0, A);
	schedule();
	sched_block(T0 + 3 * MS);
	assert_int_equal(last_arm[0], TSC(T0 + 3 * MS));
	now_ns = T0 + MS;
	sched_wake(A); /* a local wake-up, e.g. from an interrupt in the idle loop */
	assert_int_equal(A->state, T_RUNNABLE);
	assert_int_equal(A->wake_at, 0);
	assert_null(cpu(0)->sleepers);
	assert_int_equal(cpu(0)->armed, 0);
	assert_int_equal(last_arm[0], 0); /* the timer is cancelled */
	schedule();
	expect_switch(0, cpu(0)->idle, A);
	assert_int_equal(A->wake_reason, 0);
}

static void test_futex_timeout_race(void **state)
{
	/* The timeout fires after a waker took the thread: it stays blocked
	 * and the waker's wake-up, coming through the mailbox, wakes it. */
	spawn_local(0, A);
	schedule();
	A->futex_waiting = true;
	A->futex_key = 0x1000;
	sched_block(T0 + MS);
	now_ns = T0 + MS;
	futex_timeout_result = false;
	sched_interrupt(false, true);
	assert_int_equal(futex_timeouts, 1);
	assert_int_equal(A->state, T_BLOCKED);
	assert_int_equal(cpu(0)->rq_len, 0);
	assert_null(cpu(0)->sleepers);
	cur_cpu = 1;
	sched_wake(A);
	assert_int_equal(ipis[0], 1);
	cur_cpu = 0;
	sched_interrupt(false, false);
	assert_int_equal(A->state, T_RUNNABLE);
	assert_int_equal(A->wake_reason, 0);

	/* Still queued when the timeout fires: -ETIMEDOUT. */
	schedule();
	expect_switch(0, cpu(0)->idle, A);
	A->futex_key = 0x1000;
	sched_block(T0 + 2 * MS);
	now_ns = T0 + 3 * MS;
	futex_timeout_result = true;
	sched_interrupt(false, true);
	assert_int_equal(futex_timeouts, 2);
	assert_int_equal(A->state, T_RUNNABLE);
	assert_int_equal(A->wake_reason, -ETIMEDOUT);
	assert_int_equal(A->futex_key, 0);
}

static void test_remote_wake_mailbox_and_ipi(void **state)
{
	struct thread *q[4];

	new_thread(A, 1);
	new_thread(B, 1);
	new_thread(C, 1);
	cur_cpu = 0;
	sched_wake(A);
	assert_int_equal(ipis[1], 1);
	assert_int_equal(A->wake_queued, 1);
	assert_int_equal(A->state, T_NEW); /* cpu 0 never touches it */
	sched_wake(B);
	assert_int_equal(ipis[1], 1); /* box was not empty: no second IPI */
	cur_cpu = 2;
	sched_wake(A); /* again, before core 1 drained: not pushed twice */
	assert_int_equal(mbox_count(1), 2);
	assert_int_equal(ipis[1], 1);
	assert_int_equal(cpu(1)->rq_len, 0);
	for (int i = 0; i < NCPU; i++)
		assert_int_equal(ipis[i], i == 1);

	cur_cpu = 1; /* the IPI arrives while core 1 idles */
	sched_interrupt(false, false);
	assert_true(mailbox_empty(&cpu(1)->mbox));
	assert_int_equal(A->wake_queued, 0);
	assert_int_equal(B->wake_queued, 0);
	assert_int_equal(rq_list(1, q, 4), 2);
	assert_ptr_equal(q[0], A);
	assert_ptr_equal(q[1], B);
	assert_int_equal(arms[1], 0); /* idle: no slice to time */
	schedule();
	expect_switch(1, cpu(1)->idle, A);
	assert_int_equal(last_arm[1], TSC(T0 + SCHED_SLICE_NS));

	/* Empty again: the next push is the next IPI. */
	cur_cpu = 3;
	sched_wake(C);
	assert_int_equal(ipis[1], 2);
	sched_wake(A); /* spurious, A is running: dropped on arrival */
	assert_int_equal(ipis[1], 2);
	cur_cpu = 1;
	sched_interrupt(true, false);
	assert_int_equal(rq_list(1, q, 4), 2);
	assert_ptr_equal(q[0], B);
	assert_ptr_equal(q[1], C);
	assert_ptr_equal(running(1), A);
	assert_int_equal(A->state, T_RUNNING);
}

static void test_wake_before_switch_away(void **state)
{
	/* The futex_wait pattern: marked blocked, the lock dropped, a waker on
	 * another core wakes it before it reached schedule(). */
	spawn_local(0, A);
	schedule();
	A->state = T_BLOCKED;
	cur_cpu = 2;
	sched_wake(A);
	assert_int_equal(ipis[0], 1);
	cur_cpu = 0;
	int before = nsw;
	assert_int_equal(sched_block(0), 0);
	assert_int_equal(nsw, before); /* no lost wake-up: it keeps running */
	assert_ptr_equal(running(0), A);
	assert_int_equal(A->state, T_RUNNING);
	assert_int_equal(A->wake_queued, 0);
}

static void test_migrate_after_switch_out(void **state)
{
	struct thread *q[4];

	spawn_local(0, A);
	spawn_local(0, B);
	schedule();
	expect_switch(0, cpu(0)->idle, A);

	cur_cpu = 1; /* sched_setaffinity on core 1 moves A to core 1 */
	sched_set_cpu(A, 1);
	assert_int_equal(A->migrate_to, 1);
	assert_int_equal(A->affinity, 1ull << 1);
	assert_int_equal(ipis[0], 1); /* its owner is told */
	assert_int_equal(A->cpu, 0);
	assert_true(mailbox_empty(&cpu(1)->mbox));

	cur_cpu = 0;
	sched_interrupt(true, false);
	expect_switch(0, A, B);
	/* At the switch A's context was live: not yet handed over. */
	struct switch_rec *r = last_sw();
	assert_true(r->mbox_empty[1]);
	assert_int_equal(r->prev_on_cpu, 1);
	/* After it: on its way to core 1, context saved, one IPI. */
	assert_int_equal(A->cpu, 1);
	assert_int_equal(A->migrate_to, -1);
	assert_int_equal(A->on_cpu, 0);
	assert_int_equal(A->wake_queued, 1);
	assert_int_equal(mbox_count(1), 1);
	assert_int_equal(ipis[1], 1);
	assert_int_equal(rq_list(0, q, 4), 0);
	assert_false(cpu(0)->switch_move);

	cur_cpu = 1;
	sched_interrupt(false, false);
	assert_int_equal(rq_list(1, q, 4), 1);
	assert_ptr_equal(q[0], A);
	schedule();
	expect_switch(1, cpu(1)->idle, A);

	/* A moves itself: the switch-out happens inside sched_set_cpu. */
	sched_set_cpu(A, 2);
	expect_switch(1, A, cpu(1)->idle);
	assert_true(last_sw()->mbox_empty[2]);
	assert_int_equal(A->cpu, 2);
	assert_int_equal(mbox_count(2), 1);
	assert_int_equal(ipis[2], 1);
	cur_cpu = 2;
	schedule();
	expect_switch(2, cpu(2)->idle, A);
}

static void test_migrate_blocked_thread(void **state)
{
	struct thread *q[4];

	spawn_local(0, A);
	schedule();
	sched_block(0);
	cur_cpu = 1;
	sched_set_cpu(A, 2);
	assert_int_equal(ipis[0], 1);
	assert_int_equal(A->cpu, 0); /* still core 0's until it wakes */
	cur_cpu = 3;
	sched_wake(A); /* goes to the owner, which forwards it */
	assert_int_equal(mbox_count(0), 1);
	assert_int_equal(ipis[0], 2);
	cur_cpu = 0;
	sched_interrupt(false, false);
	assert_int_equal(rq_list(0, q, 4), 0);
	assert_int_equal(A->cpu, 2);
	assert_int_equal(A->migrate_to, -1);
	assert_int_equal(mbox_count(2), 1);
	assert_int_equal(ipis[2], 1);
	cur_cpu = 2;
	sched_interrupt(false, false);
	assert_int_equal(rq_list(2, q, 4), 1);
	assert_ptr_equal(q[0], A);
}

static void test_handover_waits_for_saved_context(void **state)
{
	/* A thread whose context another core has not finished saving: the
	 * new owner polls (serving cross-core requests) until on_cpu drops. */
	new_thread(A, 1);
	A->on_cpu = 1;
	cur_cpu = 0;
	sched_wake(A);
	cur_cpu = 1;
	sched_interrupt(false, false);
	poll_release = A;
	polls_before_release = 3;
	schedule();
	assert_int_equal(polls, 3);
	expect_switch(1, cpu(1)->idle, A);
	assert_int_equal(A->on_cpu, 1);
}

static void test_dead_thread_reaped(void **state)
{
	spawn_local(0, A);
	spawn_local(0, B);
	schedule();
	A->state = T_DEAD; /* thread_exit */
	schedule();
	expect_switch(0, A, B);
	assert_int_equal(last_sw()->reaped_before, 0); /* not while it runs */
	assert_int_equal(nreaped, 1);
	assert_ptr_equal(reaped[0], A);
	assert_int_equal(cpu(0)->rq_len, 0);
	B->state = T_DEAD;
	schedule();
	expect_switch(0, B, cpu(0)->idle);
	assert_int_equal(nreaped, 2);
	assert_ptr_equal(reaped[1], B);
	assert_null(cpu(0)->switch_prev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_round_robin, setup),
		cmocka_unit_test_setup(test_idle_only_when_queue_empty, setup),
		cmocka_unit_test_setup(test_tickless_one_thread, setup),
		cmocka_unit_test_setup(test_slice_timer_and_preemption, setup),
		cmocka_unit_test_setup(test_timer_for_earliest_sleeper, setup),
		cmocka_unit_test_setup(test_sleeper_deadline_in_the_past, setup),
		cmocka_unit_test_setup(test_wake_cancels_sleep, setup),
		cmocka_unit_test_setup(test_futex_timeout_race, setup),
		cmocka_unit_test_setup(test_remote_wake_mailbox_and_ipi, setup),
		cmocka_unit_test_setup(test_wake_before_switch_away, setup),
		cmocka_unit_test_setup(test_migrate_after_switch_out, setup),
		cmocka_unit_test_setup(test_migrate_blocked_thread, setup),
		cmocka_unit_test_setup(test_handover_waits_for_saved_context, setup),
		cmocka_unit_test_setup(test_dead_thread_reaped, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
