/* SPDX-License-Identifier: MIT */
/*
 * overload: the host side of tests/net/overload.sh, clients that hold many
 * connections open, send their request head a byte a second or keep a load
 * going across a link failure. Each command prints what it saw, with a
 * latency distribution where it timed requests, and exits 0 when it held.
 *   overload [-p PATH] PORT COMMAND ARGS, with COMMAND one of
 *   overload PORT hold N M BOUND_MS   N connections held open (every other one
 *                                     after a keep-alive request), then M new
 *                                     requests one after the other, each
 *                                     answered 200 within BOUND_MS
 *   overload PORT slow N MIN_S MAX_S BOUND_MS
 *                                     N clients sending a long head a byte a
 *                                     second; each must be cut off (408 or a
 *                                     close) after MIN_S to MAX_S seconds, while
 *                                     requests made meanwhile on new connections
 *                                     are answered within BOUND_MS
 *   overload PORT idle MIN_S MAX_S    one request on a keep-alive connection;
 *                                     the server closes it after MIN_S to MAX_S s
 *   overload PORT load C SECS         C keep-alive connections requesting for
 *                                     SECS s (5 s per request at most, then a new
 *                                     connection); prints the answers per second
 * Requests are GET PATH (/index.html unless -p) on 127.0.0.1:PORT, and every
 * one must be answered 200. Nothing waits without a bound: no socket
 * operation waits more than 20 s.
 */
#define _GNU_SOURCE
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
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define OP_TIMEOUT_MS 20000
#define LOAD_REQ_MS 5000
static int port;
static char req_keep[600], req_close[600];
static size_t keep_len, close_len;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* "min 3 p50 5 p90 9 p99 40 max 41 ms; N within 1 s" of n samples (sorted in place). */
static void print_dist(const char *what, double *v, int n)
{
	if (n == 0) {
		printf("%s: none\n", what);
		return;
	}
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	int second = 0;
	while (second < n && v[second] <= 1000)
		second++;
	printf("%s (%d): min %.0f p50 %.0f p90 %.0f p99 %.0f max %.0f ms; %d within 1 s\n", what, n,
	       v[0], v[n / 2], v[n * 9 / 10], v[n * 99 / 100], v[n - 1], second);
}

/* A non-blocking connection to the server. QEMU's user network listens with a
 * backlog of one (libslirp's tcp_listen) and the host retries a dropped SYN
 * only after a second, so a connection not up within 5 ms is made anew. */
static int dial(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	double until = now_ms() + OP_TIMEOUT_MS;
	while (now_ms() < until) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1, err = 0;
		socklen_t elen = sizeof(err);
		if (fd < 0) {
			perror("socket");
			return -1;
		}
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) && errno != EINPROGRESS)
			err = errno;
		struct pollfd p = { fd, POLLOUT, 0 };
		if (!err && poll(&p, 1, 5) == 1) {
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
			if (!err) {
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
	fprintf(stderr, "connect: no connection in %d s\n", OP_TIMEOUT_MS / 1000);
	return -1;
}

/* Waits until fd is ready for events or the deadline passes: 1 ready, 0 not. */
static int wait_fd(int fd, short events, double deadline)
{
	for (;;) {
		double left = deadline - now_ms();
		if (left <= 0)
			return 0;
		struct pollfd p = { fd, events, 0 };
		int r = poll(&p, 1, (int)left + 1);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return 0;
	}
}

static int send_all(int fd, const char *p, size_t n, double deadline)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		} else if (w < 0 && errno == EAGAIN) {
			if (!wait_fd(fd, POLLOUT, deadline))
				return -1;
		} else if (w < 0 && errno != EINTR) {
			return -1;
		}
	}
	return 0;
}

/* One reply read whole (its head and Content-Length bytes of body): its
 * status, -1 for an error or end of file, -2 when the deadline passed. */
static int read_reply(int fd, double deadline)
{
	char buf[16384];
	size_t len = 0;
	char *end;
	while (!(end = memmem(buf, len, "\r\n\r\n", 4))) {
		if (len == sizeof(buf))
			return -1;
		ssize_t n = recv(fd, buf + len, sizeof(buf) - len, 0);
		if (n > 0) {
			len += (size_t)n;
		} else if (n < 0 && errno == EAGAIN) {
			if (!wait_fd(fd, POLLIN, deadline))
				return -2;
		} else if (n == 0 || errno != EINTR) {
			return -1;
		}
	}
	int status;
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		return -1;
	long need = 0;
	char *cl = memmem(buf, (size_t)(end - buf), "\r\nContent-Length: ", 18);
	if (cl)
		need = strtol(cl + 18, NULL, 10);
	need -= (long)(len - (size_t)(end + 4 - buf));
	while (need > 0) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n > 0) {
			need -= n;
		} else if (n < 0 && errno == EAGAIN) {
			if (!wait_fd(fd, POLLIN, deadline))
				return -2;
		} else if (n == 0 || errno != EINTR) {
			return -1;
		}
	}
	return status;
}

