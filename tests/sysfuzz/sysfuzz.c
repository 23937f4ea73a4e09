/* SPDX-License-Identifier: MIT */
/*
 * sysfuzz: a system call fuzzer in the guest, in the manner of trinity. For a
 * fixed time and seed, several threads (spread over the cores) make random
 * calls from the whole table and numbers outside it, with adversarial
 * arguments (args.c), on descriptors they share and close under each other;
 * a watchdog interrupts calls that block. At the end the kernel checks itself
 * (<toro/selfcheck.h>) and the program prints its figures. The kernel must
 * never panic or hang; the runner (tests/sysfuzz/run.sh) checks the console.
 *
 *   bin/toro run --smp 2 --disk disk.img --net user build/tests/sysfuzz/sysfuzz.elf \
 *       -- -- --seed 7 --seconds 20 [--threads N] [--trace] [--calls]
 *
 * --trace prints every call before it is made (with --threads 1, the same
 * seed replays mostly the same sequence); --calls prints the figures of each
 * call number at the end. Exit status: 0, or 1 when a call hung or the
 * self-check failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <toro/selfcheck.h>
#include <toro/thread.h>

#include "sysfuzz.h"

#define KICK_NS 100000000ull	/* a call blocked this long gets SIGUSR1 */
#define HANG_NS 30000000000ull	/* one still running after this is a hang */

struct fz_opts fz_opt = { .seed = 1, .seconds = 20, .threads = 0, .net = true };
volatile int fz_stop;
struct fz_thread fz_threads[FZ_MAX_THREADS];
static int hangs;
static uint64_t fz_unexpected;

void fz_print(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 1)
		n = sizeof(line) - 1;
	fz_raw(SYS_write, FZ_CONSOLE_FD, (long)line, n, 0, 0, 0);
}

