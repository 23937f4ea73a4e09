/* SPDX-License-Identifier: MIT */
/* timeout_limits: every call that takes a timeout treats it as Linux does at
 * its limits. A huge one (18446744074 s, whose nanoseconds overflow 64 bits;
 * 2^33 s, whose TSC deadline would; the largest timespec; INT_MAX ms; a
 * negative poll or epoll_wait timeout; an absolute time in the far future) in
 * nanosleep, clock_nanosleep (relative and TIMER_ABSTIME), futex (WAIT and the
 * absolute WAIT_BITSET, monotonic and realtime), poll, ppoll, select, pselect6
 * and epoll_wait is still sleeping after more than a second, and is cut short
 * by a signal (EINTR) or by another thread (a futex wake, a pipe byte). A
 * negative timespec or timeval, or nanoseconds outside 0..999,999,999, is
 * EINVAL; select carries microseconds over a million into seconds. */
// expect-output: SUCCESS
// machines: microvm q35
// pvh-machines: none
// smp: 1 2
// mem: 32
// timeout: 90
// host-args: -
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_WAIT_BITSET 9
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256

static int failures;

/* ---- invalid timeouts: EINVAL at once ---- */

static long raw(long r) { return r < 0 ? -errno : r; }

#define EXPECT(call, want)                                                           \
	do {                                                                         \
		long r_ = (call), w_ = (want);                                       \
		if (r_ != w_) {                                                      \
			printf("FAIL line %d: %s = %ld (%s), want %ld\n", __LINE__, #call, \
			       r_, r_ < 0 ? strerror((int)-r_) : "ok", w_);          \
			failures++;                                                  \
		}                                                                    \
	} while (0)

static void invalid(void)
{
	static int word;
	static const struct timespec bad[] = {
		{ -1, 0 }, { 0, -1 }, { 0, 1000000000 }, { INT64_MIN, 0 }, { 5, INT64_MAX },
	};
	static const long badtv[][2] = { { -1, 0 }, { 0, -1 }, { INT64_MIN, 0 } };
	int before = failures;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct timespec *ts = &bad[i];
		EXPECT(raw(syscall(SYS_nanosleep, ts, NULL)), -EINVAL);
		EXPECT(raw(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, ts, NULL)), -EINVAL);
		EXPECT(raw(syscall(SYS_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME, ts, NULL)),
		       -EINVAL);
		EXPECT(raw(syscall(SYS_futex, &word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, ts, 0, 0)),
		       -EINVAL);
		EXPECT(raw(syscall(SYS_futex, &word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 0, ts, 0,
				   -1)),
		       -EINVAL);
		EXPECT(raw(syscall(SYS_ppoll, NULL, 0, ts, NULL, 8)), -EINVAL);
		EXPECT(raw(syscall(SYS_pselect6, 0, NULL, NULL, NULL, ts, NULL)), -EINVAL);
	}
	for (unsigned i = 0; i < sizeof(badtv) / sizeof(badtv[0]); i++) {
		long tv[2] = { badtv[i][0], badtv[i][1] };
		EXPECT(raw(syscall(SYS_select, 0, NULL, NULL, NULL, tv)), -EINVAL);
	}
	if (failures == before)
		printf("ok negative seconds or nanoseconds, or 10^9 ns and more: EINVAL in nanosleep,"
		       " clock_nanosleep, futex, ppoll, pselect6, select\n");
}

/* ---- huge timeouts: still asleep after a second ---- */

enum kind {
	NANOSLEEP, CLOCK_REL, CLOCK_ABS_MONO, CLOCK_ABS_REAL, FUTEX_REL, FUTEX_ABS_MONO,
	FUTEX_ABS_REAL, POLL, PPOLL, SELECT, PSELECT6, EPOLL,
};
static const char *const kind_names[] = {
	"nanosleep", "clock_nanosleep", "clock_nanosleep abs monotonic",
	"clock_nanosleep abs realtime", "futex WAIT", "futex WAIT_BITSET abs monotonic",
	"futex WAIT_BITSET abs realtime", "poll", "ppoll", "select", "pselect6", "epoll_wait",
};

struct sleeper {
	enum kind kind;
	struct timespec ts; /* also the timeval of select (tv_nsec as microseconds) */
	int ms;             /* poll and epoll_wait */
	int by_thread;      /* cut short by a futex wake or a pipe byte, else a signal */
	pthread_t t;
	volatile int done;
	long result;        /* the raw result or -errno */
	int word;           /* its futex word */
	int pipe[2];
	int ep;
};

