/* SPDX-License-Identifier: MIT */
/* net_datapath: the socket data path over 127.0.0.1 inside the guest. A write
 * whose buffer runs into an unmapped page sends the bytes before it (a short
 * count) and a write that starts there is EFAULT, the stream intact; a recv
 * into a bad buffer is EFAULT and loses nothing; sendmsg with several
 * buffers arrives in order; a 6000-byte write(2) on a UDP socket is one
 * datagram; a close on one core while a thread on another is blocked in read
 * on the same socket (the read ends when data comes, the descriptor is gone);
 * threads reading, dup2-ing and closing one descriptor number at once; eight
 * epoll instances watching one socket all see it readable; a thread asleep in
 * epoll_wait on another core wakes for its socket, directly and through an
 * instance inside another. */
// expect-output: SUCCESS
// reject-output: toro: eth
// machines: microvm
// pvh-machines: none
// smp: 1 2
// mem: 64
// timeout: 120
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <toro/thread.h>
#include <unistd.h>

static int failures;
#define CHECK(c, ...) do { if (c) printf("ok " __VA_ARGS__); else { failures++; printf("FAIL: " __VA_ARGS__); printf(" (errno %d %s)", errno, strerror(errno)); } printf("\n"); } while (0)

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/* A connected TCP pair over loopback: *a the client end, *b the accepted. */
static int tcp_pair(int port, int *a, int *b)
{
	struct sockaddr_in addr = loopback(port);
	int one = 1, l = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (l < 0 || bind(l, (struct sockaddr *)&addr, sizeof(addr)) || listen(l, 4))
		return -1;
	*a = socket(AF_INET, SOCK_STREAM, 0);
	if (*a < 0 || connect(*a, (struct sockaddr *)&addr, sizeof(addr)))
		return -1;
	*b = accept(l, NULL, NULL);
	close(l);
	return *b < 0 ? -1 : 0;
}

/* Read exactly n bytes (blocking). */
static long read_all(int fd, unsigned char *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r <= 0)
			return r < 0 ? -1 : (long)got;
		got += (size_t)r;
	}
	return (long)got;
}

static void test_fault_mid_write(void)
{
	int a, b;
	if (tcp_pair(7301, &a, &b)) {
		CHECK(0, "tcp pair");
		return;
	}
	unsigned char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED, "mmap two pages");
	for (int i = 0; i < 4096; i++)
		m[i] = (unsigned char)(i * 7);
	CHECK(munmap(m + 4096, 4096) == 0, "unmap the second page");
	ssize_t w = write(a, m, 8192);
	CHECK(w == 4096, "write running into an unmapped page: %zd of 8192 (the bytes before it)", w);
	errno = 0;
	w = write(a, m + 4096, 100);
	CHECK(w == -1 && errno == EFAULT, "write from the unmapped page: EFAULT");
	errno = 0;
	w = send(a, m + 4096, 100, 0);
	CHECK(w == -1 && errno == EFAULT, "send from the unmapped page: EFAULT");
	/* The reader gets exactly the 4096 bytes, nothing more. */
	static unsigned char in[4096];
	long r = read_all(b, in, 4096);
	int same = 1;
	for (int i = 0; i < 4096; i++)
		same &= in[i] == (unsigned char)(i * 7);
	CHECK(r == 4096 && same, "the 4096 bytes arrive intact");
	/* recv into a bad buffer: EFAULT, and the data waits for a good one. */
	CHECK(write(a, "hello", 5) == 5, "write 5 more");
	usleep(20000);
	errno = 0;
	r = recv(b, m + 4096, 5, 0);
	CHECK(r == -1 && errno == EFAULT, "recv into the unmapped page: EFAULT");
	char five[6] = { 0 };
	r = read_all(b, (unsigned char *)five, 5);
	CHECK(r == 5 && !strcmp(five, "hello"), "then read gets 'hello' (nothing lost)");
	/* sendmsg with three buffers: one stream, in order. */
	struct iovec iov[3] = { { "abc", 3 }, { "", 0 }, { "defgh", 5 } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 3 };
	CHECK(sendmsg(a, &msg, 0) == 8, "sendmsg of 3+0+5 bytes");
	char eight[9] = { 0 };
	r = read_all(b, (unsigned char *)eight, 8);
	CHECK(r == 8 && !strcmp(eight, "abcdefgh"), "arrives as 'abcdefgh'");
	/* writev and readv: the whole vector in one call, across buffers. */
	CHECK(writev(a, iov, 3) == 8, "writev of 3+0+5 bytes");
	usleep(20000);
	char p1[3], p2[10] = { 0 };
	struct iovec rv[2] = { { p1, 3 }, { p2, sizeof(p2) } };
	ssize_t got = 0;
	while (got < 8) {
		ssize_t n = readv(b, rv, 2);
		if (n <= 0)
			break;
		got += n;
		if (got < 8) { /* the rest: into p2 after what came */
			rv[0].iov_len = 0;
			rv[1].iov_base = p2 + (got - 3);
			rv[1].iov_len = sizeof(p2) - (size_t)(got - 3);
		}
	}
	CHECK(got == 8 && !memcmp(p1, "abc", 3) && !strcmp(p2, "defgh"),
	      "readv gets 'abc' then 'defgh' (%zd bytes)", got);
	errno = 0;
	struct iovec bad[2] = { { "ok", 2 }, { m + 4096, 10 } };
	got = writev(a, bad, 2);
	CHECK(got == 2, "writev whose second buffer is unmapped: the first's 2 bytes (%zd)", got);
	char two[3] = { 0 };
	CHECK(read_all(b, (unsigned char *)two, 2) == 2 && !strcmp(two, "ok"), "they arrive");
	munmap(m, 4096);
	close(a);
	close(b);
}

