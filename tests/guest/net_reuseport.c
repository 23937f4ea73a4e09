/* SPDX-License-Identifier: MIT */
/* net_reuseport: SO_REUSEPORT on TCP listeners, as Linux has it. Four
 * threads, each placed on its own core (modulo the cores there are), bind
 * their own listener to one port with SO_REUSEPORT; 200 connections over
 * loopback are each accepted by exactly one of them, every listener gets
 * some, and none is lost (every client gets its answer, the listeners'
 * counts add up). A socket without SO_REUSEPORT cannot take the port. One
 * listener closes: the next 100 connections all reach the other three. All
 * close: a connect is refused. getsockname and getsockopt on members. Also
 * on Linux (host-args). */
// expect-output: SUCCESS
// reject-output: FAIL
// pvh-machines: none
// smp: 1 2 4
// timeout: 120
// host-args: -
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NL 4
#define PORT 18411

static int failures, ncpu;
static int lfd[NL], got[NL], quit[NL];
static pthread_barrier_t ready;

static struct sockaddr_in loop_addr(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static void fail(const char *what)
{
	printf("FAIL: %s: %s\n", what, strerror(errno));
	failures++;
}

static int listener(int reuse)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a = loop_addr();
	if (fd < 0)
		return -1;
	/* The connections served are in TIME_WAIT on this port. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (reuse && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)))
		fail("setsockopt SO_REUSEPORT");
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 64)) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Accepts until told to quit: each connection sends one byte, gets this
 * listener's number back. */
static void *serve(void *arg)
{
	int me = (int)(long)arg;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(me % ncpu, &set);
	sched_setaffinity(0, sizeof(set), &set); /* on Toro: moves the thread now */
	lfd[me] = listener(1);
	if (lfd[me] < 0)
		fail("a SO_REUSEPORT listener");
	pthread_barrier_wait(&ready);
	while (lfd[me] >= 0 && !__atomic_load_n(&quit[me], __ATOMIC_ACQUIRE)) {
		struct pollfd p = { lfd[me], POLLIN, 0 };
		if (poll(&p, 1, 20) != 1)
			continue;
		int c = accept(lfd[me], NULL, NULL);
		if (c < 0) {
			fail("accept");
			continue;
		}
		char b, id = (char)('0' + me);
		if (read(c, &b, 1) != 1 || write(c, &id, 1) != 1)
			fail("a served connection");
		__atomic_add_fetch(&got[me], 1, __ATOMIC_RELAXED);
		close(c);
	}
	if (lfd[me] >= 0)
		close(lfd[me]);
	return NULL;
}

/* One connection: which listener answered, -1 none. */
static int client(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = loop_addr();
	char b = 'x', id = 0;
	int r = -1;
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && write(fd, &b, 1) == 1 &&
	    read(fd, &id, 1) == 1 && id >= '0' && id < '0' + NL)
		r = id - '0';
	if (fd >= 0)
		close(fd);
	return r;
}

static void round_of(int n, int *seen, const char *what)
{
	for (int i = 0; i < n; i++) {
		int k = client();
		if (k < 0) {
			printf("FAIL: %s: connection %d got no answer (%s)\n", what, i, strerror(errno));
			failures++;
			return;
		}
		seen[k]++;
	}
}

int main(void)
{
	pthread_t t[NL];
	int seen[NL] = { 0 }, v = 0, one = 1;
	socklen_t len = sizeof(v);
	ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1)
		ncpu = 1;
	pthread_barrier_init(&ready, NULL, NL + 1);
	for (long i = 0; i < NL; i++)
		pthread_create(&t[i], NULL, serve, (void *)i);
	pthread_barrier_wait(&ready);

	if (getsockopt(lfd[1], SOL_SOCKET, SO_REUSEPORT, &v, &len) || v != 1)
		printf("FAIL: getsockopt SO_REUSEPORT gave %d\n", v), failures++;
	struct sockaddr_in a;
	len = sizeof(a);
	if (getsockname(lfd[3], (struct sockaddr *)&a, &len) || ntohs(a.sin_port) != PORT)
		printf("FAIL: getsockname of a member: port %d\n", ntohs(a.sin_port)), failures++;
	int other = socket(AF_INET, SOCK_STREAM, 0);
	a = loop_addr();
	setsockopt(other, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(other, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(other, 1) == 0)
		printf("FAIL: a socket without SO_REUSEPORT took the port\n"), failures++;
	else if (errno != EADDRINUSE)
		fail("bind without SO_REUSEPORT (expected EADDRINUSE)");
	close(other);

	round_of(200, seen, "four listeners");
	for (int i = 0; i < NL; i++) {
		printf("listener %d (core %d): %d of 200\n", i, i % ncpu, seen[i]);
		if (seen[i] == 0)
			printf("FAIL: listener %d got no connection\n", i), failures++;
	}
	__atomic_store_n(&quit[0], 1, __ATOMIC_RELEASE);
	pthread_join(t[0], NULL);
	int before0 = seen[0];
	round_of(100, seen, "three listeners");
	if (seen[0] != before0)
		printf("FAIL: the closed listener answered\n"), failures++;
	printf("after closing listener 0, listeners 1-3 have %d %d %d\n", seen[1], seen[2], seen[3]);
	for (int i = 1; i < NL; i++) {
		__atomic_store_n(&quit[i], 1, __ATOMIC_RELEASE);
		pthread_join(t[i], NULL);
	}
	/* Counted after the joins: a listener counts a connection after its
	 * answer, which the client may have read already. */
	int after = 0, served = 0;
	for (int i = 0; i < NL; i++) {
		after += seen[i];
		served += got[i];
	}
	if (after != 300 || served != 300)
		printf("FAIL: %d answers, %d accepted, expected 300\n", after, served), failures++;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	a = loop_addr();
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 || errno != ECONNREFUSED)
		fail("connect with every listener closed (expected ECONNREFUSED)");
	close(fd);
	/* The port is free again, for a listener of any kind. */
	fd = listener(0);
	if (fd < 0)
		fail("a plain listener after the group closed");
	close(fd);
	printf(failures ? "FAIL: %d\n" : "SUCCESS\n", failures);
	return failures != 0;
}
