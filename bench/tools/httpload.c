/* SPDX-License-Identifier: MIT */
/* httpload: N HTTP/1.1 GETs of PATH, one after the other on one keep-alive
 * connection to 127.0.0.1:PORT, each reply read whole (its Content-Length)
 * before the next request goes out. Prints one line:
 *   requests=N bytes=B us=T
 * (B: body bytes received, T: microseconds from connect to the last byte,
 * CLOCK_MONOTONIC). Exit status 1 on any error (refused, closed early, a
 * status other than 200, no Content-Length, no byte for -t seconds).
 * Used by make bench for the instructions-per-request row (a fixed number of
 * requests) and the bulk download (one request for /bulk).
 * Usage: httpload -p PORT [-n N] [-P PATH] [-t SECONDS] */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF (256 * 1024)

static int timeout_ms = 30000;
static char buf[BUF];
static size_t have;	/* bytes in buf not yet consumed */

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void fail(const char *what)
{
	fprintf(stderr, "httpload: %s\n", what);
	exit(1);
}

/* Reads more into buf (at most `room` bytes); fails on EOF, error or timeout. */
static size_t fill(int fd, size_t room)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, timeout_ms) != 1)
		fail("no reply within the timeout");
	n = read(fd, buf + have, room);
	if (n <= 0)
		fail(n ? strerror(errno) : "connection closed before the reply was whole");
	return (size_t)n;
}

/* Reads one reply; returns its body length. */
static uint64_t read_reply(int fd)
{
	char *end;
	uint64_t len, got;

	while (!(end = memmem(buf, have, "\r\n\r\n", 4))) {
		if (have == BUF)
			fail("reply head too long");
		have += fill(fd, BUF - have);
	}
	*end = '\0';
	if (strncmp(buf, "HTTP/1.1 200 ", 13) && strncmp(buf, "HTTP/1.0 200 ", 13))
		fail("status is not 200");
	char *cl = strcasestr(buf, "\r\ncontent-length:");
	if (!cl)
		fail("no Content-Length");
	len = strtoull(cl + 17, NULL, 10);
	size_t head = (size_t)(end + 4 - buf), in_buf = have - head;
	got = in_buf < len ? in_buf : len;
	memmove(buf, buf + head + got, have - head - got);
	have -= head + got;
	while (got < len) {
		/* The body goes through buf and is dropped: only its length counts. */
		uint64_t want = len - got < BUF ? len - got : BUF;
		have = 0;
		got += fill(fd, want);
	}
	have = 0;
	return len;
}

int main(int argc, char **argv)
{
	int port = 0, opt, one = 1;
	long n = 1;
	const char *path = "/";
	char req[1200];

	while ((opt = getopt(argc, argv, "p:n:P:t:")) != -1) {
		switch (opt) {
		case 'p': port = atoi(optarg); break;
		case 'n': n = atol(optarg); break;
		case 'P': path = optarg; break;
		case 't': timeout_ms = atoi(optarg) * 1000; break;
		default: port = 0; n = 0; break;
		}
	}
	if (port < 1 || port > 65535 || n < 1 || strlen(path) > 1000 || timeout_ms < 1000) {
		fprintf(stderr, "usage: httpload -p PORT [-n N] [-P PATH] [-t SECONDS]\n");
		return 64;
	}
	int rl = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: bench\r\n\r\n", path);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int64_t t0 = now_us();
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)))
		fail(strerror(errno));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	uint64_t bytes = 0;
	for (long i = 0; i < n; i++) {
		if (write(fd, req, (size_t)rl) != rl)
			fail("request not sent");
		bytes += read_reply(fd);
	}
	printf("requests=%ld bytes=%llu us=%lld\n", n, (unsigned long long)bytes,
	       (long long)(now_us() - t0));
	close(fd);
	return 0;
}
