/* SPDX-License-Identifier: MIT */
/* net_hostfwd: sockets over virtio-net and QEMU's user network, through the
 * host. The guest serves HTTP and an echo on port 8000; QEMU forwards a host
 * port to it (hostfwd), and the guest's own client reaches that host port as
 * 10.0.2.2:PORT, so every byte leaves through the device, crosses the host's
 * TCP stack twice and comes back in. One machine only: a second run at the
 * same time would need its own host port, and the guest could not tell which
 * is its own. */
// machines: microvm
// pvh-machines: none
// mem: 64
// timeout: 60
// qemu-args: -netdev user,id=n0,hostfwd=tcp:127.0.0.1:18303-:8000 -device virtio-net-device,netdev=n0
// expect-once: toro: eth0 10.0.2.15/24 gw 10.0.2.2 dns 10.0.2.3
// expect-output: SUCCESS
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int failures;
#define CHECK(c, ...) do { if (c) printf("ok " __VA_ARGS__); else { failures++; printf("FAIL: " __VA_ARGS__); printf(" (errno %d %s)", errno, strerror(errno)); } printf("\n"); } while (0)

#define BODY "hello from toro\n"
#define BULK (256 * 1024)
static unsigned char out[BULK], in[BULK];

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* First connection: one HTTP request. Second: an echo until EOF. */
static void *server(void *arg)
{
	int l = *(int *)arg;
	static char buf[8192];
	int c = accept(l, NULL, NULL);
	size_t got = 0;
	while (got < sizeof(buf) - 1) {
		ssize_t n = recv(c, buf + got, sizeof(buf) - 1 - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
		buf[got] = 0;
		if (strstr(buf, "\r\n\r\n"))
			break;
	}
	char reply[128];
	int len = snprintf(reply, sizeof(reply), "HTTP/1.0 200 OK\r\nContent-Length: %zu\r\n\r\n%s",
			   strlen(BODY), BODY);
	send(c, reply, (size_t)len, 0);
	close(c);
	c = accept(l, NULL, NULL);
	ssize_t n;
	while ((n = recv(c, buf, sizeof(buf), 0)) > 0)
		if (send(c, buf, (size_t)n, MSG_NOSIGNAL) != n)
			break;
	close(c);
	return NULL;
}

static int connect_host(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	a.sin_addr.s_addr = inet_addr("10.0.2.2");
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(s, (struct sockaddr *)&a, sizeof(a))) {
		close(s);
		return -1;
	}
	return s;
}

static void *bulk_send(void *arg)
{
	int s = *(int *)arg;
	size_t off = 0;
	while (off < BULK) {
		ssize_t n = send(s, out + off, BULK - off < 16384 ? BULK - off : 16384, 0);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	shutdown(s, SHUT_WR);
	return NULL;
}

int main(void)
{
	int port;
	int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(8000) };
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	CHECK(bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(l, 8) == 0, "listening on 0.0.0.0:8000");
	pthread_t t;
	pthread_create(&t, NULL, server, &l);

	port = 18303;
	int s = connect_host(port);
	const char *req = "GET / HTTP/1.0\r\nHost: toro\r\n\r\n";
	if (s >= 0 && send(s, req, strlen(req), 0) != (ssize_t)strlen(req)) {
		close(s);
		s = -1;
	}
	CHECK(s >= 0, "connected to the host's 127.0.0.1:%d (forwarded back to us)", port);
	char resp[256] = { 0 };
	size_t got = 0;
	ssize_t n;
	while (s >= 0 && (n = recv(s, resp + got, sizeof(resp) - 1 - got, 0)) > 0)
		got += (size_t)n;
	CHECK(strstr(resp, "200 OK") && strstr(resp, BODY), "HTTP reply through the host (%zu bytes)", got);
	if (s >= 0)
		close(s);

	s = connect_host(port);
	CHECK(s >= 0, "second connection");
	for (int i = 0; i < BULK; i++)
		out[i] = (unsigned char)(i * 17 + (i >> 11));
	double t0 = now_ms();
	pthread_t bs;
	pthread_create(&bs, NULL, bulk_send, &s);
	got = 0;
	while ((n = recv(s, in + got, BULK - got, 0)) > 0)
		got += (size_t)n;
	double ms = now_ms() - t0;
	pthread_join(bs, NULL);
	CHECK(got == BULK && !memcmp(in, out, BULK), "256 KiB echoed through the host byte-exact in %.0f ms", ms);
	close(s);
	pthread_join(t, NULL);
	close(l);
	if (failures) {
		printf("%d checks failed\n", failures);
		return 1;
	}
	printf("SUCCESS\n");
	return 0;
}
