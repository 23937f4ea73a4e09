/* SPDX-License-Identifier: MIT */
/*
 * netclient: the host side of the network tests (tests/net/run.sh), a small
 * HTTP and echo client for Linux. Every check prints one line and the exit
 * status says whether it held.
 *   netclient PORT seq N PATH         N requests one after the other, each on its own connection
 *   netclient PORT keepalive N PATH   N requests on one keep-alive connection
 *   netclient PORT pipeline N PATH    N requests written at once on one connection
 *   netclient PORT par N PATH         N connections open at once, one request each
 *   netclient PORT burst N PATH       the same against a server short of memory: a
 *                                     refusal (an error status, a close, a reset) is
 *                                     fine, a connection left hanging (60 s) is not
 *   netclient PORT echo BYTES         BYTES through an echo server, compared
 *   netclient PORT raw STRING         STRING (C escapes \r \n \t \xHH \\) sent as is; the reply on stdout
 *   netclient PORT abort              clients that leave mid-request and mid-reply (see abort_mix)
 * Every 200 reply must carry the same body length as the first one. All on
 * 127.0.0.1; every socket operation times out after 20 s (burst: 150 s).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_S 20

static int port;
/* Seconds each socket operation may take: TIMEOUT_S, longer for burst (a
 * server short of memory drops frames, and TCP's retransmission backs off). */
static int timeout_s = TIMEOUT_S;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* QEMU's user network listens for a forwarded port with a backlog of one
 * (libslirp's tcp_listen), so connections made in a burst overflow the
 * host's accept queue, and the host retries a dropped SYN only after a
 * second. A connection not made within 5 ms is made again instead. */
static int dial(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int attempt = 0; attempt < timeout_s * 200; attempt++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1, err = 0;
		socklen_t elen = sizeof(err);
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) && errno != EINPROGRESS)
			err = errno;
		struct pollfd p = { fd, POLLOUT, 0 };
		if (!err && poll(&p, 1, 5) == 1) {
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
			if (!err) {
				struct timeval tv = { timeout_s, 0 };
				fcntl(fd, F_SETFL, 0);
				setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
				setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				return fd;
			}
		}
		close(fd);
		if (err) {
			fprintf(stderr, "connect: %s\n", strerror(err));
			return -1;
		}
	}
	fprintf(stderr, "connect: no connection in %d s\n", timeout_s);
	return -1;
}

static int send_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* A reply on a connection: bytes read ahead are kept for the next one. */
struct reader {
	int fd;
	char buf[65536];
	size_t len;
};

/* Reads one reply; returns its status (-1 on error), the body's length in
 * *body. HEAD replies carry no body. */
static int read_reply(struct reader *r, bool head, long *body)
{
	char *end;
	while (!(end = memmem(r->buf, r->len, "\r\n\r\n", 4))) {
		if (r->len == sizeof(r->buf))
			return -1;
		ssize_t n = recv(r->fd, r->buf + r->len, sizeof(r->buf) - r->len, 0);
		if (n <= 0)
			return -1;
		r->len += (size_t)n;
	}
	size_t hlen = (size_t)(end - r->buf) + 4;
	int status;
	if (sscanf(r->buf, "HTTP/1.%*d %d", &status) != 1)
		return -1;
	long cl = 0;
	char *p = r->buf;
	while ((p = memmem(p, hlen - (size_t)(p - r->buf), "\r\n", 2)) && p < end) {
		p += 2;
		if (!strncasecmp(p, "Content-Length:", 15))
			cl = strtol(p + 15, NULL, 10);
	}
	*body = cl;
	long need = head ? 0 : cl;
	memmove(r->buf, r->buf + hlen, r->len - hlen);
	r->len -= hlen;
	while (need > 0) { /* consume the body, reading what is missing */
		if (r->len) {
			size_t k = (size_t)need < r->len ? (size_t)need : r->len;
			memmove(r->buf, r->buf + k, r->len - k);
			r->len -= k;
			need -= (long)k;
			continue;
		}
		ssize_t n = recv(r->fd, r->buf, sizeof(r->buf), 0);
		if (n <= 0)
			return -1;
		r->len = (size_t)n;
	}
	return status;
}

static char request[1024];
static long expect_len = -1;

static void make_request(const char *path, bool close_after)
{
	snprintf(request, sizeof(request), "GET %s HTTP/1.1\r\nHost: toro\r\n%s\r\n", path,
		 close_after ? "Connection: close\r\n" : "");
}

/* A 200 with the body length of the first one. */
static bool good(int status, long len)
{
	if (status != 200)
		return false;
	if (expect_len < 0)
		expect_len = len;
	return len == expect_len;
}

