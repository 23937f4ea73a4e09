/* SPDX-License-Identifier: MIT */
/* socketpair: AF_UNIX pairs within the VM. SOCK_STREAM: bytes both ways,
 * poll/epoll readiness (POLLIN after a write, POLLOUT while there is room,
 * POLLRDHUP/POLLHUP after the peer goes), FIONREAD, SOCK_NONBLOCK EAGAIN
 * when empty and when full, SOCK_CLOEXEC, shutdown(SHUT_WR) = end of file for
 * the peer while it can still write back, close = end of file, a write to a
 * closed peer EPIPE (SIGPIPE ignored); 4 MiB through the pair between two
 * threads with a checksum. SOCK_DGRAM and SOCK_SEQPACKET: message boundaries
 * kept, a short read takes one message and drops the rest, FIONREAD gives the
 * next datagram's length (all queued bytes for SOCK_SEQPACKET). Bad domain, type and protocol refused. Also on
 * Linux (host-args). */
// expect-output: SUCCESS
// reject-output: FAIL
// machines: microvm q35
// pvh-machines: none
// smp: 1 2
// timeout: 120
// host-args: -
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "check.h"

static short revents(int fd)
{
	struct pollfd p = { fd, POLLIN | POLLOUT | POLLRDHUP, 0 };
	return poll(&p, 1, 0) >= 0 ? p.revents : -1;
}

static void check_stream(void)
{
	int sv[2];
	char buf[64];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	CHECK(fcntl(sv[0], F_GETFD) == FD_CLOEXEC && fcntl(sv[1], F_GETFD) == FD_CLOEXEC);
	struct stat st;
	CHECK(fstat(sv[0], &st) == 0 && S_ISSOCK(st.st_mode));
	CHECK(revents(sv[0]) == POLLOUT);
	CHECK(write(sv[0], "hello", 5) == 5);
	CHECK(revents(sv[1]) == (POLLIN | POLLOUT));
	int n = -1;
	CHECK(ioctl(sv[1], FIONREAD, &n) == 0 && n == 5);
	CHECK(read(sv[1], buf, sizeof(buf)) == 5 && memcmp(buf, "hello", 5) == 0);
	CHECK(write(sv[1], "back", 4) == 4);
	CHECK(read(sv[0], buf, 2) == 2 && read(sv[0], buf + 2, 10) == 2 &&
	      memcmp(buf, "back", 4) == 0);

	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.u32 = 1 }, out[2];
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &ev) == 0);
	CHECK(epoll_wait(ep, out, 2, 0) == 0);
	CHECK(write(sv[0], "x", 1) == 1);
	CHECK(epoll_wait(ep, out, 2, 5000) == 1 && (out[0].events & EPOLLIN));
	CHECK(read(sv[1], buf, 1) == 1);

	/* Half close: the peer reads end of file and can still answer. */
	CHECK(shutdown(sv[0], SHUT_WR) == 0);
	CHECK(epoll_wait(ep, out, 2, 5000) == 1 && (out[0].events & (EPOLLIN | EPOLLRDHUP)));
	CHECK(read(sv[1], buf, sizeof(buf)) == 0);
	CHECK(write(sv[1], "ok", 2) == 2);
	CHECK(read(sv[0], buf, sizeof(buf)) == 2);
	CHECK_ERR(write(sv[0], "y", 1), EPIPE);
	CHECK_ERR(shutdown(sv[0], 7), EINVAL);
	CHECK_ERR(shutdown(0, SHUT_RD), ENOTSOCK);
	close(ep);

	/* Close: end of file, and EPIPE for a writer. */
	close(sv[0]);
	CHECK(read(sv[1], buf, sizeof(buf)) == 0);
	CHECK(revents(sv[1]) & (POLLIN | POLLHUP));
	CHECK_ERR(write(sv[1], "z", 1), EPIPE);
	close(sv[1]);
}

