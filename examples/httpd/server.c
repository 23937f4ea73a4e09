/* SPDX-License-Identifier: MIT */
/*
 * The server core of httpd and kv (see server.h). Each core's thread has a
 * listening socket of its own on the port (SO_REUSEPORT: the kernel hands
 * each new connection to one of them and wakes only that core); where
 * SO_REUSEPORT is refused, one listening socket is in every core's epoll set
 * (EPOLLEXCLUSIVE where the kernel honours it). The core whose thread accepts
 * a connection keeps it, so a connection's state is only ever touched by one
 * thread and needs no lock. Plain POSIX plus epoll
 * and eventfd: the same file builds for Linux with musl-gcc.
 * Overload (docs/examples.md): a request head has a deadline, and when
 * descriptors or memory run short the oldest idle connections make room.
 */
#define _GNU_SOURCE
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <toro/thread.h>

#define SRV_IN_CAP HTTP_MAX_HEAD  /* a head and small bodies; bigger bodies get their own buffer */
#define SRV_OUT_CAP 4096          /* reply heads and copied bodies, pipelined replies batched */
#define SRV_REPLY_ROOM 2048       /* free space needed to answer the next request */
#define SRV_MAX_CPUS 64
#define SRV_NS 1000000000ull
#define SRV_LINGER_NS (2 * SRV_NS)         /* draining after the last reply */
#define SRV_PAUSE_NS (100 * 1000000ull)    /* no accept after running out of descriptors */
#define SRV_ACCEPT_BATCH 16
/* Descriptors kept out of the connections' budget: standard streams, the
 * listener, an epoll set and an eventfd per core, and the files replies are
 * sent from (httpd --root), for which there is no other bound. */
#define SRV_FD_MARGIN 64
/* A connection closed to make room has been quiet this long: one just
 * accepted, whose request may be on its way, is left alone. */
#define SRV_EVICT_AGE_NS (SRV_NS / 4)

struct srv_loop;

struct srv_conn {
	int fd;
	struct srv_loop *loop;
	struct srv_conn *prev, *next;
	uint64_t last;           /* monotonic ns of the last bytes received or sent */
	uint64_t head_start;     /* monotonic ns of an unfinished head's first byte */
	uint32_t events;         /* what epoll waits for: EPOLLIN or EPOLLOUT */
	struct in_addr peer;
	bool eof;                /* the peer sent FIN */
	bool closing;            /* close once the output is sent */
	bool shut;               /* output shut down: reading and dropping until FIN */
	bool replied, sent_continue, exit_after;
	struct http_request req;
	int head;                /* the parsed head's length, 0 while incomplete */
	char *body;              /* a body too big for in[], malloc'd */
	size_t body_got;
	size_t in_len, out_len, out_off;
	const char *ext;         /* a reply body sent from where it is */
	size_t ext_len, ext_off;
	void (*release)(void *);
	void *arg;
	bool file;               /* a reply body from file_fd follows out[] */
	int file_fd;
	off_t file_off;
	size_t file_left;
	char in[SRV_IN_CAP];
	char out[SRV_OUT_CAP];
};

struct srv_loop {
	int cpu, ep;
	int lfd;                 /* this core's listener, or the one shared by all */
	struct srv_conn *conns;  /* most recently active first */
	struct srv_conn *tail;   /* least recently active */
	int kick;                /* eventfd: another core asks this one to make room */
	uint64_t now;            /* monotonic ns, read once per wake-up */
	uint64_t paused_until;   /* accepting again after this, when nonzero */
	uint64_t last_scan;
	time_t date_sec;
	uint64_t date_until;     /* monotonic ns: date[] holds until then at least */
	char date[40];           /* Date: header, IMF-fixdate */
	char clf[40];            /* access log time */
	/* statistics, read by /debug/stats from any core */
	uint64_t requests, accepted, evicted, timeouts;
	uint32_t open;
} __attribute__((aligned(64)));