static int one_request(struct reader *r)
{
	long len;
	if (send_all(r->fd, request, strlen(request)))
		return -1;
	int st = read_reply(r, false, &len);
	return good(st, len) ? 0 : -1;
}

static int cmd_seq(int n, const char *path)
{
	static struct reader r;
	int ok = 0;
	double t0 = now_ms();
	make_request(path, true);
	double worst = 0;
	for (int i = 0; i < n; i++) {
		double t = now_ms();
		r.fd = dial();
		r.len = 0;
		if (r.fd >= 0 && one_request(&r) == 0)
			ok++;
		if (r.fd >= 0)
			close(r.fd);
		if (now_ms() - t > worst)
			worst = now_ms() - t;
	}
	double ms = now_ms() - t0;
	printf("seq: %d of %d requests (one connection each) ok in %.0f ms, %.0f/s, slowest %.0f ms\n",
	       ok, n, ms, n / ms * 1e3, worst);
	return ok == n ? 0 : 1;
}

static int cmd_keepalive(int n, const char *path)
{
	static struct reader r;
	int ok = 0;
	double t0 = now_ms();
	make_request(path, false);
	r.fd = dial();
	for (int i = 0; i < n && r.fd >= 0; i++) {
		if (one_request(&r))
			break;
		ok++;
	}
	double ms = now_ms() - t0;
	printf("keepalive: %d of %d requests on one connection ok in %.0f ms, %.0f/s\n", ok, n, ms,
	       n / ms * 1e3);
	return ok == n ? 0 : 1;
}

static int cmd_pipeline(int n, const char *path)
{
	static struct reader r;
	int ok = 0;
	make_request(path, false);
	size_t one = strlen(request);
	char *all = malloc(one * (size_t)n);
	for (int i = 0; i < n; i++)
		memcpy(all + one * (size_t)i, request, one);
	r.fd = dial();
	if (r.fd >= 0 && send_all(r.fd, all, one * (size_t)n) == 0) {
		for (; ok < n; ok++) {
			long len;
			int st = read_reply(&r, false, &len);
			if (!good(st, len))
				break;
		}
	}
	printf("pipeline: %d of %d replies to requests sent at once\n", ok, n);
	free(all);
	return ok == n ? 0 : 1;
}

static int cmd_par(int n, const char *path, bool burst)
{
	struct reader *rs = calloc((size_t)n, sizeof(*rs));
	int ok = 0, opened = 0, sent = 0, hung = 0;
	double t0 = now_ms();
	make_request(path, true);
	/* All n connections are open before the first request is sent, and all
	 * requests are sent before the first reply is read. */
	for (int i = 0; i < n; i++)
		if ((rs[i].fd = dial()) >= 0)
			opened++;
	double t1 = now_ms();
	for (int i = 0; i < n; i++)
		if (rs[i].fd >= 0 && send_all(rs[i].fd, request, strlen(request)) == 0)
			sent++;
	for (int i = 0; i < n; i++) {
		long len = 0;
		errno = 0;
		int st = rs[i].fd >= 0 ? read_reply(&rs[i], false, &len) : -1;
		if (good(st, len))
			ok++;
		else if (errno == EAGAIN || errno == EWOULDBLOCK)
			hung++; /* SO_RCVTIMEO ran out: nothing came, not even a close */
		if (rs[i].fd >= 0)
			close(rs[i].fd);
	}
	double t2 = now_ms();
	printf("%s: %d connections open at once (in %.0f ms), %d requests sent, %d of %d replies ok, "
	       "%d refused, %d hung (in %.0f ms)\n", burst ? "burst" : "par", opened, t1 - t0, sent,
	       ok, n, n - ok - hung, hung, t2 - t1);
	free(rs);
	if (burst)
		return hung == 0 && ok > 0 ? 0 : 1;
	return ok == n ? 0 : 1;
}

struct echo_job {
	int fd;
	const unsigned char *data;
	size_t n;
};

static void *echo_sender(void *arg)
{
	struct echo_job *j = arg;
	for (size_t off = 0; off < j->n;) {
		size_t k = j->n - off < 16384 ? j->n - off : 16384;
		if (send_all(j->fd, j->data + off, k))
			break;
		off += k;
	}
	shutdown(j->fd, SHUT_WR);
	return NULL;
}

