/* SPDX-License-Identifier: MIT */
/*
 * Threads and per-core scheduling. Every core has its own run queue (FIFO,
 * round robin), its own sleep queue and a mailbox; only the owning core ever
 * touches its queues. Another core hands a thread over (wake-up, new thread,
 * affinity move) by pushing it into the owner's mailbox and sending an IPI.
 * A thread stays on its core unless sched_setaffinity moves it.
 * Preemption is tickless: the one-shot timer is armed only for the earliest
 * sleeper and, when others are runnable, for the end of the current slice.
 * All functions run with interrupts off (the kernel never enables them but to
 * halt).
 */
#ifndef K_SCHED_H
#define K_SCHED_H

#include <stdbool.h>
#include <stdint.h>
#include <k/mailbox.h>

#define MAX_CPUS 64
#define SCHED_SLICE_NS 10000000ull /* 10 ms */

enum thread_state { T_NEW, T_RUNNABLE, T_RUNNING, T_BLOCKED, T_DEAD };

struct thread {
	int tid;
	int state;
	int cpu;                 /* the core that owns it */
	int spawn_cpu;           /* core for its next clone(), -1: its own */
	volatile int migrate_to; /* -1, or the core sched_setaffinity chose */
	volatile int on_cpu;     /* its context is live on some core */
	volatile int wake_queued;/* in a mailbox (cleared by the owner) */
	uint64_t affinity;       /* allowed cores */
	uint64_t ksp;            /* saved kernel stack pointer while switched out */
	uint64_t kstack_top;
	void *fpu;               /* XSAVE/FXSAVE area (ring-3 threads) */
	uint64_t fs_base, gs_base;
	struct mbox_node mnode;
	struct thread *rq_next;
	struct thread *sleep_next;
	uint64_t wake_at;        /* TSC deadline; 0 when not sleeping */
	int wake_reason;         /* 0, or -ETIMEDOUT */
	/* futex wait */
	uint64_t futex_key;      /* 0 once a waker or the timeout took it off */
	uint32_t futex_bitset;
	bool futex_waiting;
	bool futex_kernel;       /* a kernel wait (kwait), not the program's futex */
	struct thread *futex_next;
	/* signals and exit */
	uint64_t sigmask, pending;
	uint64_t saved_sigmask;  /* ppoll & co.: the mask after the signal */
	bool has_saved_mask;
	uint64_t altstack_sp, altstack_size;
	uint64_t clear_child_tid;
	bool in_signal_report;
	volatile bool parked;    /* stopped for good by the exit (thread_park) */
	volatile bool interruptible; /* blocked in sched_block_intr */
	bool kernel_only;        /* an idle or kernel thread: no ring 3 */
	void *kthread;           /* kernel thread: its start function */
	void *bounce;            /* page for read/write data (kernel/fd.c) */
	char comm[16];           /* prctl(PR_SET_NAME); empty: the program's name */
};

struct regs;

struct cpu {
	struct cpu *self;        /* 0: entry.S */
	uint64_t kernel_rsp;     /* 8: entry.S, top of current's kernel stack */
	uint64_t user_rsp;       /* 16: entry.S scratch */
	struct thread *current;  /* 24 */
	int id;
	uint32_t apic_id;
	volatile bool online;
	struct thread *idle;
	struct thread *rq_head, *rq_tail;
	int rq_len;
	struct thread *sleepers; /* sorted by wake_at */
	struct mailbox mbox;
	uint64_t slice_start;    /* TSC when the current thread got the core */
	uint64_t slice_end;      /* TSC, 0 until needed */
	uint64_t armed;          /* TSC deadline the timer is armed for, 0 none */
	struct regs *syscall_regs;
	struct thread *switch_prev; /* the thread just switched away from */
	bool switch_move;        /* ... and it is moving to another core */
	void *arch;              /* arch per-core state */
	volatile uint64_t tlb_gen_done;
	uint64_t ipi_pending;    /* cores owed a wake-up IPI (sched_flush_ipis) */
	bool lvt_deadline;       /* arch: the LAPIC timer is in TSC-deadline mode */
};

extern struct cpu cpus[MAX_CPUS];
extern int ncpus;            /* cores online */
/* Counters by waking core: wake-ups sent to another core's mailbox, IPIs. */
extern uint64_t sched_remote_wakes[MAX_CPUS], sched_ipis[MAX_CPUS];

struct cpu *this_cpu(void);
static inline struct thread *thread_current(void) { return this_cpu()->current; }