static const struct srv_config *cfg;
static int ncpus;
static struct srv_loop loops[SRV_MAX_CPUS];
static uint64_t header_ns, idle_ns;
static int conn_max;     /* connections at once, all cores together */
static int total_open;   /* atomic: connections open on all cores */
static char kick_tag;    /* epoll data of a loop's eventfd (the listener's is NULL) */

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void update_time(struct srv_loop *l)
{
	l->now = mono_ns();
	/* The wall clock only when its second may have turned: one clock read
	 * per wake-up instead of two (a system call each on Toro). */
	if (l->now < l->date_until && l->date[0])
		return;
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	time_t t = rt.tv_sec;
	l->date_until = l->now + (uint64_t)(1000000000L - rt.tv_nsec);
	if (t == l->date_sec && l->date[0])
		return;
	/* By hand rather than strftime, which would bring the time zone code. */
	static const char days[] = "SunMonTueWedThuFriSat", months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(l->date, sizeof(l->date), "%.3s, %02d %.3s %d %02d:%02d:%02d GMT",
		 days + 3 * tm.tm_wday, tm.tm_mday, months + 3 * tm.tm_mon, tm.tm_year + 1900,
		 tm.tm_hour, tm.tm_min, tm.tm_sec);
	snprintf(l->clf, sizeof(l->clf), "%02d/%.3s/%d:%02d:%02d:%02d +0000", tm.tm_mday,
		 months + 3 * tm.tm_mon, tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	l->date_sec = t;
}

static void count(uint64_t *v, int64_t d) { __atomic_add_fetch(v, (uint64_t)d, __ATOMIC_RELAXED); }

/* ---- replies ---- */

static void log_access(struct srv_conn *c, int status, size_t bytes)
{
	char addr[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &c->peer, addr, sizeof(addr));
	if (c->head) {
		const struct http_request *r = &c->req;
		int tl = r->target_len > 256 ? 256 : (int)r->target_len;
		printf("%s - - [%s] \"%.*s %.*s HTTP/1.%d\" %d %zu\n", addr, c->loop->clf,
		       (int)r->method_len, r->method_str, tl, r->target, r->version_minor, status, bytes);
	} else {
		printf("%s - - [%s] \"-\" %d %zu\n", addr, c->loop->clf, status, bytes);
	}
}

/* A reply head written piece by piece: snprintf's format parsing was a fifth
 * of the guest instructions of a keep-alive request. over: it did not fit. */
struct head_buf {
	char *p;
	size_t left;
	bool over;
};

static void head_put_n(struct head_buf *h, const char *s, size_t n)
{
	if (n >= h->left) {
		h->over = true;
		return;
	}
	memcpy(h->p, s, n);
	h->p += n;
	h->left -= n;
}

static void head_put(struct head_buf *h, const char *s) { head_put_n(h, s, strlen(s)); }
/* A string literal: its length known at compile time. */
#define HEAD_LIT(h, lit) head_put_n(h, lit, sizeof(lit) - 1)

static void head_num(struct head_buf *h, uint64_t v)
{
	char d[24];
	int i = (int)sizeof(d) - 1;
	d[i] = '\0';
	do
		d[--i] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	head_put_n(h, d + i, sizeof(d) - 1 - (size_t)i);
}

/* The status line and headers of rep into o (room bytes): the length, or
 * -1 when they do not fit. */
static int reply_head(struct srv_conn *c, const struct srv_reply *rep, bool close_after,
		      char *o, size_t room)
{
	struct head_buf h = { o, room, false };
	HEAD_LIT(&h, "HTTP/1.1 ");
	head_num(&h, (uint64_t)(unsigned)rep->status);
	HEAD_LIT(&h, " ");
	head_put(&h, http_reason(rep->status));
	HEAD_LIT(&h, "\r\nServer: toro\r\nDate: ");
	head_put(&h, c->loop->date);
	HEAD_LIT(&h, "\r\n");
	if (rep->type) {
		HEAD_LIT(&h, "Content-Type: ");
		head_put(&h, rep->type);
		HEAD_LIT(&h, "\r\n");
	}
	if (rep->headers)
		head_put(&h, rep->headers);
	if (rep->status != 204) {
		HEAD_LIT(&h, "Content-Length: ");
		head_num(&h, rep->len);
		HEAD_LIT(&h, "\r\n");
	}
	if (close_after)
		HEAD_LIT(&h, "Connection: close\r\n");
	else if (c->req.version_minor == 0)
		HEAD_LIT(&h, "Connection: keep-alive\r\n");
	HEAD_LIT(&h, "\r\n");
	return h.over ? -1 : (int)(room - h.left);
}

void srv_respond(struct srv_conn *c, const struct srv_reply *rep)
{
	const struct http_request *r = &c->req;
	bool head_only = c->head && r->method == HTTP_HEAD, no_body = rep->status == 204;
	bool close_after = c->closing || !c->head || !r->keep_alive;
	size_t room = SRV_OUT_CAP - c->out_len;
	char *o = c->out + c->out_len;
	int status = rep->status;

	int n = reply_head(c, rep, close_after, o, room);
	bool copy = rep->copy && !head_only && !no_body;
	if (n < 0 || (size_t)n >= room || (copy && rep->len > SRV_COPY_MAX) ||
	    (copy && (size_t)n + rep->len > room)) {
		/* A handler's bug (headers too long): say so rather than send half. */
		n = snprintf(o, room, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n"
				      "Connection: close\r\n\r\n");
		close_after = true;
		copy = false;
		head_only = true; /* no body: release it below */
		status = 500;
	}
	c->out_len += (size_t)n;
	if (copy) {
		memcpy(c->out + c->out_len, rep->body, rep->len);
		c->out_len += rep->len;
	}
	if (rep->from_file) {
		if (head_only || no_body || rep->len == 0 || status != rep->status) {
			close(rep->fd);
		} else {
			c->file = true;
			c->file_fd = rep->fd;
			c->file_off = (off_t)rep->off;
			c->file_left = rep->len;
		}
	} else if (copy || head_only || no_body || rep->len == 0) {
		if (rep->release)
			rep->release(rep->arg);
	} else {
		c->ext = rep->body;
		c->ext_len = rep->len;
		c->ext_off = 0;
		c->release = rep->release;
		c->arg = rep->arg;
	}
	c->closing = close_after;
	c->replied = true;
	if (!cfg->quiet)
		log_access(c, status, head_only || no_body ? 0 : rep->len);
}

void srv_respond_text(struct srv_conn *c, int status, const char *text)
{
	struct srv_reply rep = { .status = status, .type = "text/plain; charset=utf-8",
				 .body = text, .len = strlen(text), .copy = true };
	srv_respond(c, &rep);
}

static void respond_error(struct srv_conn *c, int status)
{
	char text[64];
	snprintf(text, sizeof(text), "%d %s\n", status, http_reason(status));
	c->closing = true;
	srv_respond_text(c, status, text);
}

/* ---- debug endpoints (--debug) ---- */

static int open_fds(void)
{
	int n = 0;
	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

static bool debug_request(struct srv_conn *c, const struct http_request *r)
{
	char text[SRV_COPY_MAX];
	const char *t = r->target;
	size_t n = r->target_len;
	if (n < 7 || memcmp(t, "/debug/", 7))
		return false;
	if (n == 10 && !memcmp(t + 7, "fds", 3)) {
		snprintf(text, sizeof(text), "%d\n", open_fds());
	} else if (n == 12 && !memcmp(t + 7, "stats", 5)) {
		int k = snprintf(text, sizeof(text), "fds %d\ncpus %d\n", open_fds(), ncpus);
		for (int i = 0; i < ncpus && k < (int)sizeof(text) - 120; i++)
			k += snprintf(text + k, sizeof(text) - (size_t)k,
				      "cpu%d accepted %llu requests %llu open %u evicted %llu timeouts %llu\n",
				      i,
				      (unsigned long long)__atomic_load_n(&loops[i].accepted, __ATOMIC_RELAXED),
				      (unsigned long long)__atomic_load_n(&loops[i].requests, __ATOMIC_RELAXED),
				      __atomic_load_n(&loops[i].open, __ATOMIC_RELAXED),
				      (unsigned long long)__atomic_load_n(&loops[i].evicted, __ATOMIC_RELAXED),
				      (unsigned long long)__atomic_load_n(&loops[i].timeouts, __ATOMIC_RELAXED));
	} else if (n == 11 && !memcmp(t + 7, "exit", 4)) {
		snprintf(text, sizeof(text), "bye\n");
		c->exit_after = true;
		c->closing = true;
	} else {
		return false;
	}
	srv_respond_text(c, 200, text);
	return true;
}

/* ---- one connection ---- */

static void want(struct srv_conn *c, uint32_t events)
{
	if (c->events == events)
		return;
	struct epoll_event ev = { .events = events, .data.ptr = c };
	if (epoll_ctl(c->loop->ep, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->events = events;
}

/* A loop's connections, most recently active first. */
static void conn_link(struct srv_loop *l, struct srv_conn *c)
{
	c->prev = NULL;
	c->next = l->conns;
	if (l->conns)
		l->conns->prev = c;
	else
		l->tail = c;
	l->conns = c;
}

static void conn_unlink(struct srv_loop *l, struct srv_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		l->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		l->tail = c->prev;
}

static void conn_close(struct srv_conn *c)
{
	struct srv_loop *l = c->loop;
	bool exit_after = c->exit_after;
	close(c->fd);
	if (c->release)
		c->release(c->arg);
	if (c->file)
		close(c->file_fd);
	free(c->body);
	conn_unlink(l, c);
	free(c);
	__atomic_sub_fetch(&l->open, 1, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&total_open, 1, __ATOMIC_RELAXED);
	if (exit_after) {
		printf("%s: exit requested\n", cfg->name);
		exit(0);
	}
}

/* The file body after the head: straight from the file to the socket. */
static int flush_file(struct srv_conn *c)
{
	while (c->file_left > 0) {
		ssize_t w = sendfile(c->fd, c->file_fd, &c->file_off, c->file_left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 1;
		if (w <= 0)
			return -1; /* an error, or the file shrank: the length cannot be kept */
		c->file_left -= (size_t)w;
		c->last = c->loop->now;
	}
	close(c->file_fd);
	c->file = false;
	return 0;
}

/* Sends what is queued: 0 when all is sent, 1 when the socket is full, -1 on error. */
static int flush(struct srv_conn *c)
{
	while (c->out_off < c->out_len || (c->ext && c->ext_off < c->ext_len)) {
		struct iovec iov[2];
		struct msghdr msg = { .msg_iov = iov };
		if (c->out_off < c->out_len)
			iov[msg.msg_iovlen++] = (struct iovec){ c->out + c->out_off, c->out_len - c->out_off };
		if (c->ext && c->ext_off < c->ext_len)
			iov[msg.msg_iovlen++] = (struct iovec){ (void *)(c->ext + c->ext_off),
								c->ext_len - c->ext_off };
		ssize_t w = sendmsg(c->fd, &msg, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 1 : -1;
		}
		size_t k = (size_t)w, o = c->out_len - c->out_off;
		c->last = c->loop->now;
		if (k >= o) {
			c->out_off = c->out_len;
			c->ext_off += k - o;
		} else {
			c->out_off += k;
		}
	}
	c->out_off = c->out_len = 0;
	if (c->ext) {
		if (c->release)
			c->release(c->arg);
		c->ext = NULL;
		c->release = NULL;
	}
	return c->file ? flush_file(c) : 0;
}

static void queue_continue(struct srv_conn *c)
{
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	if (!c->req.expect_continue || c->sent_continue || c->req.version_minor == 0)
		return;
	memcpy(c->out + c->out_len, cont, sizeof(cont) - 1);
	c->out_len += sizeof(cont) - 1;
	c->sent_continue = true;
}

static void dispatch(struct srv_conn *c, const char *body, size_t len)
{
	struct srv_loop *l = c->loop;
	count(&l->requests, 1);
	c->replied = false;
	if (!(cfg->debug && debug_request(c, &c->req)))
		cfg->handler(c, &c->req, body, len);
	if (!c->replied)
		respond_error(c, 500);
}

/* One step on buffered input: 1 when a request was answered, 0 when more
 * bytes are needed. */
static int advance(struct srv_conn *c)
{
	size_t cl;
	if (!c->head) {
		int ret = http_parse(&c->req, c->in, c->in_len);
		if (ret < 0) {
			respond_error(c, -ret);
			return 1;
		}
		if (ret == 0) {
			if (c->in_len < SRV_IN_CAP)
				return 0;
			respond_error(c, 431); /* cannot happen: the parser's limit is the buffer's */
			return 1;
		}
		c->head = ret;
		cl = c->req.content_length > 0 ? (size_t)c->req.content_length : 0;
		if (cl > cfg->max_body) {
			respond_error(c, 413);
			return 1;
		}
		if ((size_t)ret + cl > SRV_IN_CAP) {
			size_t have = c->in_len - (size_t)ret;
			c->body = malloc(cl);
			if (!c->body) {
				respond_error(c, 503);
				return 1;
			}
			c->body_got = have < cl ? have : cl;
			memcpy(c->body, c->in + ret, c->body_got);
			memmove(c->in + ret, c->in + ret + c->body_got, have - c->body_got);
			c->in_len -= c->body_got;
		}
	}
	cl = c->req.content_length > 0 ? (size_t)c->req.content_length : 0;
	const char *body = c->body ? c->body : c->in + c->head;
	if (c->body ? c->body_got < cl : c->in_len < (size_t)c->head + cl) {
		queue_continue(c);
		return 0;
	}
	dispatch(c, body, cl);
	size_t used = (size_t)c->head + (c->body ? 0 : cl);
	memmove(c->in, c->in + used, c->in_len - used);
	c->in_len -= used;
	free(c->body);
	c->body = NULL;
	c->head = 0;
	c->head_start = c->in_len ? c->loop->now : 0; /* a pipelined request's head began */
	c->sent_continue = false;
	http_request_init(&c->req);
	return 1;
}

/* After the last reply: FIN, then read and drop until the peer's FIN, so
 * that unread bytes do not turn our close into a reset that could destroy
 * the reply before the peer has read it. 1 while draining, -1 when done. */
static int linger(struct srv_conn *c)
{
	if (!c->shut) {
		shutdown(c->fd, SHUT_WR);
		c->shut = true;
	}
	for (;;) {
		ssize_t n = recv(c->fd, c->in, sizeof(c->in), 0);
		if (n > 0)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			want(c, EPOLLIN);
			return 1;
		}
		return -1;
	}
}

static void conn_event(struct srv_conn *c)
{
	bool drained = false; /* a read came back short: the socket is empty */
	for (;;) {
		if (c->closing || c->ext || c->file || SRV_OUT_CAP - c->out_len < SRV_REPLY_ROOM) {
			int f = flush(c);
			if (f < 0)
				goto dead;
			if (f > 0) {
				want(c, EPOLLOUT);
				return;
			}
			if (c->closing) {
				if (c->eof || linger(c) < 0)
					goto dead;
				return;
			}
		}
		if (advance(c))
			continue;
		/* More bytes needed: send what is answered first. */
		int f = flush(c);
		if (f < 0)
			goto dead;
		if (f > 0) {
			want(c, EPOLLOUT);
			return;
		}
		if (c->eof)
			goto dead; /* a partial request, or none: nothing to answer */
		if (drained) {
			/* The epoll set is level-triggered: it wakes us again for
			 * more bytes or the peer's FIN, and a read that would only
			 * say EAGAIN is saved. */
			want(c, EPOLLIN);
			return;
		}
		ssize_t n;
		size_t ask = c->body ? (size_t)c->req.content_length - c->body_got
				     : SRV_IN_CAP - c->in_len;
		n = recv(c->fd, c->body ? c->body + c->body_got : c->in + c->in_len, ask, 0);
		if (n > 0) {
			drained = (size_t)n < ask;
			if (!c->head && !c->in_len)
				c->head_start = c->loop->now;
			*(c->body ? &c->body_got : &c->in_len) += (size_t)n;
			c->last = c->loop->now;
		} else if (n == 0) {
			c->eof = true;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			want(c, EPOLLIN);
			return;
		} else if (errno != EINTR) {
			goto dead;
		}
	}
dead:
	conn_close(c);
}

/* ---- the loop of one core ---- */

static void listener_watch(struct srv_loop *l, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data.ptr = NULL };
	epoll_ctl(l->ep, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, l->lfd, on ? &ev : NULL);
}

/* No accepting on this core for a moment: until a connection closes here, or
 * another core makes room (it still accepts), or 100 ms pass. */
static void pause_accepting(struct srv_loop *l)
{
	if (l->paused_until)
		return;
	listener_watch(l, false);
	l->paused_until = l->now + SRV_PAUSE_NS;
}

/* Waiting for a request (none under way, nothing to send), or lingering
 * after the last reply: closing it loses nothing the client was promised. */
static bool conn_idle(const struct srv_conn *c)
{
	if (c->shut)
		return true;
	return !c->closing && !c->head && !c->in_len && c->out_len == c->out_off && !c->ext &&
	       !c->file;
}

/* A head that has begun and not ended, with nothing of ours to send. */
static bool conn_in_head(const struct srv_conn *c)
{
	return !c->closing && !c->head && c->in_len && c->out_len == c->out_off && !c->ext &&
	       !c->file;
}

/* 408 and the lingering close: the head took too long. */
static void conn_timeout(struct srv_conn *c)
{
	count(&c->loop->timeouts, 1);
	respond_error(c, 408);
	conn_event(c); /* sends it and starts lingering, or closes */
}

/* Closes one of this core's connections to make room: the least recently
 * active idle one, else the one whose unfinished head began first (it gets
 * a 408 it may not see: its descriptor is needed now). Only connections quiet
 * for SRV_EVICT_AGE_NS qualify. False when there is none. */
static bool evict_one(struct srv_loop *l)
{
	struct srv_conn *c, *slowest = NULL;
	for (c = l->tail; c; c = c->prev) {
		if (l->now - c->last < SRV_EVICT_AGE_NS)
			continue;
		if (conn_idle(c))
			break;
		if (conn_in_head(c) && (!slowest || c->head_start < slowest->head_start))
			slowest = c;
	}
	if (!c)
		c = slowest;
	if (!c)
		return false;
	if (!c->shut && c->in_len) {
		respond_error(c, 408);
		flush(c); /* as much as the socket takes now */
	}
	count(&l->evicted, 1);
	conn_close(c);
	return true;
}

/* Room for one more connection: at the budget, this core closes one of its
 * own; with none to close it stops accepting for a moment and asks the
 * others (who still accept) to close one of theirs. */
static bool make_room(struct srv_loop *l)
{
	if (evict_one(l))
		return true;
	uint64_t one = 1;
	for (int i = 0; i < ncpus; i++)
		if (&loops[i] != l)
			(void)write(loops[i].kick, &one, sizeof(one)); /* full only after 2^64 - 2 kicks */
	pause_accepting(l);
	return false;
}

static bool at_budget(void)
{
	return __atomic_load_n(&total_open, __ATOMIC_RELAXED) >= conn_max;
}

static struct srv_conn *conn_new(struct srv_loop *l, int fd, struct in_addr peer)
{
	struct srv_conn *c = malloc(sizeof(*c));
	if (!c && evict_one(l))
		c = malloc(sizeof(*c)); /* memory may have come back with it */
	if (!c)
		return NULL;
	memset(c, 0, offsetof(struct srv_conn, in));
	c->fd = fd;
	c->loop = l;
	c->peer = peer;
	c->last = l->now;
	c->events = EPOLLIN;
	http_request_init(&c->req);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev)) {
		free(c);
		return NULL;
	}
	conn_link(l, c);
	count(&l->accepted, 1);
	__atomic_add_fetch(&l->open, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&total_open, 1, __ATOMIC_RELAXED);
	return c;
}

static void accept_some(struct srv_loop *l)
{
	static bool warned;
	for (int i = 0; i < SRV_ACCEPT_BATCH && !l->paused_until; i++) {
		if (at_budget()) {
			/* Room is made only for a connection that is waiting. */
			struct pollfd p = { l->lfd, POLLIN, 0 };
			if (poll(&p, 1, 0) != 1 || !make_room(l))
				return;
		}
		struct sockaddr_in a;
		socklen_t alen = sizeof(a);
		int fd = accept4(l->lfd, (struct sockaddr *)&a, &alen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EMFILE && errno != ENFILE && errno != ENOBUFS && errno != ENOMEM)
				return; /* EAGAIN: another core took it; ECONNABORTED and the like */
			if (!warned)
				fprintf(stderr, "%s: accept: %s (closing idle connections, else pausing "
					"100 ms)\n", cfg->name, strerror(errno));
			warned = true;
			if (!make_room(l))
				return;
			continue;
		}
		if (!conn_new(l, fd, a.sin_addr))
			close(fd);
	}
}

