/* SPDX-License-Identifier: MIT */
/* net_loop_udp: over 127.0.0.1 without a device: UDP (sendto/recvfrom with
 * addresses, connect and send, MSG_PEEK, MSG_TRUNC, sendmsg/recvmsg with
 * iovecs, FIONREAD, MSG_DONTWAIT); an epoll-driven (edge-triggered,
 * non-blocking) TCP echo server serving four client threads; getaddrinfo of
 * localhost and of a toro.hosts= name, /etc/resolv.conf. */
// args: toro.hosts=db.internal:10.1.2.3,bad:name:x
// expect-output: SUCCESS
// expect-output: toro: toro.hosts: 'name:x' is not an IPv4 address
// machines: microvm q35
// pvh-machines: none
// smp: 1 2
// mem: 64
// timeout: 60
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static int failures;
#define CHECK(c, ...) do { if (c) printf("ok " __VA_ARGS__); else { failures++; printf("FAIL: " __VA_ARGS__); printf(" (errno %d %s)", errno, strerror(errno)); } printf("\n"); } while (0)

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static void test_udp(void)
{
	int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in aa = loopback(9001), ba = loopback(9002), from;
	socklen_t fl = sizeof(from);
	char buf[64];
	CHECK(bind(a, (struct sockaddr *)&aa, sizeof(aa)) == 0 && bind(b, (struct sockaddr *)&ba, sizeof(ba)) == 0,
	      "bind two UDP sockets");
	CHECK(recvfrom(b, buf, sizeof(buf), 0, NULL, NULL) == -1 && errno == EAGAIN, "empty non-blocking: EAGAIN");
	CHECK(sendto(a, "ping", 4, 0, (struct sockaddr *)&ba, sizeof(ba)) == 4, "sendto");
	usleep(20000);
	int avail = 0;
	CHECK(ioctl(b, FIONREAD, &avail) == 0 && avail == 4, "FIONREAD: next datagram 4 (%d)", avail);
	CHECK(recv(b, buf, 2, MSG_PEEK) == 2 && !memcmp(buf, "pi", 2), "MSG_PEEK 2 bytes");
	memset(buf, 0, sizeof(buf));
	CHECK(recvfrom(b, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl) == 4 && !memcmp(buf, "ping", 4) &&
	      fl == sizeof(from) && from.sin_port == htons(9001) && from.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
	      "recvfrom: 'ping' from 127.0.0.1:9001");
	CHECK(connect(a, (struct sockaddr *)&ba, sizeof(ba)) == 0, "connect a UDP socket");
	CHECK(send(a, "0123456789", 10, 0) == 10, "send on it");
	usleep(20000);
	CHECK(recv(b, buf, 4, MSG_TRUNC) == 10 && !memcmp(buf, "0123", 4), "MSG_TRUNC: the whole length, 4 bytes kept");
	struct iovec iov[3] = { { "ab", 2 }, { "", 0 }, { "cde", 3 } };
	struct msghdr mh = { .msg_name = &ba, .msg_namelen = sizeof(ba), .msg_iov = iov, .msg_iovlen = 3 };
	CHECK(sendmsg(a, &mh, 0) == 5, "sendmsg of three iovecs");
	usleep(20000);
	char x[3] = { 0 }, y[8] = { 0 };
	struct iovec riov[2] = { { x, 3 }, { y, 1 } };
	struct msghdr rh = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = riov, .msg_iovlen = 2 };
	CHECK(recvmsg(b, &rh, 0) == 4 && !memcmp(x, "abc", 3) && y[0] == 'd' && (rh.msg_flags & MSG_TRUNC) &&
	      rh.msg_namelen == sizeof(from), "recvmsg into two iovecs, MSG_TRUNC in msg_flags");
	CHECK(recv(b, buf, sizeof(buf), MSG_DONTWAIT) == -1 && errno == EAGAIN, "MSG_DONTWAIT: EAGAIN");
	int c = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(send(c, "x", 1, 0) == -1 && errno == EDESTADDRREQ, "send unconnected: EDESTADDRREQ");
	struct sockaddr_in far = loopback(1);
	far.sin_addr.s_addr = inet_addr("192.0.2.1");
	CHECK(sendto(c, "x", 1, 0, (struct sockaddr *)&far, sizeof(far)) == -1 && errno == ENETUNREACH,
	      "sendto off the loopback without a device: ENETUNREACH");
	close(c);
	close(a);
	close(b);
}