/* Make the boot context of this core its idle thread and run the scheduler
 * forever. */
__attribute__((noreturn)) void sched_run_idle(void);
/* Run fn(arg) in a kernel thread on the first core that finds nothing else
 * to run (one piece of work at a time; a second call replaces a first that
 * has not started). Work the program does not wait for, kept off its start:
 * on one core it runs when the program first blocks; with more cores, on
 * another core right away. If the thread cannot be made, `what` is named on
 * the console. */
void sched_when_idle(void (*fn)(void *), void *arg, const char *what);
/* TSC ticks all cores spent halted since boot (kstats idle_tsc=). */
uint64_t sched_idle_tsc(void);
void sched_init_cpu(struct cpu *c);
/* Send the wake-up IPIs this core owes. A wake-up of a thread on another core
 * queues it in that core's mailbox at once but sends the IPI only here:
 * schedule() and the return to the program call it, so the IPI leaves after
 * the waker let go of its locks (the woken thread's first act is usually to
 * take the lock its waker held: kwait takes it again). Safe to call anywhere. */
void sched_flush_ipis(void);
/* From now on this_cpu() works on the boot core (per-core page caches on). */
void sched_cores_ready(void);
/* Give up the core; the current thread stays runnable unless its state was
 * changed first (T_BLOCKED, T_DEAD). */
void schedule(void);
/* Block the current thread until sched_wake or `until` (monotonic ns, 0 none).
 * Returns its wake_reason. The caller has queued it where a waker finds it. */
int sched_block(uint64_t until);
/* The same, for waits a signal may cut short (futex, sleep, pause): -EINTR
 * at once or on arrival of a signal the thread does not block. */
int sched_block_intr(uint64_t until);
/* Make a blocked or new thread runnable on its own core (any core may call). */
void sched_wake(struct thread *t);
/* Timer or IPI: move due sleepers and mailbox arrivals to the run queue and
 * preempt the current thread when its slice is over. */
void sched_interrupt(bool from_user, bool timer);
/* Second half of a context switch, run by the thread that got the core. */
void sched_finish_switch(void);
/* Move thread t to core `cpu` (sched_setaffinity): at once if it is the
 * caller, else when its owner next switches it out or wakes it. */
void sched_set_cpu(struct thread *t, int cpu);

/* New thread sharing everything (clone): its kernel stack and FPU area; it
 * starts in ring 3 with a copy of `regs`, rax 0 and, if sp, that stack.
 * It is not yet runnable (sched_wake). NULL when out of memory. */
struct thread *thread_create(const struct regs *regs, uint64_t sp, int cpu);
/* The current thread ends; never returns. */
__attribute__((noreturn)) void thread_exit(int code);
int thread_count(void);
struct thread *thread_by_tid(int tid);
/* Send signal sig to thread tid (tkill, SIGPIPE): 0 or -ESRCH. A blocked,
 * interruptible thread wakes with EINTR; one in ring 3 elsewhere gets an IPI. */
int thread_signal(int tid, int sig);
/* fn runs (no lock held, any context) after each signal thread_signal or
 * thread_signal_process made pending: signalfd's readiness. One hook. */
void thread_on_signal(void (*fn)(void));
/* Whether sig is pending (sent, not yet taken) on thread tid, or on any
 * thread when tid is 0 (timers count overruns meanwhile). */
bool thread_signal_pending(int tid, int sig);
/* A process-directed signal: to the oldest thread that does not block it
 * (else the oldest); its tid, or -ESRCH when there is no thread. Any context. */
int thread_signal_process(int sig);
/* Stop every thread but the caller (see proc_exit in k/proc.h), waiting until each has
 * parked or `until` (monotonic ns); returns how many had not. Threads created
 * afterwards are refused (clone gives EAGAIN). */
int thread_stop_others(uint64_t until);
/* Park the calling thread for good (it has been stopped by the exit). */
__attribute__((noreturn)) void thread_park(void);


/* Arch: context switch and thread set-up. */
void arch_switch(struct thread *prev, struct thread *next);
bool arch_thread_init(struct thread *t, const struct regs *regs, uint64_t sp);
/* A kernel thread's first switch lands in kthread_main(t). */
void arch_kthread_init(struct thread *t);
void kthread_main(struct thread *t);
void arch_send_ipi(int cpu, int vector);
void arch_wake_cpu(int cpu);
/* A one-shot timer interrupt some 0.1 s to a few s from now, without the
 * clock's rate (uncalibrated counts); replaced by the next arch_timer_arm. */
void arch_timer_fallback(void);

#endif
