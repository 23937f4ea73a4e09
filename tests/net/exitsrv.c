/* SPDX-License-Identifier: MIT */
/*
 * exitsrv: the guest half of tests/net/exitdrain.sh. A non-blocking,
 * edge-triggered epoll server that answers every client at once with a
 * 16-byte header ("exitsrv NNNNNNN\n", the body's length) and a body of up to
 * 1 MiB in a pattern the client checks, closes the connection when the last
 * byte is written and, after its last client, returns from main straight
 * away: the kernel must still deliver what the closed sockets hold. With
 * --leave-open it does not close them at all: the exit does, as on Linux.
 *   exitsrv [--port N] [--clients N] [--leave-open]    (8000 and 30 by default)
 * Builds for Linux too (gcc -O2 tests/net/exitsrv.c).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define HDR 16
#define MAX_BODY (1u << 20)
#define CHUNK 65536

struct conn {
	int fd;
	size_t len, off;      /* bytes of header + body, bytes written */
	char hdr[HDR + 1];
};

/* Byte i of every body: the client computes the same. */
static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 31 + (i >> 12));
}

static unsigned char body[MAX_BODY];

/* Writes until EAGAIN; 1 when everything is written, 0 to wait, -1 on error. */
static int pump(struct conn *c)
{
	while (c->off < c->len) {
		const void *p;
		size_t n;
		if (c->off < HDR) {
			p = c->hdr + c->off;
			n = HDR - c->off;
		} else {
			p = body + (c->off - HDR);
			n = c->len - c->off < CHUNK ? c->len - c->off : CHUNK;
		}
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
		if (w < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		c->off += (size_t)w;
	}
	return 1;
}

static int listen_on(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 64)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Accepts what waits; each new connection gets its answer's size. */
static void accept_all(int lfd, int ep, int *accepted)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
		if (fd < 0)
			return;
		struct conn *c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		/* Up to 1 MiB: every client a different size, the first 1 MiB. */
		size_t blen = MAX_BODY - ((size_t)*accepted * 40961) % 65536;
		(*accepted)++;
		c->fd = fd;
		c->len = HDR + blen;
		snprintf(c->hdr, sizeof(c->hdr), "exitsrv %7zu\n", blen);
		struct epoll_event ev = { .events = EPOLLOUT | EPOLLET, .data.ptr = c };
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			free(c);
		}
	}
}

int main(int argc, char **argv)
{
	int port = 8000, clients = 30, accepted = 0, done = 0, failed = 0, leave_open = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--leave-open"))
			leave_open = 1;
		else if (!strcmp(argv[i], "--port") && i + 1 < argc)
			port = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--clients") && i + 1 < argc)
			clients = atoi(argv[++i]);
	}
	for (size_t i = 0; i < MAX_BODY; i++)
		body[i] = pattern(i);
	int lfd = listen_on(port), ep = epoll_create1(0);
	if (lfd < 0 || ep < 0) {
		perror("exitsrv: listen");
		return 1;
	}
	struct epoll_event lev = { .events = EPOLLIN | EPOLLET, .data.ptr = NULL };
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
	printf("exitsrv: listening on %d for %d clients\n", port, clients);
	fflush(stdout);
	while (done < clients) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, -1);
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			if (!c) {
				accept_all(lfd, ep, &accepted);
				continue;
			}
			int r = pump(c);
			if (r == 0)
				continue;
			failed += r < 0;
			done++;
			epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
			if (!leave_open)
				close(c->fd); /* what is still in flight is the kernel's to deliver */
			free(c);
		}
	}
	printf("exitsrv: %d clients answered, %d failed; returning from main%s\n", done, failed,
	       leave_open ? " with their connections open" : "");
	return failed ? 1 : 0;
}