uint64_t fz_now_ns(void)
{
	struct timespec ts;
	fz_raw(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&ts, 0, 0, 0, 0);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct fz_thread *fz_self(void)
{
	int tid = (int)fz_raw(SYS_gettid, 0, 0, 0, 0, 0, 0);
	for (unsigned i = 0; i < fz_opt.threads; i++)
		if (fz_threads[i].tid == tid)
			return &fz_threads[i];
	return NULL;
}

/* The fuzzer's own calls (new descriptors, the clean-up) are watched like the
 * fuzzed ones: a close can hang in the kernel too. */
static void housekeeping(struct fz_thread *t, long marker, void (*fn)(struct fz_thread *))
{
	t->cur_nr = marker;
	memset((void *)t->cur_arg, 0, sizeof(t->cur_arg));
	t->kicks = 0;
	t->call_ns = fz_now_ns();
	__atomic_store_n(&t->in_call, 1, __ATOMIC_RELEASE);
	fn(t);
	__atomic_store_n(&t->in_call, 0, __ATOMIC_RELEASE);
}

static void *fuzz_thread(void *arg)
{
	struct fz_thread *volatile t = arg;

	t->tid = (int)fz_raw(SYS_gettid, 0, 0, 0, 0, 0, 0);
	fz_raw(SYS_arch_prctl, 0x1003, (long)&t->fs_base, 0, 0, 0, 0); /* ARCH_GET_FS */
	fz_sig_restore();
	if (sigsetjmp(((struct fz_thread *)t)->jmp, 0)) {
		/* A fault in a call (only a bug makes one): back to a sane state. */
		t->in_call = 0;
		fz_raw(SYS_arch_prctl, 0x1002, (long)t->fs_base, 0, 0, 0, 0);
		fz_sig_restore();
		/* The tamed rt_sigreturn always ends in a fault; anything else is a
		 * fuzzer bug or the kernel breaking the program's memory. */
		if (t->cur_nr != SYS_rt_sigreturn) {
			t->unexpected++;
			fz_print("sysfuzz: UNEXPECTED fault: thread %d in %s(%ld) %lx %lx %lx\n", t->idx,
				 fz_name(t->cur_nr), t->cur_nr, t->cur_arg[0], t->cur_arg[1], t->cur_arg[2]);
		}
	}
	t->armed = 1;
	while (!fz_stop) {
		if (t->calls % 64 == 0)
			housekeeping(t, FZ_NR_REFRESH, fz_pool_refresh);
		if (t->idx == 0 && t->calls % 5000 == 4999)
			housekeeping(t, FZ_NR_CLEANUP, fz_cleanup);
		fz_one_call(t);
	}
	t->armed = 0;
	__atomic_store_n(&t->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Interrupt calls that have blocked for a while; report one that never ends. */
static void watch(struct fz_thread *t, uint64_t now)
{
	if (!__atomic_load_n(&t->in_call, __ATOMIC_ACQUIRE))
		return;
	uint64_t start = t->call_ns;
	if (start > now)
		return; /* a call that began after this tick's clock read */
	uint64_t ran = now - start;
	int k = t->kicks < 4 ? t->kicks : 4;
	if (ran > KICK_NS << k) {
		t->kicks++;
		fz_raw(SYS_tgkill, getpid(), t->tid, SIGUSR1, 0, 0, 0);
	}
	if (ran > HANG_NS && t->kicks < 1000) {
		t->kicks = 1000;
		hangs++;
		fz_print("sysfuzz: HANG: thread %d in %s(%ld) %lx %lx %lx %lx %lx %lx for %llu s\n",
			 t->idx, fz_name(t->cur_nr), t->cur_nr, t->cur_arg[0], t->cur_arg[1],
			 t->cur_arg[2], t->cur_arg[3], t->cur_arg[4], t->cur_arg[5],
			 (unsigned long long)(ran / 1000000000ull));
	}
}

static void watchdog(uint64_t end)
{
	struct timespec tick = { 0, 20000000 };
	uint64_t stop_at = 0;

	for (;;) {
		nanosleep(&tick, NULL);
		uint64_t now = fz_now_ns();
		if (!stop_at && now >= end) {
			fz_stop = 1;
			stop_at = now;
		}
		bool all_done = true;
		for (unsigned i = 0; i < fz_opt.threads; i++) {
			watch(&fz_threads[i], now);
			all_done &= __atomic_load_n(&fz_threads[i].done, __ATOMIC_ACQUIRE) != 0;
		}
		if (stop_at && (all_done || now - stop_at > HANG_NS + 5000000000ull))
			return;
	}
}

static void parse(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : "0";
		if (!strcmp(argv[i], "--seed"))
			fz_opt.seed = strtoull(v, NULL, 0), i++;
		else if (!strcmp(argv[i], "--seconds"))
			fz_opt.seconds = (unsigned)strtoul(v, NULL, 0), i++;
		else if (!strcmp(argv[i], "--threads"))
			fz_opt.threads = (unsigned)strtoul(v, NULL, 0), i++;
		else if (!strcmp(argv[i], "--trace"))
			fz_opt.trace = true;
		else if (!strcmp(argv[i], "--no-net"))
			fz_opt.net = false;
		else if (strcmp(argv[i], "--calls"))
			fz_print("sysfuzz: unknown option '%s'\n", argv[i]);
	}
}

static bool has_opt(int argc, char **argv, const char *o)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], o))
			return true;
	return false;
}

