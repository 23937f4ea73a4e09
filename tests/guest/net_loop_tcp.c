/* SPDX-License-Identifier: MIT */
/* net_loop_tcp: TCP over 127.0.0.1 inside the guest, no device needed. A
 * server thread echoes 1 MiB byte-exact (with the throughput), then 200
 * connections (100 open at once), shutdown semantics, blocking and
 * non-blocking connect (EINPROGRESS, POLLOUT, SO_ERROR), refused connects,
 * accept4 with SOCK_NONBLOCK, options, names, SO_RCVTIMEO, read/write/readv,
 * and a signal cutting short a blocked accept and recv (EINTR). */
// expect-output: SUCCESS
// reject-output: toro: eth
// machines: microvm q35
// pvh-machines: none
// smp: 1 2
// mem: 64
// timeout: 120
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static int failures;
#define CHECK(c, ...) do { if (c) printf("ok " __VA_ARGS__); else { failures++; printf("FAIL: " __VA_ARGS__); printf(" (errno %d %s)", errno, strerror(errno)); } printf("\n"); } while (0)

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static int listener(int port, int flags)
{
	int s = socket(AF_INET, SOCK_STREAM | flags, 0), one = 1;
	struct sockaddr_in a = loopback(port);
	if (s < 0)
		return -1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 128)) {
		close(s);
		return -1;
	}
	return s;
}

static int connect_to(int port)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = loopback(port);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a))) {
		if (s >= 0)
			close(s);
		return -1;
	}
	return s;
}

/* ---- echo server: one connection at a time, until `stop` ---- */

static int echo_port = 7001;
static volatile int echo_stop;

static void *echo_server(void *arg)
{
	int l = *(int *)arg;
	static char buf[16384];
	for (;;) {
		int c = accept(l, NULL, NULL);
		if (c < 0)
			break;
		ssize_t n;
		while ((n = recv(c, buf, sizeof(buf), 0)) > 0) {
			ssize_t off = 0;
			while (off < n) {
				ssize_t w = send(c, buf + off, (size_t)(n - off), MSG_NOSIGNAL);
				if (w <= 0)
					break;
				off += w;
			}
		}
		close(c);
		if (echo_stop)
			break;
	}
	return NULL;
}

#define BIG (1 << 20)
static unsigned char out[BIG], in[BIG];

