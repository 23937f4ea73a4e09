/* SPDX-License-Identifier: MIT */
/* net_announce: with toro.net.announce a successful listen() prints
 * `toro: listening on tcp port N` (the readiness line toro serve waits for,
 * docs/deploy.md) with the bound port, and the listener is there once it is
 * printed: a loopback connect right after it succeeds. A listen() that
 * fails (UDP) prints none. toro serve's tests (tests/serve/run.sh) use it
 * end to end. */
// args: toro.net.announce
// expect-output: toro: listening on tcp port 8123
// expect-output: SUCCESS
// reject-output: FAIL
// reject-output: toro: listening on tcp port 0
// pvh-machines: none
// timeout: 60
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int listener(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 4)) {
		printf("FAIL: listener on %d\n", port);
		return -1;
	}
	return fd;
}

int main(void)
{
	int fd = listener(8123);
	if (fd < 0)
		return 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(8123) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (struct sockaddr *)&a, sizeof(a))) {
		printf("FAIL: connect after the line\n");
		return 1;
	}
	/* A UDP socket cannot listen: no line for it. */
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	if (listen(u, 1) == 0) {
		printf("FAIL: listen on UDP succeeded\n");
		return 1;
	}
	printf("SUCCESS\n");
	close(c);
	close(fd);
	return 0;
}
