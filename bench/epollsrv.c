/* SPDX-License-Identifier: MIT */
/* The minimal epoll server of `make bench`: the least an HTTP server can do,
 * as a yardstick for examples/httpd, one source for Toro (toro-cc) and the
 * Linux guest (musl-gcc -static). One thread per core, each with its own
 * epoll set holding the shared listening socket (level-triggered, accept until
 * EAGAIN) and its own connections. Every request head (up to the blank line)
 * gets the same 200 reply with a BODY-byte body (default 927: the size of
 * httpd's index.html); keep-alive and pipelining, "Connection: close" honoured.
 * No timers, no access log, no request parsing beyond that.
 *   epollsrv [--port N] [--body BYTES]      (prints "listening on port N";
 *                                             --port 0: a free port, the one printed)
 * Threads are placed with toro_thread_create_on and pinned with
 * sched_setaffinity, so the one source places them under both kernels. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <toro/thread.h>

#define MAX_CPUS 64
#define IN_MAX 8192

struct conn {
	int fd;
	size_t in_len;
	char in[IN_MAX];
	char *out;	/* replies not yet written */
	size_t out_len, out_off;
	int closing;	/* close once out is written */
};

static int listen_fd;
static char *reply;
static size_t reply_len;

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void conn_close(int ep, struct conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->out);
	free(c);
}

/* Queues one reply for each whole request head in c->in; -1: no memory or a
 * head too long for the buffer. */
static int take_requests(struct conn *c)
{
	char *start = c->in, *end;

	while ((end = memmem(start, c->in_len - (size_t)(start - c->in), "\r\n\r\n", 4))) {
		char *o = realloc(c->out, c->out_len + reply_len);
		if (!o)
			return -1;
		c->out = o;
		memcpy(c->out + c->out_len, reply, reply_len);
		c->out_len += reply_len;
		*end = '\0';
		if (strcasestr(start, "\nconnection: close"))
			c->closing = 1;
		start = end + 4;
	}
	c->in_len -= (size_t)(start - c->in);
	memmove(c->in, start, c->in_len);
	return c->in_len == IN_MAX ? -1 : 0;
}

/* Writes what is queued; 1: all written, 0: the socket is full, -1: error. */
static int flush(struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		c->out_off += (size_t)n;
	}
	c->out_len = c->out_off = 0;
	return 1;
}

static void conn_event(int ep, struct conn *c)
{
	for (;;) {
		ssize_t n = read(c->fd, c->in + c->in_len, IN_MAX - c->in_len);
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0)
			goto close;
		c->in_len += (size_t)n;
		if (take_requests(c))
			goto close;
	}
	int f = flush(c);
	if (f < 0 || (f == 1 && c->closing))
		goto close;
	struct epoll_event ev = { .events = EPOLLIN | (f ? 0u : EPOLLOUT), .data.ptr = c };
	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
	return;
close:
	conn_close(ep, c);
}

static void accept_all(int ep)
{
	int fd, one = 1;

	while ((fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct conn *c = calloc(1, sizeof(*c));
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (!c || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
			free(c);
			close(fd);
		} else {
			c->fd = fd;
		}
	}
}

static void *loop(void *arg)
{
	int cpu = (int)(long)arg, ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL }, evs[64];

	pin(cpu);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, listen_fd, &ev)) {
		perror("epollsrv: epoll");
		exit(1);
	}
	for (;;) {
		int n = epoll_wait(ep, evs, 64, -1);
		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr)
				conn_event(ep, evs[i].data.ptr);
			else
				accept_all(ep);
		}
	}
	return NULL;
}

static int make_reply(long body)
{
	char head[128];
	int h = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
			 "Content-Length: %ld\r\n\r\n", body);

	reply_len = (size_t)h + (size_t)body;
	reply = malloc(reply_len);
	if (!reply)
		return -1;
	memcpy(reply, head, (size_t)h);
	memset(reply + h, 'x', (size_t)body);
	return 0;
}

int main(int argc, char **argv)
{
	long port = 80, body = 927;
	int one = 1;

	for (int i = 1; i < argc; i += 2) {
		if (i + 1 < argc && !strcmp(argv[i], "--port"))
			port = strtol(argv[i + 1], NULL, 10);
		else if (i + 1 < argc && !strcmp(argv[i], "--body"))
			body = strtol(argv[i + 1], NULL, 10);
		else
			port = -1; /* the usage below */
	}
	if (port < 0 || port > 65535 || body < 0 || body > (1 << 20) || make_reply(body)) {
		fprintf(stderr, "usage: epollsrv [--port 0-65535] [--body 0-1048576]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(listen_fd, 255)) {
		perror("epollsrv: listen");
		return 1;
	}
	socklen_t alen = sizeof(a);
	if (getsockname(listen_fd, (struct sockaddr *)&a, &alen) == 0)
		port = ntohs(a.sin_port);
	int ncpus = toro_cpu_count();
	ncpus = ncpus < 1 ? 1 : ncpus > MAX_CPUS ? MAX_CPUS : ncpus;
	for (int i = 1; i < ncpus; i++) {
		pthread_t t;
		if (toro_thread_create_on(&t, i, loop, (void *)(long)i)) {
			fprintf(stderr, "epollsrv: no thread for core %d\n", i);
			return 1;
		}
	}
	printf("epollsrv: listening on port %ld, %d thread%s\n", port, ncpus, ncpus > 1 ? "s" : "");
	fflush(stdout);
	loop((void *)0L);
	return 0;
}