static void check_nonblock(void)
{
	int sv[2];
	static char big[8192];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	CHECK_ERR(read(sv[0], big, 1), EAGAIN);
	long total = 0, w;
	while ((w = write(sv[0], big, sizeof(big))) > 0 && total < (64 << 20))
		total += w;
	CHECK(w == -1 && errno == EAGAIN);
	CHECK(!(revents(sv[0]) & POLLOUT));
	printf("stream: %ld bytes buffered before EAGAIN\n", total);
	long got = 0, r;
	while ((r = read(sv[1], big, sizeof(big))) > 0)
		got += r;
	CHECK(got == total);
	CHECK(revents(sv[0]) & POLLOUT);
	close(sv[0]);
	close(sv[1]);
}

#define BULK (4 << 20)
static int bulk_fd;
static void *bulk_writer(void *arg)
{
	static uint8_t chunk[3000];
	uint32_t seq = 0;
	long sent = 0;
	(void)arg;
	while (sent < BULK) {
		size_t n = sizeof(chunk) < (size_t)(BULK - sent) ? sizeof(chunk) : (size_t)(BULK - sent);
		for (size_t i = 0; i < n; i++)
			chunk[i] = (uint8_t)(seq++ * 7);
		size_t off = 0;
		while (off < n) {
			ssize_t w = write(bulk_fd, chunk + off, n - off);
			if (w <= 0)
				return (void *)1;
			off += (size_t)w;
		}
		sent += (long)n;
	}
	close(bulk_fd);
	return NULL;
}

static void check_bulk(void)
{
	int sv[2];
	pthread_t t;
	static uint8_t buf[5000];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	bulk_fd = sv[0];
	CHECK(pthread_create(&t, NULL, bulk_writer, NULL) == 0);
	uint32_t seq = 0;
	long got = 0, bad = 0, r;
	while ((r = read(sv[1], buf, sizeof(buf))) > 0) {
		for (long i = 0; i < r; i++)
			bad += buf[i] != (uint8_t)(seq++ * 7);
		got += r;
	}
	void *res = (void *)2;
	CHECK(pthread_join(t, &res) == 0 && res == NULL);
	printf("stream: %ld bytes between threads, %ld wrong\n", got, bad);
	CHECK(r == 0 && got == BULK && bad == 0);
	close(sv[1]);
}

static void check_dgram(int type)
{
	int sv[2];
	char buf[64];
	CHECK(socketpair(AF_UNIX, type | SOCK_NONBLOCK, 0, sv) == 0);
	CHECK(write(sv[0], "one", 3) == 3);
	CHECK(write(sv[0], "second", 6) == 6);
	CHECK(write(sv[0], "", 0) == 0);
	CHECK(write(sv[0], "third message", 13) == 13);
	int n = -1;
	/* The next datagram's length; all that is queued for a seqpacket pair. */
	CHECK(ioctl(sv[1], FIONREAD, &n) == 0 && n == (type == SOCK_DGRAM ? 3 : 22));
	CHECK(read(sv[1], buf, sizeof(buf)) == 3 && memcmp(buf, "one", 3) == 0);
	CHECK(read(sv[1], buf, sizeof(buf)) == 6 && memcmp(buf, "second", 6) == 0);
	CHECK(read(sv[1], buf, sizeof(buf)) == 0);
	CHECK(read(sv[1], buf, 5) == 5 && memcmp(buf, "third", 5) == 0);
	CHECK_ERR(read(sv[1], buf, sizeof(buf)), EAGAIN);
	static char msg[4096];
	memset(msg, 'm', sizeof(msg));
	CHECK(write(sv[1], msg, sizeof(msg)) == (long)sizeof(msg));
	memset(msg, 0, sizeof(msg));
	CHECK(read(sv[0], msg, sizeof(msg)) == (long)sizeof(msg) && msg[4095] == 'm');
	CHECK(write(sv[1], "reply", 5) == 5);
	CHECK(read(sv[0], buf, sizeof(buf)) == 5);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	check_stream();
	check_nonblock();
	check_bulk();
	check_dgram(SOCK_DGRAM);
	check_dgram(SOCK_SEQPACKET);
	int sv[2];
	CHECK_ERR(socketpair(AF_INET, SOCK_STREAM, 0, sv), EOPNOTSUPP);
	CHECK_ERR(socketpair(AF_UNIX, SOCK_STREAM, 99, sv), EPROTONOSUPPORT);
	if (failures) {
		printf("FAILED: %d checks\n", failures);
		return 1;
	}
	printf("SUCCESS\n");
	return 0;
}