/* Another core is out of room and has nothing to close. */
static void kicked(struct srv_loop *l)
{
	uint64_t v;
	if (read(l->kick, &v, sizeof(v)) < 0)
		return;
	if (at_budget())
		evict_one(l);
	accept_some(l);
}

/* Once a second: heads past their deadline get 408, connections with no
 * bytes either way for too long are closed. */
static void expire(struct srv_loop *l)
{
	if (l->now - l->last_scan < SRV_NS)
		return;
	l->last_scan = l->now;
	for (struct srv_conn *c = l->conns, *next; c; c = next) {
		next = c->next;
		if (c->shut) {
			if (l->now - c->last > SRV_LINGER_NS)
				conn_close(c);
		} else if (conn_in_head(c) && l->now - c->head_start > header_ns) {
			conn_timeout(c); /* may close c; next is untouched */
		} else if (l->now - c->last > idle_ns) {
			conn_close(c);
		}
	}
}

static void touch(struct srv_loop *l, struct srv_conn *c)
{
	if (l->conns == c)
		return;
	conn_unlink(l, c);
	conn_link(l, c);
}

static void *loop_main(void *arg)
{
	struct srv_loop *l = arg;
	struct epoll_event evs[64];
	for (;;) {
		int timeout = -1;
		if (l->paused_until)
			timeout = 100;
		else if (l->conns)
			timeout = 1000;
		int n = epoll_wait(l->ep, evs, 64, timeout);
		bool listener = false, kick = false;
		update_time(l);
		for (int i = 0; i < n; i++) {
			struct srv_conn *c = evs[i].data.ptr;
			if (!c || (void *)c == &kick_tag) {
				*(c ? &kick : &listener) = true;
				continue;
			}
			touch(l, c);
			conn_event(c);
		}
		/* After the connections' events: making room closes connections
		 * that later events of this batch would name. */
		if (kick)
			kicked(l);
		else if (listener)
			accept_some(l);
		if (l->paused_until && l->now >= l->paused_until) {
			l->paused_until = 0;
			listener_watch(l, true);
		}
		if (l->conns)
			expire(l);
	}
	return NULL;
}

