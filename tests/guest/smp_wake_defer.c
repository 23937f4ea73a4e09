/* SPDX-License-Identifier: MIT */
/* smp_wake_defer: wake-ups across cores arrive although the kernel sends
 * their IPIs late (when the waker lets go of its locks: after the system
 * call, at a switch, after an interrupt), and the core lock, now taken with
 * an atomic and slept on when contended, keeps TCP on two cores exact.
 *   1. A thread on the last core blocks in read() on a pipe (no timeout, so
 *      nothing else would wake its core); main, on core 0, write()s a byte
 *      and then spins in user space, without a system call, until the reader
 *      says it got it: 300 rounds. A wake-up whose IPI is never sent leaves
 *      main spinning until its bound (FAIL), not hanging. (On one core
 *      main yields instead of spinning: the reader needs the core.)
 *   2. The same across a futex (pthread condition variable): 300 rounds.
 *   3. Two TCP connections over 127.0.0.1, one echo pair per core, each
 *      sending 2,000 messages of 1-1,400 bytes at once: every byte comes
 *      back, in order (the core lock contended from both cores).
 * No timing is asserted: the bound of the spin is only there so a lost
 * wake-up fails instead of hanging. What it catches is a wake-up that never
 * arrives, not a late one: with the flush at the return from the system call
 * taken out, the wake-ups still came (the network's timers interrupt core 0
 * now and then, and that flushes) and the runs passed in 43-83 s instead of
 * 2-10 s. */
// expect-output: SUCCESS
// reject-output: toro: eth
// machines: microvm q35
// pvh-machines: none
// smp: 1 2 4
// mem: 64
// timeout: 240
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <toro/thread.h>

#define ROUNDS 300
#define MSGS 2000
#define SPIN_BOUND 4000000000ull /* pause loops: minutes under TCG */

static int failures;
static int ncpu;
static int last_cpu;

#define FAIL(...) do { printf("FAIL: " __VA_ARGS__); printf("\n"); failures++; } while (0)

static int spawn(pthread_t *t, int cpu, void *(*fn)(void *), void *arg)
{
	int r = toro_thread_create_on(t, cpu, fn, arg);
	if (r)
		FAIL("toro_thread_create_on(%d): %s", cpu, strerror(r));
	return r;
}

/* Spin without a system call until *v reaches want: false past the bound. */
static bool spin_until(volatile int *v, int want)
{
	for (uint64_t i = 0; i < SPIN_BOUND; i++) {
		if (__atomic_load_n(v, __ATOMIC_ACQUIRE) >= want)
			return true;
		if (ncpu == 1)
			sched_yield(); /* one core: the other thread needs it */
		else
			__builtin_ia32_pause();
	}
	return false;
}

/* ---- 1. pipe ---- */

static int pipefd[2];
static volatile int got;

