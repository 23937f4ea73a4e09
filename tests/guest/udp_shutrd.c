/* SPDX-License-Identifier: MIT */
/* udp_shutrd (found by tests/sysfuzz): a connected UDP socket after
 * shutdown(SHUT_RD). Its receive path waited for "readable", which the shut
 * read side makes true at once, then found nothing queued and waited again:
 * a core spinning in the kernel for good, the program hung. Now a blocking
 * recv and read() return 0 (end of file), a non-blocking recv EAGAIN, as on Linux;
 * poll says POLLIN; a datagram sent before the shutdown is still read first;
 * a second socket still receives. 1 and 2 vCPUs; also on Linux (host-args). */
// expect-output: SUCCESS
// reject-output: FAIL
// pvh-machines: none
// smp: 1 2
// timeout: 60
// host-args: -
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int failures;

#define CHECK(cond, ...)                                  \
	do {                                              \
		if (!(cond)) {                            \
			printf("FAIL: " __VA_ARGS__);     \
			printf(" (errno %d)\n", errno);   \
			failures++;                       \
		}                                         \
	} while (0)

static struct sockaddr_in loop(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static int bound_udp(int *port)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = loop(0);
	socklen_t len = sizeof(a);
	if (s < 0 || bind(s, (void *)&a, sizeof(a)) || getsockname(s, (void *)&a, &len))
		return -1;
	*port = ntohs(a.sin_port);
	return s;
}

int main(void)
{
	int pa, pb;
	int a = bound_udp(&pa), b = bound_udp(&pb);
	CHECK(a >= 0 && b >= 0, "two bound UDP sockets");
	struct sockaddr_in to_b = loop(pb), to_a = loop(pa);
	CHECK(connect(a, (void *)&to_b, sizeof(to_b)) == 0, "connect a to b");
	CHECK(connect(b, (void *)&to_a, sizeof(to_a)) == 0, "connect b to a");
	CHECK(send(b, "early", 5, 0) == 5, "b sends before the shutdown");
	usleep(100000);
	CHECK(shutdown(a, SHUT_RD) == 0, "shutdown(SHUT_RD)");
	char buf[32];
	alarm(20); /* a hang ends the test with SIGALRM rather than its timeout */
	ssize_t n = recv(a, buf, sizeof(buf), 0);
	CHECK(n == 5 || n == 0, "the first recv: %zd", n);
	if (n == 5)
		n = recv(a, buf, sizeof(buf), 0);
	CHECK(n == 0, "blocking recv after SHUT_RD: %zd, expected 0", n);
	errno = 0;
	CHECK(recv(a, buf, sizeof(buf), MSG_DONTWAIT) == -1 && errno == EAGAIN,
	      "non-blocking recv: EAGAIN");
	CHECK(read(a, buf, sizeof(buf)) == 0, "read: 0");
	struct pollfd p = { .fd = a, .events = POLLIN };
	CHECK(poll(&p, 1, 1000) == 1 && (p.revents & POLLIN), "poll: POLLIN");
	CHECK(send(a, "x", 1, 0) == 1, "a still sends");
	CHECK(recv(b, buf, sizeof(buf), 0) == 1 && buf[0] == 'x', "b receives");
	close(a);
	close(b);
	printf(failures ? "FAIL: %d\n" : "SUCCESS\n", failures);
	return failures != 0;
}