static long sleep_once(struct sleeper *s)
{
	struct pollfd pf = { s->pipe[0], POLLIN, 0 };
	struct timespec ts = s->ts; /* ppoll and pselect6 write the time left back */
	fd_set set;
	long tv[2] = { s->ts.tv_sec, s->ts.tv_nsec };
	struct epoll_event ev;
	int p = FUTEX_PRIVATE_FLAG;
	FD_ZERO(&set);
	FD_SET(s->pipe[0], &set);
	switch (s->kind) {
	case NANOSLEEP: return raw(syscall(SYS_nanosleep, &s->ts, NULL));
	case CLOCK_REL: return raw(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &s->ts, NULL));
	case CLOCK_ABS_MONO:
		return raw(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &s->ts, NULL));
	case CLOCK_ABS_REAL:
		return raw(syscall(SYS_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME, &s->ts, NULL));
	case FUTEX_REL: return raw(syscall(SYS_futex, &s->word, FUTEX_WAIT | p, 0, &s->ts, 0, 0));
	case FUTEX_ABS_MONO:
		return raw(syscall(SYS_futex, &s->word, FUTEX_WAIT_BITSET | p, 0, &s->ts, 0, -1));
	case FUTEX_ABS_REAL:
		return raw(syscall(SYS_futex, &s->word, FUTEX_WAIT_BITSET | p | FUTEX_CLOCK_REALTIME,
				   0, &s->ts, 0, -1));
	case POLL: return raw(poll(&pf, 1, s->ms));
	case PPOLL: return raw(syscall(SYS_ppoll, &pf, 1, &ts, NULL, 8));
	case SELECT: return raw(syscall(SYS_select, s->pipe[0] + 1, &set, NULL, NULL, tv));
	case PSELECT6:
		return raw(syscall(SYS_pselect6, s->pipe[0] + 1, &set, NULL, NULL, &ts, NULL));
	case EPOLL: return raw(epoll_wait(s->ep, &ev, 1, s->ms));
	}
	return -ENOSYS;
}

