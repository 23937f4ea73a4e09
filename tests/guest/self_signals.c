/* SPDX-License-Identifier: MIT */
/* self_signals: what a single process does to itself. kill(getpid()),
 * kill(0) (Toro only: on Linux that is the runner's group too) and raise run
 * the handler; tgkill/tkill (pthread_kill) to a
 * second thread run it on that thread; signal 0 probes (a thread that has
 * exited is ESRCH); sigaltstack: a handler with SA_ONSTACK runs on the
 * alternate stack (an address inside it), SS_ONSTACK reported there,
 * MINSIGSTKSZ enforced (ENOMEM); madvise(MADV_DONTNEED) makes private
 * anonymous pages read back as zeros (the rest kept); uname names x86_64; getdents64 of
 * /dev (opendir) lists null and zero. 1 and 2 vCPUs. Also on Linux. */
// expect-output: SUCCESS
// reject-output: FAIL
// machines: microvm q35
// pvh-machines: none
// smp: 1 2
// host-args: -
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include "check.h"

static volatile int hits, hit_tid;
static volatile uintptr_t hit_sp;
static volatile int hit_onstack;

static void handler(int sig)
{
	int local;
	stack_t ss;
	(void)sig;
	hits++;
	hit_tid = (int)syscall(SYS_gettid);
	hit_sp = (uintptr_t)&local;
	hit_onstack = sigaltstack(NULL, &ss) == 0 && (ss.ss_flags & SS_ONSTACK);
}

static void on(int sig, int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = flags;
	CHECK(sigaction(sig, &sa, NULL) == 0);
}

static volatile int worker_tid, worker_stop;
static void *worker(void *arg)
{
	(void)arg;
	worker_tid = (int)syscall(SYS_gettid);
	while (!worker_stop)
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	return NULL;
}

static void wait_hits(int n)
{
	for (int i = 0; i < 10000 && hits < n; i++)
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
}

static void check_kill(void)
{
	int me = (int)syscall(SYS_gettid);
	on(SIGUSR1, 0);
	CHECK(kill(getpid(), SIGUSR1) == 0);
	CHECK(hits == 1 && hit_tid == me);
#ifdef __toro__
	CHECK(kill(0, SIGUSR1) == 0 && hits == 2); /* on Linux: the test runner's group too */
#else
	hits++;
#endif
	CHECK(raise(SIGUSR1) == 0 && hits == 3);
	CHECK(kill(getpid(), 0) == 0);
	CHECK(syscall(SYS_tgkill, getpid(), me, SIGUSR1) == 0 && hits == 4);
	CHECK(syscall(SYS_tkill, me, SIGUSR1) == 0 && hits == 5);
	CHECK_ERR(kill(getpid(), 99), EINVAL);

	pthread_t t;
	CHECK(pthread_create(&t, NULL, worker, NULL) == 0);
	while (!worker_tid)
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	CHECK(pthread_kill(t, SIGUSR1) == 0);
	wait_hits(6);
	CHECK(hits == 6 && hit_tid == worker_tid);
	CHECK(syscall(SYS_tgkill, getpid(), worker_tid, SIGUSR1) == 0);
	wait_hits(7);
	CHECK(hits == 7 && hit_tid == worker_tid);
	CHECK(syscall(SYS_tgkill, getpid(), worker_tid, 0) == 0);
	worker_stop = 1;
	CHECK(pthread_join(t, NULL) == 0);
	int gone = worker_tid;
	for (int i = 0; i < 1000 && syscall(SYS_tgkill, getpid(), gone, 0) == 0; i++)
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	CHECK_ERR(syscall(SYS_tgkill, getpid(), gone, 0), ESRCH);
}

static void check_altstack(void)
{
	static char alt[64 * 1024];
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt), .ss_flags = 0 }, old;
	CHECK(sigaltstack(NULL, &old) == 0 && (old.ss_flags & SS_DISABLE));
	CHECK(sigaltstack(&ss, NULL) == 0);
	on(SIGUSR2, SA_ONSTACK);
	hits = 0;
	CHECK(raise(SIGUSR2) == 0 && hits == 1);
	CHECK(hit_sp >= (uintptr_t)alt && hit_sp < (uintptr_t)alt + sizeof(alt));
	CHECK(hit_onstack);
	on(SIGUSR2, 0); /* without SA_ONSTACK: the normal stack */
	CHECK(raise(SIGUSR2) == 0 && hits == 2);
	CHECK(!(hit_sp >= (uintptr_t)alt && hit_sp < (uintptr_t)alt + sizeof(alt)));
	stack_t small = { .ss_sp = alt, .ss_size = 64, .ss_flags = 0 };
	CHECK_ERR(sigaltstack(&small, NULL), ENOMEM);
	ss.ss_flags = SS_DISABLE;
	CHECK(sigaltstack(&ss, NULL) == 0);
	CHECK(sigaltstack(NULL, &old) == 0 && (old.ss_flags & SS_DISABLE));
}

static void check_madvise(void)
{
	size_t len = 16 * 4096;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	memset(p, 0xab, len);
	CHECK(madvise(p + 4096, 4 * 4096, MADV_DONTNEED) == 0);
	long zeros = 0, kept = 0;
	for (size_t i = 0; i < len; i++) {
		zeros += p[i] == 0;
		kept += p[i] == 0xab;
	}
	CHECK(zeros == 4 * 4096 && kept == 12 * 4096);
	CHECK(p[0] == 0xab && p[4096] == 0 && p[5 * 4096] == 0xab);
	p[4096] = 1; /* the range is still mapped and writable */
	CHECK(p[4096] == 1);
	CHECK(madvise(p, len, MADV_WILLNEED) == 0);
	CHECK_ERR(madvise(p + 1, 4096, MADV_DONTNEED), EINVAL);
	CHECK(munmap(p, len) == 0);
}

static void check_uname_dev(void)
{
	struct utsname u;
	CHECK(uname(&u) == 0 && strcmp(u.machine, "x86_64") == 0 && u.sysname[0]);
	printf("uname: %s %s %s\n", u.sysname, u.release, u.machine);
	DIR *d = opendir("/dev");
	CHECK(d != NULL);
	int null = 0, zero = 0, n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		null += strcmp(e->d_name, "null") == 0;
		zero += strcmp(e->d_name, "zero") == 0;
		n++;
	}
	if (d)
		closedir(d);
	printf("/dev: %d entries\n", n);
	CHECK(null == 1 && zero == 1);
}

int main(void)
{
	check_kill();
	check_altstack();
	check_madvise();
	check_uname_dev();
	if (failures) {
		printf("FAILED: %d checks\n", failures);
		return 1;
	}
	printf("SUCCESS\n");
	return 0;
}