static int cmd_echo(size_t n)
{
	unsigned char *out = malloc(n), *in = malloc(n + 1);
	for (size_t i = 0; i < n; i++)
		out[i] = (unsigned char)(i * 31 + (i >> 10));
	int fd = dial();
	if (fd < 0)
		return 1;
	double t0 = now_ms();
	struct echo_job j = { fd, out, n };
	pthread_t t;
	pthread_create(&t, NULL, echo_sender, &j);
	size_t got = 0;
	ssize_t k;
	while ((k = recv(fd, in + got, n + 1 - got, 0)) > 0 && got < n + 1)
		got += (size_t)k;
	pthread_join(t, NULL);
	double ms = now_ms() - t0;
	close(fd);
	bool same = got == n && !memcmp(in, out, n);
	printf("echo: %zu of %zu bytes back%s in %.0f ms (%.1f MB/s each way), then end of file\n",
	       got, n, same ? ", byte-exact," : " (DIFFERENT)", ms, n / ms / 1e3);
	return same ? 0 : 1;
}

static size_t unescape(const char *s, char *out)
{
	size_t o = 0;
	for (; *s; s++) {
		if (*s != '\\' || !s[1]) {
			out[o++] = *s;
			continue;
		}
		s++;
		switch (*s) {
		case 'r': out[o++] = '\r'; break;
		case 'n': out[o++] = '\n'; break;
		case 't': out[o++] = '\t'; break;
		case '0': out[o++] = 0; break;
		case 'x': {
			char hex[3] = { s[1], s[1] ? s[2] : 0, 0 };
			out[o++] = (char)strtol(hex, NULL, 16);
			s += 2;
			break;
		}
		default: out[o++] = *s;
		}
	}
	return o;
}

/* Sends the bytes, shuts the write side down and prints what comes back. */
static int cmd_raw(const char *s)
{
	char *req = malloc(strlen(s) + 1), buf[4096];
	size_t n = unescape(s, req);
	int fd = dial();
	if (fd < 0 || send_all(fd, req, n))
		return 1;
	shutdown(fd, SHUT_WR);
	ssize_t k;
	while ((k = recv(fd, buf, sizeof(buf), 0)) > 0)
		fwrite(buf, 1, (size_t)k, stdout);
	close(fd);
	return k < 0 ? 1 : 0;
}

static void rst_close(int fd)
{
	struct linger l = { 1, 0 };
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

/* Clients that go away at every point: after connecting, mid-head, mid-body,
 * mid-reply (the 10 MiB file, 64 KiB read), each by FIN and by reset. */
static int cmd_abort(void)
{
	static const char *partial[] = {
		"", "GET /index.html HT", "GET / HTTP/1.1\r\nHost: a\r\nX-Long: aaaa",
		"PUT /k/x HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\nabc",
	};
	int done = 0;
	for (int rst = 0; rst <= 1; rst++) {
		for (size_t i = 0; i < sizeof(partial) / sizeof(partial[0]); i++) {
			int fd = dial();
			if (fd < 0)
				return 1;
			send_all(fd, partial[i], strlen(partial[i]));
			usleep(20000);
			rst ? rst_close(fd) : (void)close(fd);
			done++;
		}
		int fd = dial();
		if (fd < 0)
			return 1;
		const char *big = "GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n";
		send_all(fd, big, strlen(big));
		char buf[16384];
		size_t got = 0;
		ssize_t k;
		while (got < 65536 && (k = recv(fd, buf, sizeof(buf), 0)) > 0)
			got += (size_t)k;
		rst ? rst_close(fd) : (void)close(fd);
		done++;
	}
	printf("abort: %d clients left mid-request or mid-reply\n", done);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: netclient PORT seq|keepalive|pipeline|par|burst|echo|raw|abort ARGS\n");
		return 2;
	}
	port = atoi(argv[1]);
	const char *cmd = argv[2];
	if (!strcmp(cmd, "seq") && argc == 5)
		return cmd_seq(atoi(argv[3]), argv[4]);
	if (!strcmp(cmd, "keepalive") && argc == 5)
		return cmd_keepalive(atoi(argv[3]), argv[4]);
	if (!strcmp(cmd, "pipeline") && argc == 5)
		return cmd_pipeline(atoi(argv[3]), argv[4]);
	if (!strcmp(cmd, "par") && argc == 5)
		return cmd_par(atoi(argv[3]), argv[4], false);
	if (!strcmp(cmd, "burst") && argc == 5) {
		timeout_s = 150; /* backoffs: a reply dropped five times comes after ~63 s */
		return cmd_par(atoi(argv[3]), argv[4], true);
	}
	if (!strcmp(cmd, "echo") && argc == 4)
		return cmd_echo((size_t)strtoul(argv[3], NULL, 0));
	if (!strcmp(cmd, "raw") && argc == 4)
		return cmd_raw(argv[3]);
	if (!strcmp(cmd, "abort") && argc == 3)
		return cmd_abort();
	fprintf(stderr, "netclient: bad command\n");
	return 2;
}