/* ---- an edge-triggered epoll echo server ---- */

#define CLIENTS 4
#define ROUNDS 200

static void *epoll_server(void *arg)
{
	int l = *(int *)arg, ep = epoll_create1(0), served = 0;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.fd = l }, evs[16];
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	while (served < CLIENTS) {
		int n = epoll_wait(ep, evs, 16, 10000);
		if (n <= 0)
			break;
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == l) {
				int c;
				while ((c = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					struct epoll_event ce = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.fd = c };
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
				}
				continue;
			}
			/* Edge-triggered: read until EAGAIN. */
			char buf[512];
			for (;;) {
				ssize_t r = read(fd, buf, sizeof(buf));
				if (r > 0) {
					write(fd, buf, (size_t)r); /* small: always fits */
					continue;
				}
				if (r < 0 && errno == EAGAIN)
					break;
				close(fd); /* EOF: also leaves the epoll set */
				served++;
				break;
			}
		}
	}
	close(ep);
	return NULL;
}

static int client_ok[CLIENTS];

static void *client(void *arg)
{
	int id = (int)(long)arg, s = socket(AF_INET, SOCK_STREAM, 0), ok = 0;
	struct sockaddr_in a = loopback(9100);
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) == 0) {
		for (int i = 0; i < ROUNDS; i++) {
			char m[32], r[32];
			int len = snprintf(m, sizeof(m), "client %d round %d", id, i);
			if (send(s, m, (size_t)len, 0) != len)
				break;
			int got = 0;
			while (got < len) {
				ssize_t n = recv(s, r + got, (size_t)(len - got), 0);
				if (n <= 0)
					break;
				got += (int)n;
			}
			if (got != len || memcmp(m, r, (size_t)len))
				break;
			ok++;
		}
	}
	close(s);
	client_ok[id] = ok;
	return NULL;
}

static void test_epoll_echo(void)
{
	int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
	struct sockaddr_in a = loopback(9100);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	CHECK(bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(l, 16) == 0, "listener for the epoll server");
	pthread_t srv, cl[CLIENTS];
	pthread_create(&srv, NULL, epoll_server, &l);
	for (long i = 0; i < CLIENTS; i++)
		pthread_create(&cl[i], NULL, client, (void *)i);
	int total = 0;
	for (int i = 0; i < CLIENTS; i++) {
		pthread_join(cl[i], NULL);
		total += client_ok[i];
	}
	pthread_join(srv, NULL);
	CHECK(total == CLIENTS * ROUNDS, "epoll echo: %d clients x %d round trips (%d)", CLIENTS, ROUNDS, total);
	close(l);
}

static void test_resolver(void)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res = NULL;
	int r = getaddrinfo("localhost", "80", &hints, &res);
	CHECK(r == 0 && res && ((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK) &&
	      ((struct sockaddr_in *)res->ai_addr)->sin_port == htons(80), "getaddrinfo(localhost): 127.0.0.1:80 (%s)",
	      r ? gai_strerror(r) : "ok");
	if (res)
		freeaddrinfo(res);
	res = NULL;
	r = getaddrinfo("db.internal", NULL, &hints, &res);
	CHECK(r == 0 && res && ((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr == inet_addr("10.1.2.3"),
	      "getaddrinfo(db.internal) from toro.hosts: 10.1.2.3 (%s)", r ? gai_strerror(r) : "ok");
	if (res)
		freeaddrinfo(res);
	FILE *f = fopen("/etc/hosts", "r");
	char line[128];
	int lines = 0;
	while (f && fgets(line, sizeof(line), f))
		lines++;
	CHECK(f && lines == 3, "/etc/hosts has 3 lines (%d)", lines);
	if (f)
		fclose(f);
	CHECK(fopen("/etc/hosts", "w") == NULL && errno == EROFS, "/etc/hosts is read-only");
	f = fopen("/etc/resolv.conf", "r");
	CHECK(f != NULL, "/etc/resolv.conf opens (no servers without a device)");
	if (f)
		fclose(f);
	/* The kernel serves hosts, resolv.conf, passwd and group (etc_passwd
	 * tests the last two); nothing else. */
	CHECK(fopen("/etc/shadow", "r") == NULL && errno == ENOENT, "/etc/shadow: ENOENT");
}

int main(void)
{
	test_udp();
	test_epoll_echo();
	test_resolver();
	if (failures) {
		printf("%d checks failed\n", failures);
		return 1;
	}
	printf("SUCCESS\n");
	return 0;
}