/* A request on a new connection: its status (-1 error, -2 no answer by
 * the deadline, ms_max after the start) and how long it took from the
 * connect, in *ms. */
static int fresh_request(double *ms, double ms_max)
{
	double t0 = now_ms(), deadline = t0 + ms_max;
	int fd = dial(), st = -1;
	if (fd >= 0 && send_all(fd, req_close, close_len, deadline) == 0)
		st = read_reply(fd, deadline);
	if (fd >= 0)
		close(fd);
	*ms = now_ms() - t0;
	return st;
}

/* Whether the server has closed fd (end of file or a reset waiting). */
static bool closed_by_server(int fd)
{
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT | MSG_PEEK);
	return n == 0 || (n < 0 && errno != EAGAIN);
}

static void raise_nofile(int need)
{
	struct rlimit r;
	getrlimit(RLIMIT_NOFILE, &r);
	if (r.rlim_cur < (rlim_t)need && r.rlim_max > r.rlim_cur) {
		r.rlim_cur = r.rlim_max < (rlim_t)need ? r.rlim_max : (rlim_t)need;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}

/* ---- hold ---- */

/* A request must be answered within bound; one that is not is still waited
 * for this much longer, to see how late it is. After a few such failures the
 * rest are not made: the server has shown it starves them. */
#define LATE_GRACE_MS 5000
#define MAX_FAILURES 3

static int cmd_hold(int n, int m, double bound)
{
	int *held = calloc((size_t)n, sizeof(*held)), opened = 0, kept_ok = 0, late = 0, ok = 0;
	double *lat = calloc((size_t)m, sizeof(*lat)), *kl = calloc((size_t)n, sizeof(*kl));
	double t0 = now_ms();
	int nk = 0, nm = 0, kfail = 0;
	for (int i = 0; i < n; i++) {
		held[i] = dial();
		if (held[i] < 0)
			break;
		opened++;
		if (i % 2 || kfail >= MAX_FAILURES)
			continue; /* held with no request */
		double t = now_ms(), deadline = t + bound + LATE_GRACE_MS;
		int st = send_all(held[i], req_keep, keep_len, deadline) ? -1 :
			 read_reply(held[i], deadline);
		kl[nk++] = now_ms() - t;
		if (st == 200 && kl[nk - 1] <= bound) {
			kept_ok++;
		} else if (++kfail <= MAX_FAILURES) {
			printf("hold: keep-alive request on held connection %d: status %d after %.0f ms\n",
			       i, st, kl[nk - 1]);
		}
	}
	double t1 = now_ms();
	printf("hold: %d of %d connections open in %.0f ms, %d of %d keep-alive requests on them "
	       "answered within %.0f ms\n", opened, n, t1 - t0, kept_ok, (n + 1) / 2, bound);
	print_dist("hold: keep-alive requests while opening", kl, nk);
	for (int i = 0; i < m && late < MAX_FAILURES; i++, nm++) {
		int st = fresh_request(&lat[i], bound + LATE_GRACE_MS);
		if (st == 200 && lat[i] <= bound) {
			ok++;
		} else {
			late++;
			printf("hold: new request %d: status %d after %.0f ms\n", i, st, lat[i]);
		}
	}
	int closed = 0;
	for (int i = 0; i < opened; i++) {
		if (closed_by_server(held[i]))
			closed++;
		close(held[i]);
	}
	printf("hold: %d of %d new requests answered 200 within %.0f ms\n", ok, m, bound);
	print_dist("hold: new requests while held", lat, nm);
	printf("hold: the server closed %d of the %d held connections\n", closed, opened);
	free(held);
	free(lat);
	free(kl);
	return opened == n && kept_ok == (n + 1) / 2 && late == 0 && nm == m ? 0 : 1;
}

/* ---- slow ---- */

/* A head that takes minutes at a byte a second. */
static char slow_head[512];
static size_t slow_len;

struct slow {
	int fd;
	size_t sent;
	double first, next, cut;
	int status; /* 0 none yet, >0 the reply's status, -1 closed without one */
};

struct prober {
	double bound;
	bool stop;       /* atomic: set by the main thread */
	int n, ok, late;
	double lat[4096];
};

/* Requests on new connections, one every 200 ms, while the slow ones go on. */
static void *probe_main(void *arg)
{
	struct prober *p = arg;
	while (!__atomic_load_n(&p->stop, __ATOMIC_RELAXED) && p->n < 4096) {
		double ms;
		int st = fresh_request(&ms, p->bound + LATE_GRACE_MS);
		p->lat[p->n++] = ms;
		if (st == 200)
			p->ok++;
		if (st != 200 || ms > p->bound) {
			p->late++;
			if (p->late <= 5)
				printf("slow: request on a new connection: status %d after %.0f ms\n", st, ms);
		}
		usleep(200000);
	}
	return NULL;
}

/* Reads what the server sent on s: the status of a reply, or the close. */
static void slow_read(struct slow *s, double t)
{
	char buf[4096];
	for (;;) {
		ssize_t k = recv(s->fd, buf, sizeof(buf) - 1, 0);
		if (k > 0) {
			int st;
			buf[k] = 0;
			if (!s->status && sscanf(buf, "HTTP/1.%*d %d", &st) == 1)
				s->status = st;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EAGAIN && !s->status)
			return;
		break;
	}
	if (!s->status)
		s->status = -1;
	s->cut = t - s->first;
	close(s->fd);
	s->fd = -1;
}

/* One pass over the slow clients: what the server sent is read, the byte
 * due is sent. Returns how many are still connected. */
static int slow_step(struct slow *s, int n, struct pollfd *p)
{
	int live = 0;
	for (int i = 0; i < n; i++)
		p[i] = (struct pollfd){ s[i].fd, POLLIN, 0 };
	poll(p, (nfds_t)n, 10); /* negative fds are skipped */
	double t = now_ms();
	for (int i = 0; i < n; i++) {
		if (s[i].fd < 0)
			continue;
		if (p[i].revents) {
			slow_read(&s[i], t);
			if (s[i].fd < 0)
				continue;
		}
		live++;
		if (t >= s[i].next && s[i].sent < slow_len) {
			if (send(s[i].fd, slow_head + s[i].sent, 1, MSG_NOSIGNAL) == 1)
				s[i].sent++;
			s[i].next = t + 1000; /* never faster, even after a late pass */
		}
	}
	return live;
}

static int cmd_slow(int n, double min_s, double max_s, double bound)
{
	struct slow *s = calloc((size_t)n, sizeof(*s));
	slow_len = (size_t)snprintf(slow_head, sizeof(slow_head),
				    "GET / HTTP/1.1\r\nHost: t\r\nX-Slow: %0400d\r\n\r\n", 0);
	int opened = 0;
	double t0 = now_ms();
	for (int i = 0; i < n; i++) {
		s[i].fd = dial();
		if (s[i].fd < 0)
			break;
		opened++;
		s[i].first = now_ms();
		s[i].next = s[i].first;
	}
	for (int i = opened; i < n; i++)
		s[i].fd = -1;
	printf("slow: %d of %d slow clients connected in %.0f ms\n", opened, n, now_ms() - t0);
	struct prober *p = calloc(1, sizeof(*p));
	p->bound = bound;
	pthread_t t;
	pthread_create(&t, NULL, probe_main, p);
	double end = now_ms() + (max_s + 10) * 1e3;
	struct pollfd *pf = calloc((size_t)n + 1, sizeof(*pf));
	while (slow_step(s, opened, pf) > 0 && now_ms() < end)
		;
	free(pf);
	__atomic_store_n(&p->stop, true, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	int r408 = 0, other = 0, silent = 0, open = 0, early = 0, late = 0;
	double *cut = calloc((size_t)n + 1, sizeof(*cut));
	int nc = 0;
	size_t most = 0;
	for (int i = 0; i < opened; i++) {
		most = s[i].sent > most ? s[i].sent : most;
		if (s[i].fd >= 0) {
			open++;
			close(s[i].fd);
			continue;
		}
		r408 += s[i].status == 408;
		silent += s[i].status == -1;
		other += s[i].status > 0 && s[i].status != 408;
		early += s[i].cut < min_s * 1e3;
		late += s[i].cut > max_s * 1e3;
		cut[nc++] = s[i].cut;
	}
	printf("slow: %d cut off with 408, %d closed without a reply, %d other replies, %d still open; "
	       "%d before %.0f s, %d after %.0f s; the longest sent %zu of %zu bytes\n", r408, silent,
	       other, open, early, min_s, late, max_s, most, slow_len);
	print_dist("slow: time until cut off", cut, nc);
	printf("slow: %d of %d requests on new connections answered 200, %d not within %.0f ms\n",
	       p->ok, p->n, p->late, bound);
	print_dist("slow: requests on new connections meanwhile", p->lat, p->n);
	int bad = opened != n || open || other || early || late || p->late || p->n == 0;
	free(s);
	free(cut);
	free(p);
	return bad;
}

/* ---- idle ---- */

static int cmd_idle(double min_s, double max_s)
{
	double t0 = now_ms();
	int fd = dial();
	if (fd < 0 || send_all(fd, req_keep, keep_len, t0 + OP_TIMEOUT_MS) ||
	    read_reply(fd, t0 + OP_TIMEOUT_MS) != 200) {
		printf("idle: the keep-alive request failed\n");
		return 1;
	}
	double t1 = now_ms();
	wait_fd(fd, POLLIN, t1 + (max_s + 10) * 1e3);
	double s = (now_ms() - t1) / 1e3;
	bool closed = closed_by_server(fd);
	close(fd);
	printf("idle: the server %s the idle keep-alive connection after %.1f s (expected %.0f-%.0f s)\n",
	       closed ? "closed" : "did not close", s, min_s, max_s);
	return closed && s >= min_s && s <= max_s ? 0 : 1;
}

/* ---- load ---- */

struct loader {
	double until;
	int *per_sec;   /* answers per second since the start */
	double start;
	int ok, failed, timeouts, reconnects;
	pthread_mutex_t lock;
};

static void *load_main(void *arg)
{
	struct loader *l = arg;
	int fd = -1;
	while (now_ms() < l->until) {
		if (fd < 0) {
			fd = dial();
			if (fd < 0) {
				usleep(100000);
				continue;
			}
		}
		double deadline = now_ms() + LOAD_REQ_MS;
		int st = send_all(fd, req_keep, keep_len, deadline) ? -1 :
			 read_reply(fd, deadline);
		pthread_mutex_lock(&l->lock);
		if (st == 200) {
			l->ok++;
			l->per_sec[(int)((now_ms() - l->start) / 1e3)]++;
		} else {
			*(st == -2 ? &l->timeouts : &l->failed) += 1;
			l->reconnects++;
		}
		pthread_mutex_unlock(&l->lock);
		if (st != 200) {
			close(fd);
			fd = -1;
		}
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

static int cmd_load(int c, int secs)
{
	struct loader l = { .start = now_ms(), .lock = PTHREAD_MUTEX_INITIALIZER };
	l.until = l.start + secs * 1e3;
	l.per_sec = calloc((size_t)secs + 60, sizeof(int));
	pthread_t *t = calloc((size_t)c, sizeof(*t));
	for (int i = 0; i < c; i++)
		pthread_create(&t[i], NULL, load_main, &l);
	for (int i = 0; i < c; i++)
		pthread_join(t[i], NULL);
	printf("load: %d answers, %d failed, %d timed out (%d s), %d new connections after them, "
	       "in %.1f s\n", l.ok, l.failed, l.timeouts, LOAD_REQ_MS / 1000, l.reconnects,
	       (now_ms() - l.start) / 1e3);
	printf("per second:");
	for (int i = 0; i < secs; i++)
		printf(" %d", l.per_sec[i]);
	printf("\n");
	free(l.per_sec);
	free(t);
	return l.ok > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *path = "/index.html";
	if (argc > 2 && !strcmp(argv[1], "-p")) {
		path = argv[2];
		argc -= 2;
		argv += 2;
	}
	if (argc < 3 || strlen(path) > 500) {
		fprintf(stderr, "usage: overload [-p PATH] PORT hold|slow|idle|load ARGS (see the source)\n");
		return 2;
	}
	keep_len = (size_t)snprintf(req_keep, sizeof(req_keep), "GET %s HTTP/1.1\r\nHost: t\r\n\r\n",
				    path);
	close_len = (size_t)snprintf(req_close, sizeof(req_close),
				     "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", path);
	port = atoi(argv[1]);
	const char *cmd = argv[2];
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "hold") && argc == 6) {
		raise_nofile(atoi(argv[3]) + 64);
		return cmd_hold(atoi(argv[3]), atoi(argv[4]), atof(argv[5]));
	}
	if (!strcmp(cmd, "slow") && argc == 7) {
		raise_nofile(atoi(argv[3]) + 64);
		return cmd_slow(atoi(argv[3]), atof(argv[4]), atof(argv[5]), atof(argv[6]));
	}
	if (!strcmp(cmd, "idle") && argc == 5)
		return cmd_idle(atof(argv[3]), atof(argv[4]));
	if (!strcmp(cmd, "load") && argc == 5)
		return cmd_load(atoi(argv[3]), atoi(argv[4]));
	fprintf(stderr, "overload: bad command\n");
	return 2;
}
