/* SPDX-License-Identifier: MIT */
/* accept_emfile: accept with every descriptor taken fails with EMFILE and
 * loses nothing: the connection stays queued (as on Linux) and is accepted
 * whole once a descriptor is free, its bytes both ways intact. Before, the
 * kernel took the connection off the queue, found no descriptor for it and
 * closed it (the client saw a reset; a server out of descriptors lost every
 * connection it tried to accept). Over 127.0.0.1, no device needed. */
// expect-output: SUCCESS
// machines: microvm pc
// pvh-machines: none
// smp: 1 2
// mem: 32
// timeout: 60
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int failures;
#define CHECK(c, ...) do { if (c) printf("ok " __VA_ARGS__); else { failures++; printf("FAIL: " __VA_ARGS__); printf(" (errno %d %s)", errno, strerror(errno)); } printf("\n"); } while (0)

#define PORT 7100
#define MAX_FILL 4096

static int fill[MAX_FILL];

/* A connection to the listener, established (on the listener's queue). */
static int connect_to(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (c < 0)
		return -1;
	if (connect(c, (struct sockaddr *)&a, sizeof(a)) && errno != EINPROGRESS)
		return -1;
	struct pollfd p = { c, POLLOUT, 0 };
	int err = -1;
	socklen_t len = sizeof(err);
	if (poll(&p, 1, 5000) != 1 || getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len) || err)
		return -1;
	return c;
}

/* Descriptors taken until EMFILE: how many. */
static int fill_table(void)
{
	int n = 0;
	while (n < MAX_FILL) {
		int fd = open("/dev/null", O_RDONLY);
		if (fd < 0)
			break;
		fill[n++] = fd;
	}
	CHECK(n > 0 && n < MAX_FILL && errno == EMFILE, "open until EMFILE: %d more descriptors", n);
	return n;
}

/* The accepted connection carries bytes both ways. */
static void round_trip(int s, int c)
{
	char buf[8] = "";
	CHECK(send(c, "ping", 4, 0) == 4, "client sends");
	struct pollfd p = { s, POLLIN, 0 };
	CHECK(poll(&p, 1, 5000) == 1 && recv(s, buf, sizeof(buf), 0) == 4 && !memcmp(buf, "ping", 4),
	      "the accepted connection reads what the client sent");
	CHECK(send(s, "pong", 4, 0) == 4, "server answers");
	p = (struct pollfd){ c, POLLIN, 0 };
	memset(buf, 0, sizeof(buf));
	CHECK(poll(&p, 1, 5000) == 1 && recv(c, buf, sizeof(buf), 0) == 4 && !memcmp(buf, "pong", 4),
	      "the client reads the answer: its connection was never reset");
}

int main(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	CHECK(l >= 0 && !bind(l, (struct sockaddr *)&a, sizeof(a)) && !listen(l, 8), "listening");
	int c = connect_to();
	CHECK(c >= 0, "a client connected");
	int n = fill_table();

	errno = 0;
	CHECK(accept4(l, NULL, NULL, SOCK_NONBLOCK) < 0 && errno == EMFILE, "accept4: EMFILE");
	errno = 0;
	CHECK(accept(l, NULL, NULL) < 0 && errno == EMFILE, "accept: EMFILE again");
	struct pollfd p = { l, POLLIN, 0 };
	CHECK(poll(&p, 1, 0) == 1 && (p.revents & POLLIN), "the listener still has it waiting");
	char byte;
	errno = 0;
	CHECK(recv(c, &byte, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN,
	      "the client's connection is neither closed nor reset");

	close(fill[--n]);
	int s = accept4(l, NULL, NULL, SOCK_NONBLOCK);
	CHECK(s >= 0, "with one descriptor free, accept4 takes the connection");
	if (s >= 0)
		round_trip(s, c);
	errno = 0;
	CHECK(accept4(l, NULL, NULL, SOCK_NONBLOCK) < 0 && errno == EMFILE,
	      "the table full again: EMFILE, not EAGAIN (nothing was waiting, nothing lost)");

	while (n > 0)
		close(fill[--n]);
	if (s >= 0)
		close(s);
	close(c);
	close(l);
	printf(failures ? "FAILED %d\n" : "SUCCESS\n", failures);
	return failures ? 1 : 0;
}
