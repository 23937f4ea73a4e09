/* SPDX-License-Identifier: MIT */
/* proc_ids: what a program sees of its identity, limits and scheduling.
 * User and group ids all 0 (getresuid/getresgid, no supplementary groups),
 * setuid(0) & co. work and another uid is EPERM, getppid 0, pid 1 leading its
 * own group and session; prctl names (15 bytes kept), PDEATHSIG, DUMPABLE,
 * NO_NEW_PRIVS read back, an unknown option EINVAL; RLIMIT_NOFILE lowered to
 * 16: open/dup/F_DUPFD stay below it (EMFILE, EINVAL, dup2 past it EBADF),
 * raised back all works again, a hard limit past 1024 EPERM, soft > hard
 * EINVAL, RLIMIT_CORE/AS read back as set; times() advances; the scheduler
 * calls (SCHED_OTHER, BATCH kept, FIFO refused, priority ranges); membarrier
 * QUERY, PRIVATE_EXPEDITED EPERM before registration, then 0, with a second
 * thread running. Also on Linux (host-args), where the root-only answers are
 * not checked. */
// expect-output: SUCCESS
// reject-output: FAIL
// machines: microvm q35
// pvh-machines: none
// smp: 1 2
// host-args: -
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/times.h>

#include "check.h"

static void check_ids(void)
{
	uid_t r = 1, e = 1, s = 1;
	gid_t gr = 1, ge = 1, gs = 1;
	CHECK(getresuid(&r, &e, &s) == 0);
	CHECK(getresgid(&gr, &ge, &gs) == 0);
	CHECK(r == getuid() && e == geteuid() && gr == getgid() && ge == getegid());
	printf("ids: uid %u euid %u gid %u ppid %d pid %d\n", r, e, gr, getppid(), getpid());
#ifdef __toro__
	CHECK(r == 0 && e == 0 && s == 0 && gr == 0 && ge == 0 && gs == 0);
	CHECK(getppid() == 0);
	CHECK(getpid() == 1);
	CHECK(getgroups(0, NULL) == 0);
	CHECK(setuid(0) == 0 && setgid(0) == 0 && seteuid(0) == 0 && setegid(0) == 0);
	CHECK(setresuid(-1, 0, -1) == 0 && setreuid(0, 0) == 0);
	CHECK(setgroups(0, NULL) == 0);
	CHECK_ERR(setuid(1000), EPERM);
	CHECK_ERR(setresgid(0, 1000, 0), EPERM);
	CHECK(getuid() == 0);
	CHECK(getpgrp() == 1 && getpgid(0) == 1 && getsid(0) == 1);
	CHECK_ERR(setsid(), EPERM);
#endif
	CHECK_ERR(getpgid(999999), ESRCH);
}

static void check_prctl(const char *argv0)
{
	char name[32], want[16];
	memset(name, 'x', sizeof(name));
	CHECK(prctl(PR_GET_NAME, name) == 0);
	snprintf(want, sizeof(want), "%s", basename((char *)argv0));
	printf("prctl: name '%s' (argv[0] '%s')\n", name, argv0);
	CHECK(strcmp(name, want) == 0);
	CHECK(prctl(PR_SET_NAME, "a-name-longer-than-15") == 0);
	CHECK(prctl(PR_GET_NAME, name) == 0);
	CHECK(strcmp(name, "a-name-longer-t") == 0);
	CHECK(pthread_setname_np(pthread_self(), "main") == 0);
	CHECK(prctl(PR_GET_NAME, name) == 0 && strcmp(name, "main") == 0);

	int sig = -1;
	CHECK(prctl(PR_SET_PDEATHSIG, SIGTERM) == 0);
	CHECK(prctl(PR_GET_PDEATHSIG, &sig) == 0 && sig == SIGTERM);
	CHECK_ERR(prctl(PR_SET_PDEATHSIG, 100), EINVAL);
	CHECK(prctl(PR_GET_DUMPABLE) == 1);
	CHECK(prctl(PR_SET_DUMPABLE, 0) == 0 && prctl(PR_GET_DUMPABLE) == 0);
	CHECK_ERR(prctl(PR_SET_DUMPABLE, 2), EINVAL);
	CHECK(prctl(PR_SET_DUMPABLE, 1) == 0);
	CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0);
	CHECK_ERR(prctl(PR_SET_NO_NEW_PRIVS, 2, 0, 0, 0), EINVAL);
	CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
	CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);
	CHECK(prctl(PR_CAPBSET_READ, 0) >= 0);
	CHECK_ERR(prctl(0x7fff0000, 0, 0, 0, 0), EINVAL);
}