static void test_udp_write_whole(void)
{
	struct sockaddr_in addr = loopback(7302);
	int r = socket(AF_INET, SOCK_DGRAM, 0), s = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(r >= 0 && s >= 0 && bind(r, (struct sockaddr *)&addr, sizeof(addr)) == 0 &&
	      connect(s, (struct sockaddr *)&addr, sizeof(addr)) == 0, "udp pair");
	static char big[6000], in[8000];
	memset(big, 'u', sizeof(big));
	CHECK(write(s, big, sizeof(big)) == 6000, "write(2) of 6000 bytes on UDP");
	ssize_t n = recv(r, in, sizeof(in), 0);
	CHECK(n == 6000, "one datagram of 6000 bytes arrives (%zd)", n);
	close(r);
	close(s);
}

struct reader {
	int fd;
	long got;
	char byte;
	volatile int started;
};

static void *blocked_reader(void *arg)
{
	struct reader *rd = arg;
	rd->started = 1;
	rd->got = read(rd->fd, &rd->byte, 1);
	return NULL;
}

static void test_close_during_read(void)
{
	int a, b;
	if (tcp_pair(7303, &a, &b)) {
		CHECK(0, "tcp pair");
		return;
	}
	struct reader rd = { .fd = b };
	pthread_t t;
	int cpu = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 1 : 0;
	CHECK(toro_thread_create_on(&t, cpu, blocked_reader, &rd) == 0, "reader on core %d", cpu);
	while (!rd.started)
		usleep(1000);
	usleep(50000); /* most likely blocked in read by now; either way is correct */
	CHECK(close(b) == 0, "close the socket the reader is blocked on");
	errno = 0;
	CHECK(fcntl(b, F_GETFD) == -1 && errno == EBADF, "the descriptor is gone");
	CHECK(write(a, "z", 1) == 1, "the peer writes a byte");
	pthread_join(t, NULL);
	CHECK(rd.got == 1 && rd.byte == 'z', "the blocked read returns it (%ld)", rd.got);
	close(a);
}

/* Threads read a descriptor number while others close it and dup2 a fresh
 * socket onto it: every read gets data, EAGAIN or EBADF, never anything else. */
#define RACE_ROUNDS 400
static int race_fd;
static volatile int race_stop, race_bad;

static void *race_reader(void *arg)
{
	char c;
	while (!race_stop) {
		errno = 0;
		ssize_t r = recv(race_fd, &c, 1, MSG_DONTWAIT);
		if (r < 0 && errno != EAGAIN && errno != EBADF && errno != ENOTCONN)
			race_bad = errno;
	}
	return NULL;
}

