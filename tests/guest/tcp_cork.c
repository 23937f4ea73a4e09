/* SPDX-License-Identifier: MIT */
/* tcp_cork: TCP_CORK (nginx's `tcp_nopush on` with sendfile) is accepted and
 * read back on a TCP socket over 127.0.0.1; what is written while corked
 * arrives whole once the cork comes off (and with it on, as lwIP sends each
 * write as it comes); on a UDP socket it is ENOPROTOOPT and a short option
 * EINVAL, as on Linux. Main's kernel answered ENOPROTOOPT on TCP too, and
 * nginx dropped every response. */
// expect-output: SUCCESS
// reject-output: FAIL
// machines: microvm q35
// pvh-machines: none
// mem: 64
// timeout: 60
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int failures;

static void check(const char *what, int ok)
{
	printf("%s %s\n", ok ? "ok" : "FAIL:", what);
	failures += !ok;
}

static int cork(int s)
{
	int v = -1;
	socklen_t len = sizeof(v);
	return getsockopt(s, IPPROTO_TCP, TCP_CORK, &v, &len) == 0 ? v : -1;
}

static size_t read_all(int s, char *buf, size_t want)
{
	size_t got = 0;
	while (got < want) {
		ssize_t n = read(s, buf + got, want - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

int main(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0), one = 1, zero = 0;
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 4) ||
	    getsockname(l, (struct sockaddr *)&a, &alen)) {
		printf("FAIL: listener: %s\n", strerror(errno));
		return 1;
	}
	int c = socket(AF_INET, SOCK_STREAM, 0);
	check("connect", connect(c, (struct sockaddr *)&a, sizeof(a)) == 0);
	int s = accept(l, NULL, NULL);
	check("accept", s >= 0);
	check("TCP_CORK off at first", cork(s) == 0);
	check("TCP_CORK on", setsockopt(s, IPPROTO_TCP, TCP_CORK, &one, sizeof(one)) == 0 && cork(s) == 1);
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", body[] = "hello";
	check("writes while corked", write(s, head, strlen(head)) == (ssize_t)strlen(head) &&
	      write(s, body, 5) == 5);
	check("TCP_CORK off", setsockopt(s, IPPROTO_TCP, TCP_CORK, &zero, sizeof(zero)) == 0 &&
	      cork(s) == 0);
	char buf[128] = { 0 };
	size_t want = strlen(head) + 5;
	check("the peer reads both writes whole", read_all(c, buf, want) == want &&
	      !memcmp(buf, head, strlen(head)) && !memcmp(buf + strlen(head), body, 5));
	check("corked again, a write arrives", setsockopt(s, IPPROTO_TCP, TCP_CORK, &one, sizeof(one)) == 0 &&
	      write(s, "x", 1) == 1 && read_all(c, buf, 1) == 1 && buf[0] == 'x');
	check("TCP_CORK with a short option: EINVAL",
	      setsockopt(s, IPPROTO_TCP, TCP_CORK, &one, 2) == -1 && errno == EINVAL);
	check("TCP_CORK on the listener is kept", setsockopt(l, IPPROTO_TCP, TCP_CORK, &zero, sizeof(zero)) == 0);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	check("TCP_CORK on UDP: ENOPROTOOPT",
	      setsockopt(u, IPPROTO_TCP, TCP_CORK, &one, sizeof(one)) == -1 && errno == ENOPROTOOPT);
	close(u);
	close(s);
	close(c);
	close(l);
	if (failures == 0)
		printf("SUCCESS\n");
	return failures != 0;
}