/* A listener on port; with reuseport, one of several (SO_REUSEPORT), and a
 * failure is quiet: the caller falls back to one shared listener. */
static int listen_on(int port, bool reuseport)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
	if (fd < 0) {
		fprintf(stderr, "%s: socket: %s\n", cfg->name, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one))) {
		close(fd);
		return -1;
	}
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_ANY) };
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 255)) {
		if (!reuseport)
			fprintf(stderr, "%s: port %d: %s\n", cfg->name, port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* The connections' budget: the descriptors the program may open, less those
 * it needs besides (SRV_FD_MARGIN). */
static int budget(void)
{
	struct rlimit r;
	rlim_t n = 1024;
	if (getrlimit(RLIMIT_NOFILE, &r) == 0)
		n = r.rlim_cur;
	if (n > 1 << 20)
		n = 1 << 20; /* RLIM_INFINITY, or so many that they are not the limit */
	return n > 2 * SRV_FD_MARGIN ? (int)n - SRV_FD_MARGIN : (int)n / 2;
}

/* Each core's listener: its own (SO_REUSEPORT) when the kernel lets every
 * core have one, else one for all. False when there is none. */
static bool make_listeners(void)
{
	int i;
	for (i = 0; ncpus > 1 && i < ncpus; i++) {
		if ((loops[i].lfd = listen_on(cfg->port, true)) < 0)
			break;
		/* Connections received on core i go to core i's listener
		 * (where the kernel steers by core; else nothing changes). */
		(void)setsockopt(loops[i].lfd, SOL_SOCKET, SO_INCOMING_CPU, &i, sizeof(i));
	}
	if (ncpus > 1 && i == ncpus)
		return true;
	while (ncpus > 1 && i-- > 0)
		close(loops[i].lfd);
	int fd = listen_on(cfg->port, false);
	for (i = 0; i < ncpus; i++)
		loops[i].lfd = fd;
	return fd >= 0;
}

/* Each core's epoll set, with the listener and the core's eventfd in it. */
static int make_loops(void)
{
	for (int i = 0; i < ncpus; i++) {
		struct srv_loop *l = &loops[i];
		l->cpu = i;
		l->ep = epoll_create1(EPOLL_CLOEXEC);
		l->kick = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &kick_tag };
		if (l->ep < 0 || l->kick < 0 || epoll_ctl(l->ep, EPOLL_CTL_ADD, l->kick, &ev)) {
			fprintf(stderr, "%s: epoll or eventfd: %s\n", cfg->name, strerror(errno));
			return -1;
		}
		listener_watch(l, true);
		update_time(l);
	}
	return 0;
}

int srv_run(const struct srv_config *config)
{
	cfg = config;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	header_ns = (cfg->header_timeout ? cfg->header_timeout : SRV_HEADER_TIMEOUT) * SRV_NS;
	idle_ns = (cfg->idle ? cfg->idle : SRV_IDLE) * SRV_NS;
	conn_max = budget();
	ncpus = toro_cpu_count();
	if (ncpus < 1)
		ncpus = 1;
	if (ncpus > SRV_MAX_CPUS)
		ncpus = SRV_MAX_CPUS;
	if (!make_listeners())
		return 1;
	if (make_loops())
		return 1;
	for (int i = 1; i < ncpus; i++) {
		pthread_t t;
		int r = toro_thread_create_on(&t, i, loop_main, &loops[i]);
		if (r) {
			fprintf(stderr, "%s: thread for core %d: %s\n", cfg->name, i, strerror(r));
			return 1;
		}
	}
	printf("%s: listening on port %d, %d thread%s (one per core%s), at most %d connections\n",
	       cfg->name, cfg->port, ncpus, ncpus > 1 ? "s" : "",
	       ncpus > 1 && loops[0].lfd != loops[1].lfd ? ", a listener each" : "", conn_max);
	loop_main(&loops[0]);
	return 0;
}

/* The value of a --header-timeout or --idle: whole seconds, 1 to a day. */
static unsigned seconds_arg(const struct srv_config *c, const char *opt, const char *v)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (*end || end == v || n < 1 || n > 86400) {
		fprintf(stderr, "%s: bad %s '%s' (seconds, 1 to 86400)\n", c->name, opt, v);
		exit(2);
	}
	return (unsigned)n;
}