static void check_nofile(void)
{
	struct rlimit old, rl = { 16, 16 }, got;
	CHECK(getrlimit(RLIMIT_NOFILE, &old) == 0);
	printf("rlimit: NOFILE %llu/%llu\n", (unsigned long long)old.rlim_cur,
	       (unsigned long long)old.rlim_max);
	CHECK(old.rlim_cur >= 64 && old.rlim_cur <= old.rlim_max);
	CHECK(setrlimit(RLIMIT_NOFILE, &(struct rlimit){ 16, old.rlim_max }) == 0);
	CHECK(getrlimit(RLIMIT_NOFILE, &got) == 0 && got.rlim_cur == 16);
	int fds[32], n = 0, last;
	while (n < 32 && (last = dup(0)) >= 0)
		fds[n++] = last;
	CHECK(last == -1 && errno == EMFILE);
	CHECK(n > 0 && n < 16 && fds[n - 1] == 15);
	CHECK_ERR(fcntl(0, F_DUPFD, 20), EINVAL);
	CHECK_ERR(dup2(0, 20), EBADF);
	CHECK_ERR(open("/dev/null", O_RDONLY), EMFILE);
	CHECK(setrlimit(RLIMIT_NOFILE, &old) == 0);
	int d = dup(0);
	CHECK(d == 16);
	CHECK(dup2(0, 20) == 20);
	close(d);
	close(20);
	while (n > 0)
		close(fds[--n]);
	(void)rl;
	CHECK_ERR(setrlimit(RLIMIT_NOFILE, &(struct rlimit){ 32, 16 }), EINVAL);
#ifdef __toro__
	CHECK_ERR(setrlimit(RLIMIT_NOFILE, &(struct rlimit){ 16, 1 << 20 }), EPERM);
#endif
	CHECK(getrlimit(RLIMIT_CORE, &got) == 0);
	CHECK(setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, got.rlim_max }) == 0);
	CHECK(getrlimit(RLIMIT_CORE, &got) == 0 && got.rlim_cur == 0);
	CHECK(getrlimit(RLIMIT_STACK, &got) == 0 && got.rlim_cur >= (1 << 20));
	CHECK(setrlimit(RLIMIT_AS, &(struct rlimit){ 1ull << 40, RLIM_INFINITY }) == 0);
	CHECK(getrlimit(RLIMIT_AS, &got) == 0 && got.rlim_cur == 1ull << 40);
	CHECK(prlimit(0, RLIMIT_AS, &(struct rlimit){ RLIM_INFINITY, RLIM_INFINITY }, &got) == 0 &&
	      got.rlim_cur == 1ull << 40);
	CHECK_ERR(getrlimit(99, &got), EINVAL);
}

static void check_times(void)
{
	struct tms t;
	clock_t a = times(&t), b = a;
	CHECK(a != (clock_t)-1);
	for (int i = 0; i < 200 && b == a; i++) {
		nanosleep(&(struct timespec){ 0, 20000000 }, NULL);
		b = times(&t);
	}
	printf("times: %ld -> %ld ticks, utime %ld\n", (long)a, (long)b, (long)t.tms_utime);
	CHECK(b > a);
	CHECK(t.tms_utime >= 0 && t.tms_stime >= 0 && t.tms_cutime == 0 && t.tms_cstime == 0);
}