static void figures(bool per_call)
{
	uint64_t calls = 0, ok = 0, efault = 0, enosys = 0, faults = 0, unexpected = 0;
	unsigned distinct = 0, reached = 0, table_ok = 0;

	for (int s = 0; s < FZ_NR_SLOTS; s++) {
		uint64_t n = 0, o = 0, e = 0, x = 0;
		for (unsigned i = 0; i < fz_opt.threads; i++) {
			n += fz_threads[i].n_calls[s];
			o += fz_threads[i].n_ok[s];
			e += fz_threads[i].n_efault[s];
			x += fz_threads[i].n_enosys[s];
		}
		calls += n, ok += o, efault += e, enosys += x;
		distinct += n > 0 && s != FZ_SLOT_OTHER;
		reached += n > x && s != FZ_SLOT_OTHER;
		if (per_call && n)
			fz_print("sysfuzz: call %3d %-18s %8llu made %8llu ok %7llu EFAULT %7llu ENOSYS\n",
				 s, s < 512 ? fz_name(s) : s == FZ_SLOT_TORO ? "(toro's)" : "(other)",
				 (unsigned long long)n, (unsigned long long)o,
				 (unsigned long long)e, (unsigned long long)x);
	}
	for (unsigned c = 0; c < fz_ncalls; c++) {
		uint64_t o = 0;
		int s = fz_slot(fz_calls[c].nr);
		for (unsigned i = 0; i < fz_opt.threads; i++)
			o += fz_threads[i].n_ok[s];
		table_ok += o > 0;
	}
	for (unsigned i = 0; i < fz_opt.threads; i++) {
		faults += fz_threads[i].faults;
		unexpected += fz_threads[i].unexpected;
	}
	fz_unexpected = unexpected;
	fz_print("sysfuzz: %llu calls, %u distinct numbers (%u answered other than ENOSYS), "
		 "%u of the %u table calls succeeded at least once; %llu succeeded, %llu EFAULT, "
		 "%llu ENOSYS\n", (unsigned long long)calls, distinct, reached, table_ok, fz_ncalls,
		 (unsigned long long)ok, (unsigned long long)efault, (unsigned long long)enosys);
	uint64_t sigs = 0;
	for (int sig = 1; sig <= 64; sig++)
		sigs += fz_signal_count(sig);
	fz_print("sysfuzz: signals handled %llu (watchdog SIGUSR1 %llu), faults in the program %llu "
		 "(%llu unexpected: not after rt_sigreturn), hangs %d\n",
		 (unsigned long long)sigs, (unsigned long long)fz_signal_count(SIGUSR1),
		 (unsigned long long)faults, (unsigned long long)unexpected, hangs);
}

int main(int argc, char **argv)
{
	/* Our console is descriptor 1000; 0, 1 and 2 become fair game. */
	dup2(1, FZ_CONSOLE_FD);
	parse(argc, argv);
	int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1)
		ncpu = 1;
	if (fz_opt.threads == 0)
		fz_opt.threads = ncpu == 1 ? 2 : (unsigned)ncpu + 1;
	if (fz_opt.threads > FZ_MAX_THREADS)
		fz_opt.threads = FZ_MAX_THREADS;
	fz_opt.disk = access("/dev/vda", F_OK) == 0;
	fz_print("sysfuzz: seed %llu, %u s, %u threads on %d cores, %u calls in the table%s%s\n",
		 (unsigned long long)fz_opt.seed, fz_opt.seconds, fz_opt.threads, ncpu, fz_ncalls,
		 fz_opt.disk ? ", a disk" : "", fz_opt.net ? ", sockets" : "");
	for (unsigned i = 0; i < fz_opt.threads; i++) {
		fz_threads[i].idx = (int)i;
		fz_threads[i].cpu = (int)(i % (unsigned)ncpu);
		fz_threads[i].rng = (fz_opt.seed + 1) * 0x9e3779b97f4a7c15ull + i * 0x632be59bd9b4e019ull;
	}
	fz_signals_install();
	fz_memory_init();
	close(0), close(1), close(2);
	fz_pool_init();
	uint64_t end = fz_now_ns() + (uint64_t)fz_opt.seconds * 1000000000ull;
	for (unsigned i = 0; i < fz_opt.threads; i++) {
		pthread_t th;
		int e = toro_thread_create_on(&th, fz_threads[i].cpu, fuzz_thread, &fz_threads[i]);
		if (e) {
			fz_print("sysfuzz: cannot start thread %u: %s\n", i, strerror(e));
			return 2;
		}
		pthread_detach(th);
	}
	watchdog(end);
	fz_unmap_all();
	figures(has_opt(argc, argv, "--calls"));
	long sc = toro_selfcheck(0);
	fz_print("sysfuzz: done: self-check %s, %d hang%s, %llu unexpected fault%s\n",
		 sc == 0 ? "ok" : "FAILED", hangs, hangs == 1 ? "" : "s",
		 (unsigned long long)fz_unexpected, fz_unexpected == 1 ? "" : "s");
	return sc == 0 && hangs == 0 && fz_unexpected == 0 ? 0 : 1;
}