void srv_args(struct srv_config *c, int argc, char **argv, const char *usage)
{
	for (int i = 1, n; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--quiet")) {
			c->quiet = true;
		} else if (!strcmp(a, "--debug")) {
			c->debug = true;
		} else if (!strcmp(a, "--port") && i + 1 < argc) {
			char *end;
			long p = strtol(argv[++i], &end, 10);
			if (*end || p < 1 || p > 65535) {
				fprintf(stderr, "%s: bad port '%s'\n", c->name, argv[i]);
				exit(2);
			}
			c->port = (int)p;
		} else if (!strcmp(a, "--header-timeout") && i + 1 < argc) {
			c->header_timeout = seconds_arg(c, a, argv[++i]);
		} else if (!strcmp(a, "--idle") && i + 1 < argc) {
			c->idle = seconds_arg(c, a, argv[++i]);
		} else if (c->option && (n = c->option(argc, argv, i)) > 0) {
			i += n - 1;
		} else {
			if (strcmp(a, "--help"))
				fprintf(stderr, "%s: unknown argument '%s'\n", c->name, a);
			fprintf(stderr, "usage: %s [--port N] [--quiet] [--debug] [--header-timeout S] "
				"[--idle S]\n%s", c->name, usage);
			exit(strcmp(a, "--help") ? 2 : 0);
		}
	}
}
