/* SPDX-License-Identifier: MIT */
/*
 * The system call fuzzer (tests/sysfuzz, docs/testing.md): a ring-3 program
 * that makes random system calls with adversarial arguments for a fixed time
 * and seed, from several threads at once, then asks the kernel to check
 * itself. Shared declarations of sysfuzz.c (threads, watchdog, figures),
 * args.c (argument generators, memory layout, descriptors) and calls.c (the
 * call table and the calls that must be tamed).
 */
#ifndef SYSFUZZ_H
#define SYSFUZZ_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#define FZ_MAX_THREADS 8
#define FZ_NR_SLOTS 514		/* numbers 0..511, Toro's calls, and "other" */
#define FZ_SLOT_TORO 512
#define FZ_SLOT_OTHER 513
#define FZ_POOL 48		/* descriptors the threads share and fight over */
#define FZ_CONSOLE_FD 1000	/* our own console: never a fuzzed descriptor */
#define FZ_PAGE 4096ul
#define FZ_NR_REFRESH (-1001)	/* cur_nr while making a pool descriptor */
#define FZ_NR_CLEANUP (-1002)	/* cur_nr while cleaning up */

/* Argument kinds: what a generator makes for one argument slot. */
enum fz_kind {
	K_NONE, K_ANY, K_FD, K_DIRFD, K_BUF, K_LEN, K_PATH, K_FLAGS, K_MODE, K_OFF, K_WHENCE,
	K_IOV, K_IOVCNT, K_SOCKADDR, K_SOCKLEN, K_SOCKLENP, K_MSGHDR, K_TS, K_TV, K_MS,
	K_SIG, K_SIGSET, K_SIGSETSZ, K_TID, K_PID, K_MMADDR, K_MMLEN, K_PROT, K_MAPFLAGS,
	K_FUTEX, K_FUTEXOP, K_CLOCK, K_IOCTL, K_FCNTL, K_EPEV, K_EPOP, K_POLLFD, K_NFDS,
	K_FDSET, K_DOMAIN, K_TYPE, K_PROTO, K_LEVEL, K_OPTNAME, K_CPUMASK, K_RES, K_SMALL,
	K_PTR, K_HOW, K_CPU,
};

/* One entry of the call table (calls.c). */
struct fz_call {
	long nr;
	const char *name;
	unsigned char arg[6];
	unsigned char flags;
};
#define FZ_NEWFD 1	/* the result is a descriptor: into the pool */
#define FZ_SPECIAL 2	/* made by calls.c's own code, not the generic path */
#define FZ_BLOCKS 4	/* may sleep until a signal: the watchdog knows */

/* One fuzzing thread. Read by the watchdog and the signal handler, so
 * nothing here lives in thread-local storage (a fuzzed arch_prctl may have
 * moved it). */
struct fz_thread {
	int idx, tid, cpu;
	uint64_t rng;
	sigjmp_buf jmp;			/* where a fault in a call returns */
	volatile int armed;		/* jmp is valid */
	volatile int in_call;
	volatile uint64_t call_ns;	/* when the current call started */
	volatile long cur_nr, cur_arg[6];
	volatile int kicks;		/* watchdog signals sent during this call */
	volatile int done;
	uint64_t fs_base;		/* restored after a fuzzed arch_prctl */
	/* State between the generators of one call's arguments. */
	uint64_t last_ptr, last_len;
	int last_count;
	/* Figures. */
	uint64_t calls, ok, faults, unexpected;
	uint32_t n_calls[FZ_NR_SLOTS], n_ok[FZ_NR_SLOTS], n_efault[FZ_NR_SLOTS];
	uint32_t n_enosys[FZ_NR_SLOTS];
	char clone_stack[4][4096] __attribute__((aligned(16)));
};

/* The run's options and shared state (sysfuzz.c). */
struct fz_opts {
	uint64_t seed;
	unsigned seconds, threads;
	bool trace, disk, net;
};
extern struct fz_opts fz_opt;
extern volatile int fz_stop;
extern struct fz_thread fz_threads[FZ_MAX_THREADS];

/* args.c: memory the calls may use, descriptors, generators. */
uint64_t fz_rand(struct fz_thread *t);
static inline uint64_t fz_below(struct fz_thread *t, uint64_t n) { return n ? fz_rand(t) % n : 0; }
static inline bool fz_chance(struct fz_thread *t, unsigned pct) { return fz_below(t, 100) < pct; }
void fz_memory_init(void);
void fz_pool_init(void);
int fz_pool_pick(struct fz_thread *t);
void fz_pool_add(struct fz_thread *t, int fd);
void fz_pool_refresh(struct fz_thread *t);
void fz_cleanup(struct fz_thread *t);
uint64_t fz_gen(struct fz_thread *t, enum fz_kind k);
bool fz_in_sandbox(uint64_t a);
uint64_t fz_sandbox_base(void);
uint64_t fz_sandbox_size(void);
bool fz_in_buffers(uint64_t a, uint64_t n);
void fz_note_mapping(uint64_t addr, uint64_t len);
void fz_unmap_all(void);
extern int fz_listen_port;

/* calls.c */
extern const struct fz_call fz_calls[];
extern const unsigned fz_ncalls;
/* Make one random call (table entry or a number outside it). */
void fz_one_call(struct fz_thread *t);
void fz_signals_install(void);
void fz_sig_restore(void);
uint64_t fz_signal_count(int sig);
long fz_raw(long nr, long a0, long a1, long a2, long a3, long a4, long a5);
int fz_slot(long nr);
const char *fz_name(long nr);

/* sysfuzz.c */
void fz_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint64_t fz_now_ns(void);
struct fz_thread *fz_self(void);

#endif