static void *sleep_thread(void *arg)
{
	struct sleeper *s = arg;
	s->result = sleep_once(s);
	__atomic_store_n(&s->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void on_usr1(int sig) { (void)sig; }

#define MAX_SLEEPERS 64
static struct sleeper sl[MAX_SLEEPERS];
static int nsl;

static void add(enum kind k, int64_t sec, long nsec, int ms, int by_thread)
{
	struct sleeper *s = &sl[nsl++];
	s->kind = k;
	s->ts.tv_sec = sec;
	s->ts.tv_nsec = nsec;
	s->ms = ms;
	s->by_thread = by_thread;
}

/* What a sleeper cut short must return. */
static long cut_result(const struct sleeper *s)
{
	if (!s->by_thread)
		return -EINTR;
	if (s->kind == FUTEX_REL || s->kind == FUTEX_ABS_MONO || s->kind == FUTEX_ABS_REAL)
		return 0;
	return 1; /* one descriptor ready */
}

static void describe(const struct sleeper *s, char *buf, size_t n)
{
	if (s->kind == POLL || s->kind == EPOLL)
		snprintf(buf, n, "%s(%d ms)", kind_names[s->kind], s->ms);
	else
		snprintf(buf, n, "%s({%lld, %ld})", kind_names[s->kind], (long long)s->ts.tv_sec,
			 s->ts.tv_nsec);
}

static void huge(void)
{
	/* The relative ones, each with several huge values. */
	static const struct timespec big[] = {
		{ 18446744074LL, 0 },          /* 2^64 ns and a bit: overflows sec * 1e9 */
		{ 1LL << 33, 0 },              /* fits in ns, not as a TSC deadline */
		{ INT64_MAX, 999999999 },      /* the largest timespec */
	};
	for (unsigned i = 0; i < 3; i++) {
		add(NANOSLEEP, big[i].tv_sec, big[i].tv_nsec, 0, 0);
		add(CLOCK_REL, big[i].tv_sec, big[i].tv_nsec, 0, 0);
		add(FUTEX_REL, big[i].tv_sec, big[i].tv_nsec, 0, i & 1);
		add(PPOLL, big[i].tv_sec, big[i].tv_nsec, 0, i & 1);
		add(PSELECT6, big[i].tv_sec, big[i].tv_nsec, 0, !(i & 1));
		add(SELECT, big[i].tv_sec, i == 2 ? 999999 : big[i].tv_nsec / 1000, 0, i & 1);
	}
	/* select carries microseconds into seconds: 2^62 us is 146,000 years. */
	add(SELECT, 0, 1L << 62, 0, 0);
	/* Absolute times far in the future. */
	add(CLOCK_ABS_MONO, INT64_MAX, 999999999, 0, 0);
	add(CLOCK_ABS_REAL, 18446744074LL, 0, 0, 0);
	add(FUTEX_ABS_MONO, INT64_MAX, 999999999, 0, 1);
	add(FUTEX_ABS_REAL, 18446744074LL, 0, 0, 0);
	add(FUTEX_ABS_REAL, 1LL << 33, 0, 0, 1);
	/* Milliseconds: the largest, and negative means no timeout. */
	add(POLL, 0, 0, INT_MAX, 0);
	add(POLL, 0, 0, -1, 1);
	add(POLL, 0, 0, INT_MIN, 0);
	add(EPOLL, 0, 0, INT_MAX, 1);
	add(EPOLL, 0, 0, -1, 0);
	add(EPOLL, 0, 0, INT_MIN, 1);

	for (int i = 0; i < nsl; i++) {
		struct sleeper *s = &sl[i];
		if (pipe(s->pipe)) {
			printf("FAIL: pipe\n");
			failures++;
			return;
		}
		s->ep = epoll_create1(0);
		struct epoll_event ev = { .events = EPOLLIN };
		epoll_ctl(s->ep, EPOLL_CTL_ADD, s->pipe[0], &ev);
		pthread_create(&s->t, NULL, sleep_thread, s);
	}
	struct timespec pause = { 1, 500000000 };
	nanosleep(&pause, NULL);
	int early = 0;
	char what[96];
	for (int i = 0; i < nsl; i++) {
		if (__atomic_load_n(&sl[i].done, __ATOMIC_SEQ_CST)) {
			describe(&sl[i], what, sizeof(what));
			printf("FAIL: %s returned %ld after less than 1.5 s\n", what, sl[i].result);
			early++;
		}
	}
	if (!early)
		printf("ok %d huge timeouts still asleep after 1.5 s\n", nsl);
	failures += early;
	/* Cut each short: a futex wake or a pipe byte, else a signal. */
	for (int i = 0; i < nsl; i++) {
		struct sleeper *s = &sl[i];
		if (s->done)
			continue;
		if (!s->by_thread) {
			pthread_kill(s->t, SIGUSR1);
		} else if (s->kind == FUTEX_REL || s->kind == FUTEX_ABS_MONO ||
			   s->kind == FUTEX_ABS_REAL) {
			/* Until it is woken: a wake before it sleeps finds nobody. */
			while (!__atomic_load_n(&s->done, __ATOMIC_SEQ_CST)) {
				syscall(SYS_futex, &s->word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, 0, 0,
					0);
				usleep(10000);
			}
		} else if (write(s->pipe[1], "x", 1) != 1) {
			printf("FAIL: write\n");
			failures++;
		}
	}
	int bad = 0;
	for (int i = 0; i < nsl; i++) {
		struct sleeper *s = &sl[i];
		pthread_join(s->t, NULL);
		if (early && s->result != cut_result(s))
			continue; /* reported above */
		if (s->result != cut_result(s)) {
			describe(s, what, sizeof(what));
			printf("FAIL: %s cut short by %s returned %ld, want %ld\n", what,
			       s->by_thread ? "another thread" : "a signal", s->result, cut_result(s));
			bad++;
		}
	}
	if (!bad)
		printf("ok each cut short: EINTR by a signal, 0 or ready by another thread\n");
	failures += bad;
}

/* A signal in a huge nanosleep: the time left is reported, and it is huge. */
static void *sleep_rem(void *arg)
{
	struct timespec ts = { 18446744074LL, 0 };
	struct timespec *rem = arg;
	if (syscall(SYS_nanosleep, &ts, rem) == 0)
		rem->tv_sec = -1;
	return NULL;
}

static void remaining(void)
{
	struct timespec rem = { 0, 0 };
	pthread_t t;
	pthread_create(&t, NULL, sleep_rem, &rem);
	usleep(300000);
	pthread_kill(t, SIGUSR1);
	pthread_join(t, NULL);
	if (rem.tv_sec < 1000000000LL || rem.tv_nsec < 0 || rem.tv_nsec > 999999999) {
		printf("FAIL: nanosleep({18446744074, 0}) interrupted left {%lld, %ld}\n",
		       (long long)rem.tv_sec, rem.tv_nsec);
		failures++;
		return;
	}
	printf("ok an interrupted huge nanosleep reports over 10^9 s left\n");
}

/* select: 1,500,000 us is 1.5 s, not 0.5 s. */
static void select_carry(void)
{
	long tv[2] = { 0, 1500000 };
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long r = raw(syscall(SYS_select, 0, NULL, NULL, NULL, tv));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double took = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (r != 0 || took < 1.45) {
		printf("FAIL: select({0, 1500000}) = %ld after %.3f s\n", r, took);
		failures++;
		return;
	}
	printf("ok select({0, 1500000 us}) slept %.2f s\n", took);
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1; /* no SA_RESTART: every call fails with EINTR */
	sigaction(SIGUSR1, &sa, NULL);
	invalid();
	huge();
	remaining();
	select_carry();
	if (failures)
		return 1;
	printf("SUCCESS\n");
	return 0;
}