static void test_close_race(void)
{
	int a, b;
	if (tcp_pair(7304, &a, &b)) {
		CHECK(0, "tcp pair");
		return;
	}
	race_fd = dup(b);
	pthread_t t[2];
	int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	for (int i = 0; i < 2; i++)
		toro_thread_create_on(&t[i], i % ncpu, race_reader, NULL);
	int ok = 1;
	for (int i = 0; i < RACE_ROUNDS; i++) {
		if (i % 2)
			ok &= close(race_fd) == 0;
		else
			ok &= dup2(b, race_fd) == race_fd;
		if (i % 50 == 0)
			write(a, "x", 1);
	}
	race_stop = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK(ok, "%d closes and dup2s of one number under two readers", RACE_ROUNDS);
	CHECK(race_bad == 0, "every racing read: data, EAGAIN or EBADF (bad errno %d)", race_bad);
	close(race_fd);
	close(a);
	close(b);
}

static void test_epoll_many(void)
{
	int a, b;
	if (tcp_pair(7305, &a, &b)) {
		CHECK(0, "tcp pair");
		return;
	}
	enum { SETS = 8 };
	int ep[SETS], ok = 1;
	for (int i = 0; i < SETS; i++) {
		ep[i] = epoll_create1(0);
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 100 + i };
		ok &= ep[i] >= 0 && epoll_ctl(ep[i], EPOLL_CTL_ADD, b, &ev) == 0;
	}
	CHECK(ok, "%d epoll sets watch one socket", SETS);
	struct epoll_event out;
	int none = 1;
	for (int i = 0; i < SETS; i++)
		none &= epoll_wait(ep[i], &out, 1, 0) == 0;
	CHECK(none, "none is ready before data");
	CHECK(write(a, "e", 1) == 1, "the peer writes");
	int all = 1;
	for (int i = 0; i < SETS; i++) {
		int n = epoll_wait(ep[i], &out, 1, 5000);
		all &= n == 1 && out.data.u32 == (unsigned)(100 + i) && (out.events & EPOLLIN);
	}
	CHECK(all, "every set reports the socket readable with its own data");
	for (int i = 0; i < SETS; i++)
		close(ep[i]);
	close(a);
	close(b);
}

struct ep_waiter {
	int ep;
	int n;
	uint32_t data;
};

static void *ep_blocked(void *arg)
{
	struct ep_waiter *w = arg;
	struct epoll_event out;
	w->n = epoll_wait(w->ep, &out, 1, 20000);
	w->data = out.data.u32;
	return NULL;
}

/* A thread on another core asleep in epoll_wait wakes for its socket: on an
 * instance watching it, and on one holding an instance that watches it. */
static void test_epoll_blocked(int nested)
{
	int a, b;
	if (tcp_pair(7306 + nested, &a, &b)) {
		CHECK(0, "tcp pair");
		return;
	}
	int inner = epoll_create1(0), outer = nested ? epoll_create1(0) : -1;
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 7 };
	CHECK(epoll_ctl(inner, EPOLL_CTL_ADD, b, &ev) == 0, "watch the socket");
	if (nested) {
		ev.data.u32 = 9;
		CHECK(epoll_ctl(outer, EPOLL_CTL_ADD, inner, &ev) == 0, "an instance in an instance");
	}
	struct ep_waiter w = { .ep = nested ? outer : inner, .n = -2 };
	pthread_t t;
	int cpu = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 1 : 0;
	CHECK(toro_thread_create_on(&t, cpu, ep_blocked, &w) == 0, "waiter on core %d", cpu);
	usleep(50000); /* most likely asleep by now; either way is correct */
	CHECK(write(a, "w", 1) == 1, "the peer writes");
	pthread_join(t, NULL);
	CHECK(w.n == 1 && w.data == (nested ? 9u : 7u), "%s epoll_wait wakes with its event (%d)",
	      nested ? "nested" : "blocked", w.n);
	if (nested)
		close(outer);
	close(inner);
	close(a);
	close(b);
}

int main(void)
{
	test_fault_mid_write();
	test_udp_write_whole();
	test_close_during_read();
	test_close_race();
	test_epoll_many();
	test_epoll_blocked(0);
	test_epoll_blocked(1);
	if (failures) {
		printf("%d FAILED\n", failures);
		return 1;
	}
	printf("SUCCESS\n");
	return 0;
}
