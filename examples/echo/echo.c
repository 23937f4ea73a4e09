/* SPDX-License-Identifier: MIT */
/*
 * echo: a TCP echo server (RFC 862) on port 7 unless --port says otherwise.
 * Non-blocking sockets and edge-triggered epoll, one thread per core, all
 * sharing one listening socket; whatever a client sends comes back, and when
 * it closes its side the server closes once the last byte is sent. --quiet
 * leaves out the console line per connection.
 *   bin/toro run --smp 2 --net user:18007:7 build/examples/echo.elf
 *   nc 127.0.0.1 18007
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <toro/thread.h>

#define ECHO_BUF 16384
#define ECHO_MAX_CPUS 64

struct conn {
	int fd;
	bool eof;            /* the client sent FIN: close once all is echoed */
	size_t len, off;     /* buf[off..len) is still to be sent */
	unsigned long long bytes;
	char buf[ECHO_BUF];
};

static int listen_fd;
static bool quiet;

static void conn_close(struct conn *c)
{
	if (!quiet)
		printf("echo: connection closed after %llu bytes\n", c->bytes);
	close(c->fd);
	free(c);
}

/* Moves bytes until the socket says EAGAIN in the direction that blocks us.
 * Edge-triggered: an event comes only on a change, so every pass runs until
 * then. Returns false when the connection is done. */
static bool pump(struct conn *c)
{
	for (;;) {
		if (c->off < c->len) {
			ssize_t w = send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);
			if (w < 0)
				return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
			c->off += (size_t)w;
			c->bytes += (unsigned long long)w;
			continue;
		}
		c->off = c->len = 0;
		if (c->eof)
			return false;
		ssize_t n = recv(c->fd, c->buf, sizeof(c->buf), 0);
		if (n > 0)
			c->len = (size_t)n;
		else if (n == 0)
			c->eof = true;
		else
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
	}
}

static void accept_all(int ep)
{
	for (;;) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return; /* EAGAIN: none left, or another core took it */
		struct conn *c = calloc(1, sizeof(*c));
		struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
					  .data.ptr = c };
		if (!c || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			free(c);
			continue;
		}
		c->fd = fd;
		if (!quiet)
			printf("echo: connection on core %d\n", toro_current_cpu());
	}
}

static void *serve(void *arg)
{
	(void)arg;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data.ptr = NULL }, evs[64];
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, listen_fd, &ev)) {
		perror("echo: epoll");
		exit(1);
	}
	for (;;) {
		int n = epoll_wait(ep, evs, 64, -1);
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			if (!c)
				accept_all(ep);
			else if (!pump(c))
				conn_close(c); /* close() also takes it out of the epoll set */
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int port = 7, one = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quiet")) {
			quiet = true;
		} else if (!strcmp(argv[i], "--port") && i + 1 < argc && atoi(argv[i + 1]) > 0 &&
			   atoi(argv[i + 1]) < 65536) {
			port = atoi(argv[++i]);
		} else {
			fprintf(stderr, "usage: echo [--port N] [--quiet]\n");
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(listen_fd, 255)) {
		fprintf(stderr, "echo: port %d: %s\n", port, strerror(errno));
		return 1;
	}
	int ncpus = toro_cpu_count();
	if (ncpus > ECHO_MAX_CPUS)
		ncpus = ECHO_MAX_CPUS;
	for (int i = 1; i < ncpus; i++) {
		pthread_t t;
		if (toro_thread_create_on(&t, i, serve, NULL))
			fprintf(stderr, "echo: no thread on core %d\n", i);
	}
	printf("echo: listening on port %d, %d thread%s (one per core)\n", port, ncpus,
	       ncpus > 1 ? "s" : "");
	serve(NULL);
	return 0;
}