static void *pipe_reader(void *arg)
{
	char c;
	for (int i = 0; i < ROUNDS; i++) {
		if (read(pipefd[0], &c, 1) != 1)
			return NULL;
		__atomic_store_n(&got, i + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void test_pipe(void)
{
	pthread_t t;
	if (pipe(pipefd) || spawn(&t, last_cpu, pipe_reader, NULL))
		return;
	for (int i = 0; i < ROUNDS; i++) {
		usleep(i % 10 == 0 ? 2000 : 0); /* now and then the reader surely sleeps */
		if (write(pipefd[1], "x", 1) != 1) {
			FAIL("pipe write: %s", strerror(errno));
			break;
		}
		if (!spin_until(&got, i + 1)) {
			FAIL("pipe round %d: the reader on core %d was never woken", i, last_cpu);
			break;
		}
	}
	pthread_join(t, NULL);
	if (got == ROUNDS)
		printf("pipe: %d wake-ups across cores, each while the waker spun\n", ROUNDS);
}

/* ---- 2. condition variable (futex) ---- */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int ticket;
static volatile int seen;

static void *cond_waiter(void *arg)
{
	for (int i = 1; i <= ROUNDS; i++) {
		pthread_mutex_lock(&mu);
		while (ticket < i)
			pthread_cond_wait(&cv, &mu);
		pthread_mutex_unlock(&mu);
		__atomic_store_n(&seen, i, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void test_cond(void)
{
	pthread_t t;
	if (spawn(&t, last_cpu, cond_waiter, NULL))
		return;
	for (int i = 1; i <= ROUNDS; i++) {
		pthread_mutex_lock(&mu);
		ticket = i;
		pthread_cond_signal(&cv);
		pthread_mutex_unlock(&mu);
		if (!spin_until(&seen, i)) {
			FAIL("condvar round %d: the waiter on core %d was never woken", i, last_cpu);
			break;
		}
	}
	pthread_join(t, NULL);
	if (seen == ROUNDS)
		printf("condvar: %d wake-ups across cores\n", ROUNDS);
}

/* ---- 3. TCP on two cores ---- */

struct pair {
	int port, cpu;
	int lfd;
	long bytes;
	bool ok;
};

static bool io_all(int fd, void *b, size_t n, bool out)
{
	for (size_t d = 0; d < n;) {
		ssize_t r = out ? write(fd, (char *)b + d, n - d) : read(fd, (char *)b + d, n - d);
		if (r <= 0)
			return false;
		d += (size_t)r;
	}
	return true;
}

static void *echo_server(void *arg)
{
	struct pair *p = arg;
	char buf[4096];
	int c = accept(p->lfd, NULL, NULL);
	if (c < 0)
		return NULL;
	ssize_t r;
	while ((r = read(c, buf, sizeof(buf))) > 0)
		if (!io_all(c, buf, (size_t)r, true))
			break;
	close(c);
	return NULL;
}

static void fill(unsigned char *m, int len, int seq, int port)
{
	for (int k = 0; k < len; k++)
		m[k] = (unsigned char)(seq * 31 + k * 7 + port);
}

static void *echo_client(void *arg)
{
	struct pair *p = arg;
	unsigned char out[1400], in[1400];
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)p->port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)))
		return NULL;
	for (int i = 0; i < MSGS; i++) {
		int len = 1 + (i * 367) % 1400;
		fill(out, len, i, p->port);
		if (!io_all(fd, out, (size_t)len, true) || !io_all(fd, in, (size_t)len, false))
			break;
		if (memcmp(in, out, (size_t)len))
			break;
		p->bytes += len;
		if (i == MSGS - 1)
			p->ok = true;
	}
	close(fd);
	return NULL;
}

static void test_tcp(void)
{
	struct pair pr[2] = { { 7101, 0, -1, 0, false }, { 7102, last_cpu, -1, 0, false } };
	pthread_t srv[2], cli[2];
	for (int i = 0; i < 2; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)pr[i].port),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		pr[i].lfd = socket(AF_INET, SOCK_STREAM, 0);
		if (pr[i].lfd < 0 || bind(pr[i].lfd, (struct sockaddr *)&a, sizeof(a)) ||
		    listen(pr[i].lfd, 4)) {
			FAIL("listen on %d: %s", pr[i].port, strerror(errno));
			return;
		}
	}
	/* Each pair's server on one core and its client on the other: both
	 * cores in the stack at once. */
	for (int i = 0; i < 2; i++) {
		if (spawn(&srv[i], pr[i].cpu, echo_server, &pr[i]) ||
		    spawn(&cli[i], pr[1 - i].cpu, echo_client, &pr[i]))
			return;
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(cli[i], NULL);
		pthread_join(srv[i], NULL);
		close(pr[i].lfd);
		if (!pr[i].ok)
			FAIL("tcp pair %d: echo stopped after %ld bytes", i, pr[i].bytes);
	}
	if (pr[0].ok && pr[1].ok)
		printf("tcp: 2 pairs x %d messages echoed exact (%ld + %ld bytes)\n", MSGS,
		       pr[0].bytes, pr[1].bytes);
}

int main(void)
{
	ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	last_cpu = ncpu > 1 ? ncpu - 1 : 0;
	printf("smp_wake_defer: %d cores\n", ncpu);
	test_pipe();
	test_cond();
	test_tcp();
	if (failures) {
		printf("FAILED: %d\n", failures);
		return 1;
	}
	printf("SUCCESS\n");
	return 0;
}