static void *bulk_sender(void *arg)
{
	int s = *(int *)arg;
	size_t off = 0;
	while (off < BIG) {
		size_t chunk = BIG - off < 30000 ? BIG - off : 30000;
		ssize_t n = send(s, out + off, chunk, 0);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	shutdown(s, SHUT_WR);
	return NULL;
}

static void test_echo_1mb(void)
{
	pthread_t t;
	for (int i = 0; i < BIG; i++)
		out[i] = (unsigned char)(i * 131 + (i >> 9));
	int s = connect_to(echo_port);
	CHECK(s >= 0, "connect to the echo server");
	if (s < 0)
		return;
	double t0 = now_ms();
	pthread_create(&t, NULL, bulk_sender, &s);
	size_t got = 0;
	ssize_t n;
	while ((n = recv(s, in + got, BIG - got < 20000 ? BIG - got : 20000, 0)) > 0)
		got += (size_t)n;
	double ms = now_ms() - t0;
	pthread_join(t, NULL);
	CHECK(n == 0 && got == BIG && !memcmp(in, out, BIG),
	      "1 MiB echoed byte-exact: %zu bytes in %.0f ms, %.1f MB/s each way", got, ms,
	      BIG / 1e3 / (ms > 0 ? ms : 1));
	close(s);
}

/* ---- 200 connections, 100 open at once ---- */

static void test_many(void)
{
	int fds[100], ok = 0;
	double t0 = now_ms();
	for (int round = 0; round < 2; round++) {
		int opened = 0;
		for (int i = 0; i < 100; i++) {
			fds[i] = connect_to(echo_port + 1);
			opened += fds[i] >= 0;
		}
		for (int i = 0; i < 100; i++) {
			char msg[16], back[16];
			int len = snprintf(msg, sizeof(msg), "c%d-%d", round, i);
			if (fds[i] < 0)
				continue;
			if (write(fds[i], msg, (size_t)len) == len && read(fds[i], back, sizeof(back)) == len &&
			    !memcmp(msg, back, (size_t)len))
				ok++;
		}
		for (int i = 0; i < 100; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		if (opened != 100)
			printf("round %d: %d of 100 opened\n", round, opened);
	}
	CHECK(ok == 200, "200 connections answered (%d), %.0f ms", ok, now_ms() - t0);
}

/* The server of test_many: a poll loop over every connection. */
static void *poll_server(void *arg)
{
	int l = *(int *)arg;
	struct pollfd p[128];
	int n = 1, served = 0;
	p[0] = (struct pollfd){ l, POLLIN, 0 };
	while (served < 200) {
		if (poll(p, (nfds_t)n, 10000) <= 0)
			break;
		if ((p[0].revents & POLLIN) && n < 128) {
			int c = accept4(l, NULL, NULL, SOCK_NONBLOCK);
			if (c >= 0)
				p[n++] = (struct pollfd){ c, POLLIN, 0 };
		}
		for (int i = 1; i < n; i++) {
			if (!p[i].revents)
				continue;
			char buf[64];
			ssize_t r = read(p[i].fd, buf, sizeof(buf));
			if (r > 0) {
				write(p[i].fd, buf, (size_t)r);
				continue;
			}
			if (r < 0 && errno == EAGAIN)
				continue;
			close(p[i].fd);
			served++;
			p[i--] = p[--n];
		}
	}
	for (int i = 1; i < n; i++)
		close(p[i].fd);
	return NULL;
}

/* ---- shutdown ---- */

static void *shut_server(void *arg)
{
	int l = *(int *)arg;
	int c = accept(l, NULL, NULL);
	char buf[64];
	size_t got = 0;
	ssize_t n;
	while ((n = read(c, buf + got, sizeof(buf) - got)) > 0)
		got += (size_t)n;
	/* EOF from the client's SHUT_WR; the server can still answer. */
	char reply[80];
	int len = snprintf(reply, sizeof(reply), "got %zu: %.*s", got, (int)got, buf);
	write(c, reply, (size_t)len);
	close(c);
	return NULL;
}

static void test_shutdown(int port)
{
	pthread_t t;
	int l = listener(port, 0);
	pthread_create(&t, NULL, shut_server, &l);
	int s = connect_to(port);
	CHECK(write(s, "hello", 5) == 5, "write before shutdown");
	CHECK(shutdown(s, SHUT_WR) == 0, "shutdown(SHUT_WR)");
	CHECK(send(s, "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE, "send after SHUT_WR: EPIPE");
	char buf[80] = { 0 };
	size_t got = 0;
	ssize_t n;
	while ((n = read(s, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	CHECK(n == 0 && !strcmp(buf, "got 5: hello"), "half-closed: the reply arrives, then EOF ('%s')", buf);
	CHECK(read(s, buf, 1) == 0, "EOF again");
	struct pollfd pf = { s, POLLIN | POLLOUT | POLLRDHUP, 0 };
	CHECK(poll(&pf, 1, 0) == 1 && (pf.revents & POLLIN) && (pf.revents & POLLHUP),
	      "poll after both sides closed: POLLIN|POLLHUP (%#x)", pf.revents);
	close(s);
	pthread_join(t, NULL);
	close(l);
	s = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(shutdown(s, SHUT_RDWR) == -1 && errno == ENOTCONN, "shutdown unconnected: ENOTCONN");
	CHECK(shutdown(s, 7) == -1 && errno == EINVAL, "shutdown(7): EINVAL");
	close(s);
}

/* ---- connect: non-blocking, refused; accept4 ---- */

static void test_connect(int port)
{
	int l = listener(port, SOCK_NONBLOCK);
	CHECK(l >= 0, "listener with SOCK_NONBLOCK");
	CHECK(accept(l, NULL, NULL) == -1 && errno == EAGAIN, "accept with nothing pending: EAGAIN");

	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	CHECK(fcntl(s, F_GETFD) == FD_CLOEXEC && (fcntl(s, F_GETFL) & O_NONBLOCK), "SOCK_NONBLOCK|SOCK_CLOEXEC");
	struct sockaddr_in a = loopback(port);
	int r = connect(s, (struct sockaddr *)&a, sizeof(a));
	CHECK(r == 0 || errno == EINPROGRESS, "non-blocking connect: EINPROGRESS");
	struct pollfd pf = { s, POLLOUT, 0 };
	CHECK(poll(&pf, 1, 5000) == 1 && pf.revents == POLLOUT, "then writable (%#x)", pf.revents);
	int err = -1;
	socklen_t len = sizeof(err);
	CHECK(getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0, "SO_ERROR 0");
	pf = (struct pollfd){ l, POLLIN, 0 };
	CHECK(poll(&pf, 1, 5000) == 1, "listener readable");
	struct sockaddr_in peer;
	socklen_t plen = sizeof(peer);
	int c = accept4(l, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK);
	CHECK(c >= 0 && (fcntl(c, F_GETFL) & O_NONBLOCK) && plen == sizeof(peer) &&
	      peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK), "accept4 SOCK_NONBLOCK, peer 127.0.0.1:%d",
	      ntohs(peer.sin_port));
	char b;
	CHECK(read(c, &b, 1) == -1 && errno == EAGAIN, "accepted socket non-blocking: EAGAIN");
	struct sockaddr_in me;
	socklen_t mlen = sizeof(me);
	CHECK(getsockname(s, (struct sockaddr *)&me, &mlen) == 0 && me.sin_port == peer.sin_port,
	      "getsockname matches the peer the server saw");
	mlen = sizeof(me);
	CHECK(getpeername(s, (struct sockaddr *)&me, &mlen) == 0 && ntohs(me.sin_port) == port,
	      "getpeername: the server's port");
	int one = 1, v = 0;
	len = sizeof(v);
	CHECK(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0 &&
	      getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0 && v == 1, "TCP_NODELAY");
	len = sizeof(v);
	CHECK(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)) == 0 &&
	      getsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, &len) == 0 && v == 1, "SO_KEEPALIVE");
	len = sizeof(v);
	CHECK(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len) == 0 && v == SOCK_STREAM, "SO_TYPE");
	len = sizeof(v);
	CHECK(getsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, &len) == 0 && v > 0, "SO_RCVBUF %d", v);
	struct linger lg = { 1, 0 };
	CHECK(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0, "SO_LINGER accepted");
	CHECK(setsockopt(s, SOL_SOCKET, 12345, &one, sizeof(one)) == -1 && errno == ENOPROTOOPT,
	      "unknown option: ENOPROTOOPT");
	CHECK(write(s, "abc", 3) == 3, "write");
	pf = (struct pollfd){ c, POLLIN, 0 };
	poll(&pf, 1, 5000);
	int avail = 0;
	CHECK(ioctl(c, FIONREAD, &avail) == 0 && avail == 3, "FIONREAD 3 (%d)", avail);
	char peek[4] = { 0 };
	CHECK(recv(c, peek, 3, MSG_PEEK) == 3 && !memcmp(peek, "abc", 3), "MSG_PEEK");
	struct iovec iov[2] = { { peek, 1 }, { peek + 1, 2 } };
	memset(peek, 0, sizeof(peek));
	CHECK(readv(c, iov, 2) == 3 && !memcmp(peek, "abc", 3), "readv after the peek");
	struct timeval tv = { 0, 50000 };
	int cb = fcntl(c, F_GETFL);
	fcntl(c, F_SETFL, cb & ~O_NONBLOCK);
	CHECK(setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0, "SO_RCVTIMEO 50 ms");
	double t0 = now_ms();
	CHECK(recv(c, peek, 1, 0) == -1 && errno == EAGAIN && now_ms() - t0 >= 45, "recv timed out: EAGAIN");
	close(c);
	close(s);
	close(l);

	/* Nobody listens: refused, blocking and not. */
	s = socket(AF_INET, SOCK_STREAM, 0);
	a = loopback(port + 50);
	CHECK(connect(s, (struct sockaddr *)&a, sizeof(a)) == -1 && errno == ECONNREFUSED, "refused: ECONNREFUSED");
	close(s);
	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	r = connect(s, (struct sockaddr *)&a, sizeof(a));
	pf = (struct pollfd){ s, POLLOUT, 0 };
	CHECK(r == -1 && errno == EINPROGRESS && poll(&pf, 1, 5000) == 1 && (pf.revents & POLLERR),
	      "non-blocking refused: POLLERR (%#x)", pf.revents);
	len = sizeof(err);
	CHECK(getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == ECONNREFUSED, "SO_ERROR ECONNREFUSED");
	close(s);
	/* Only the loopback network is reachable without a device. */
	s = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_addr.s_addr = inet_addr("10.0.2.2");
	CHECK(connect(s, (struct sockaddr *)&a, sizeof(a)) == -1 && errno == ENETUNREACH, "10.0.2.2: ENETUNREACH");
	a.sin_addr.s_addr = inet_addr("10.0.2.15");
	CHECK(bind(s, (struct sockaddr *)&a, sizeof(a)) == -1 && errno == EADDRNOTAVAIL, "bind 10.0.2.15: EADDRNOTAVAIL");
	CHECK(bind(s, (struct sockaddr *)8, sizeof(a)) == -1 && errno == EFAULT, "bind(bad pointer): EFAULT");
	CHECK(bind(s, (struct sockaddr *)&a, 3) == -1 && errno == EINVAL, "bind short address: EINVAL");
	close(s);
	CHECK(socket(AF_INET6, SOCK_STREAM, 0) == -1 && errno == EAFNOSUPPORT, "AF_INET6: EAFNOSUPPORT");
	CHECK(socket(AF_INET, SOCK_RAW, 1) == -1, "SOCK_RAW refused");
	CHECK(listen(1, 5) == -1 && errno == ENOTSOCK, "listen on the console: ENOTSOCK");
}

/* ---- a signal cuts short blocking accept, recv and connect waits ---- */

static volatile int usr1_hits;
static void on_usr1(int sig) { (void)sig; usr1_hits++; }

static void *block_recv(void *arg)
{
	char c;
	int r = (int)recv(*(int *)arg, &c, 1, 0);
	return (void *)(long)(r == -1 && errno == EINTR);
}

static void *block_accept(void *arg)
{
	int r = accept(*(int *)arg, NULL, NULL);
	return (void *)(long)(r == -1 && errno == EINTR);
}

static void test_eintr(int port)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	int l = listener(port, 0);
	pthread_t t;
	void *ok;
	pthread_create(&t, NULL, block_accept, &l);
	usleep(30000);
	pthread_kill(t, SIGUSR1);
	pthread_join(t, &ok);
	CHECK(ok && usr1_hits == 1, "blocked accept: EINTR after the handler");
	int s = connect_to(port);
	int c = accept(l, NULL, NULL);
	pthread_create(&t, NULL, block_recv, &s);
	usleep(30000);
	pthread_kill(t, SIGUSR1);
	pthread_join(t, &ok);
	CHECK(ok && usr1_hits == 2, "blocked recv: EINTR after the handler");
	CHECK(write(c, "z", 1) == 1, "the connection still works");
	char z = 0;
	CHECK(read(s, &z, 1) == 1 && z == 'z', "and reads");
	close(c);
	close(s);
	close(l);
}

int main(void)
{
	pthread_t echo, many;
	signal(SIGPIPE, SIG_IGN);
	int l = listener(echo_port, 0);
	CHECK(l >= 0, "listen on 127.0.0.1:%d", echo_port);
	int l2 = listener(echo_port + 1, 0);
	pthread_create(&echo, NULL, echo_server, &l);
	pthread_create(&many, NULL, poll_server, &l2);
	test_echo_1mb();
	test_many();
	echo_stop = 1;
	pthread_join(many, NULL);
	close(l2);
	int s = connect_to(echo_port); /* lets the echo server see echo_stop */
	close(s);
	pthread_join(echo, NULL);
	close(l);
	test_shutdown(7100);
	test_connect(7200);
	test_eintr(7300);
	if (failures) {
		printf("%d checks failed\n", failures);
		return 1;
	}
	printf("SUCCESS\n");
	return 0;
}