static void check_sched(void)
{
	struct sched_param p = { 5 };
	CHECK(syscall(SYS_sched_getscheduler, 0) == SCHED_OTHER);
	CHECK(syscall(SYS_sched_getparam, 0, &p) == 0 && p.sched_priority == 0);
	CHECK(sched_get_priority_max(SCHED_FIFO) == 99 && sched_get_priority_min(SCHED_FIFO) == 1);
	CHECK(sched_get_priority_max(SCHED_RR) == 99 && sched_get_priority_min(SCHED_RR) == 1);
	CHECK(sched_get_priority_max(SCHED_OTHER) == 0 && sched_get_priority_min(SCHED_OTHER) == 0);
	CHECK_ERR(sched_get_priority_max(77), EINVAL);
	p.sched_priority = 0;
	CHECK(syscall(SYS_sched_setscheduler, 0, SCHED_BATCH, &p) == 0);
	CHECK(syscall(SYS_sched_getscheduler, 0) == SCHED_BATCH);
	CHECK(syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &p) == 0);
	CHECK(syscall(SYS_sched_getscheduler, 0) == SCHED_OTHER);
	p.sched_priority = 3;
	CHECK_ERR(syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &p), EINVAL);
	CHECK_ERR(syscall(SYS_sched_setscheduler, 0, 77, &p), EINVAL);
	CHECK_ERR(syscall(SYS_sched_getscheduler, -1), EINVAL);
	CHECK_ERR(syscall(SYS_sched_getscheduler, 999999), ESRCH);
#ifdef __toro__
	p.sched_priority = 10;
	CHECK_ERR(syscall(SYS_sched_setscheduler, 0, SCHED_FIFO, &p), EPERM);
#endif
	struct timespec ts = { -1, -1 };
	CHECK(sched_rr_get_interval(0, &ts) == 0 && ts.tv_sec >= 0);
	CHECK(getpriority(PRIO_PROCESS, 0) == 0);
	CHECK(setpriority(PRIO_PROCESS, 0, 5) == 0 && getpriority(PRIO_PROCESS, 0) == 5);
}

static volatile int spin_stop;
static void *spinner(void *arg)
{
	while (!__atomic_load_n(&spin_stop, __ATOMIC_ACQUIRE))
		__atomic_fetch_add((int *)arg, 1, __ATOMIC_RELAXED);
	return NULL;
}

#define MB_QUERY 0
#define MB_GLOBAL 1
#define MB_PRIVATE_EXPEDITED 8
#define MB_REGISTER_PRIVATE_EXPEDITED 16

static void check_membarrier(void)
{
	int count = 0;
	pthread_t t;
	CHECK(pthread_create(&t, NULL, spinner, &count) == 0);
	long q = syscall(SYS_membarrier, MB_QUERY, 0, 0);
	printf("membarrier: query %#lx\n", q);
	CHECK(q > 0 && (q & MB_PRIVATE_EXPEDITED) && (q & MB_REGISTER_PRIVATE_EXPEDITED));
	CHECK_ERR(syscall(SYS_membarrier, MB_PRIVATE_EXPEDITED, 0, 0), EPERM);
	CHECK(syscall(SYS_membarrier, MB_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0);
	for (int i = 0; i < 100; i++)
		CHECK(syscall(SYS_membarrier, MB_PRIVATE_EXPEDITED, 0, 0) == 0);
	if (q & MB_GLOBAL)
		CHECK(syscall(SYS_membarrier, MB_GLOBAL, 0, 0) == 0);
	CHECK_ERR(syscall(SYS_membarrier, MB_PRIVATE_EXPEDITED, 1, 0), EINVAL);
	CHECK_ERR(syscall(SYS_membarrier, 1 << 20, 0, 0), EINVAL);
	__atomic_store_n(&spin_stop, 1, __ATOMIC_RELEASE);
	CHECK(pthread_join(t, NULL) == 0);
}

int main(int argc, char **argv)
{
	(void)argc;
	check_ids();
	check_prctl(argv[0]);
	check_nofile();
	check_times();
	check_sched();
	check_membarrier();
	if (failures) {
		printf("FAILED: %d checks\n", failures);
		return 1;
	}
	printf("SUCCESS\n");
	return 0;
}
