/* SPDX-License-Identifier: MIT */
/* toro-serve's connections: a client, and once its VM listens, a connection
 * to the VM's hostfwd port. Bytes the client sends while the VM boots are
 * read into the client->VM buffer (up to SERVE_BUF, then the client waits in
 * TCP flow control) and sent once the upstream is connected. Each direction's
 * end of file is passed on with shutdown(SHUT_WR) after its last byte, so
 * half-closed connections work both ways; the pair is closed when both
 * directions are done, or at once, with a reset to both, on an error (a
 * reset) on either side. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "serve.h"

static struct conn *active, *dead;

static void list_add(struct conn **head, struct conn *c)
{
	c->prev = NULL;
	c->next = *head;
	if (*head)
		(*head)->prev = c;
	*head = c;
}

static void list_del(struct conn **head, struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		*head = c->next;
	if (c->next)
		c->next->prev = c->prev;
}

static void detach(struct conn *c)
{
	struct vm *vm = c->vm;
	if (!vm)
		return;
	c->vm = NULL;
	if (vm->conns && --vm->conns == 0)
		vm->idle_since = serve_now();
}

/* A reset on one side is passed on as a reset (SO_LINGER 0 makes close send
 * RST), so a client learns the VM's side broke rather than seeing a clean end. */
static void reset_on_close(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

static void conn_close(struct conn *c)
{
	if (c->closed)
		return;
	serve_watch(&c->client, 0);
	serve_watch(&c->upstream, 0);
	close(c->client.fd);
	if (c->upstream.fd >= 0)
		close(c->upstream.fd);
	c->client.fd = c->upstream.fd = -1;
	detach(c);
	c->closed = true;
	list_del(&active, c);
	list_add(&dead, c);
}

void conn_free_closed(void)
{
	while (dead) {
		struct conn *c = dead;
		dead = c->next;
		free(c);
	}
}

static size_t room(const struct buf *b)
{
	return SERVE_BUF - b->off - b->len;
}

/* Read what fits from fd into b. 1: bytes or nothing yet, 0: end of file,
 * -1: error (a reset). */
static int fill(int fd, struct buf *b)
{
	if (room(b) == 0 && b->off) {
		memmove(b->data, b->data + b->off, b->len);
		b->off = 0;
	}
	if (room(b) == 0)
		return 1;
	ssize_t r = recv(fd, b->data + b->off + b->len, room(b), 0);
	if (r > 0) {
		b->len += (size_t)r;
		return 1;
	}
	if (r == 0)
		return 0;
	return errno == EAGAIN || errno == EINTR ? 1 : -1;
}

/* Write what b holds to fd. 0 or -1 on error. */
static int drain(int fd, struct buf *b)
{
	if (!b->len)
		return 0;
	ssize_t w = send(fd, b->data + b->off, b->len, MSG_NOSIGNAL);
	if (w < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	b->off += (size_t)w;
	b->len -= (size_t)w;
	if (!b->len)
		b->off = 0;
	return 0;
}

static void first_answer(struct conn *c)
{
	struct vm *vm = c->vm;
	if (!c->cold || !vm || vm->answered || !vm->first_client)
		return;
	vm->answered = true;
	serve_log("vm %d: first answer byte %.1f ms after the connection that booted it "
		  "was accepted (boot %u)", vm->id, (serve_now() - vm->first_client) * 1e3,
		  vm->boot_no);
}

/* Interest in each fd from the buffers' state; an fd with nothing to wait
 * for leaves epoll (level-triggered HUP would otherwise spin). */
static void rewatch(struct conn *c)
{
	unsigned ce = 0, ue = 0;
	if (!c->c_eof && room(&c->up) + c->up.off > 0)
		ce |= EPOLLIN | EPOLLRDHUP;
	if (c->down.len)
		ce |= EPOLLOUT;
	if (c->state == C_CONNECT)
		ue = EPOLLOUT;
	if (c->state == C_OPEN) {
		if (!c->u_eof && room(&c->down) + c->down.off > 0)
			ue |= EPOLLIN | EPOLLRDHUP;
		if (c->up.len)
			ue |= EPOLLOUT;
	}
	serve_watch(&c->client, ce);
	serve_watch(&c->upstream, ue);
}

/* Move bytes both ways as far as they go; close when done or on an error. */
static void pump(struct conn *c)
{
	int r;
	if (!c->c_eof && (r = fill(c->client.fd, &c->up)) <= 0) {
		if (r < 0)
			goto fail;
		c->c_eof = true;
	}
	if (c->state == C_OPEN) {
		if (drain(c->upstream.fd, &c->up) < 0)
			goto fail;
		if (c->c_eof && !c->up.len && !c->up_shut) {
			shutdown(c->upstream.fd, SHUT_WR);
			c->up_shut = true;
		}
		if (!c->u_eof && (r = fill(c->upstream.fd, &c->down)) <= 0) {
			if (r < 0)
				goto fail;
			c->u_eof = true;
		}
	}
	size_t had = c->down.len;
	if (drain(c->client.fd, &c->down) < 0)
		goto fail;
	if (c->down.len < had)
		first_answer(c);
	if (c->u_eof && !c->down.len && !c->down_shut) {
		shutdown(c->client.fd, SHUT_WR);
		c->down_shut = true;
	}
	if (c->up_shut && c->down_shut) {
		conn_close(c);
		return;
	}
	rewatch(c);
	return;
fail:
	reset_on_close(c->client.fd);
	reset_on_close(c->upstream.fd);
	conn_close(c);
}

static void connect_upstream(struct conn *c)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(c->vm->host_port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		serve_log("socket: %s", strerror(errno));
		conn_close(c);
		return;
	}
	c->upstream.fd = fd;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
		c->state = C_OPEN;
	} else if (errno == EINPROGRESS) {
		c->state = C_CONNECT;
	} else {
		serve_log("vm %d: connect to 127.0.0.1:%d: %s", c->vm->id, c->vm->host_port,
			  strerror(errno));
		conn_close(c);
		return;
	}
	pump(c);
}

static void attach(struct conn *c, struct vm *vm)
{
	c->vm = vm;
	vm->conns++;
	c->cold = vm->state == VM_BOOTING;
	if (c->cold && !vm->first_client)
		vm->first_client = c->accepted;
	list_add(&active, c);
	if (vm->state == VM_READY)
		connect_upstream(c);
	else
		rewatch(c);
}

void conn_new(int fd)
{
	struct conn *c = calloc(1, sizeof(*c));
	if (!c) {
		serve_log("out of memory for a connection: closed");
		close(fd);
		return;
	}
	c->client = (struct ev_src){ .kind = EV_CLIENT, .p = c, .fd = fd };
	c->upstream = (struct ev_src){ .kind = EV_UPSTREAM, .p = c, .fd = -1 };
	c->accepted = serve_now();
	c->state = C_WAIT;
	struct vm *vm = vm_pick();
	if (vm) {
		attach(c, vm);
	} else {
		list_add(&active, c); /* queued: every VM slot is powering off */
		rewatch(c);
	}
}

void conn_event(struct ev_src *s, unsigned events)
{
	struct conn *c = s->p;
	if (c->closed)
		return;
	if (s->kind == EV_UPSTREAM && c->state == C_CONNECT) {
		int err = 0;
		socklen_t len = sizeof(err);
		getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err) {
			serve_log("vm %d: connect to 127.0.0.1:%d: %s", c->vm->id,
				  c->vm->host_port, strerror(err));
			conn_close(c);
			return;
		}
		c->state = C_OPEN;
	}
	(void)events;
	pump(c);
}

void conn_vm_ready(struct vm *vm)
{
	struct conn *c, *next;
	for (c = active; c; c = next) {
		next = c->next;
		if (c->vm == vm && c->state == C_WAIT)
			connect_upstream(c);
	}
}

int conn_vm_waiting(const struct vm *vm)
{
	int n = 0;
	for (struct conn *c = active; c; c = c->next)
		n += c->vm == vm && c->state == C_WAIT;
	return n;
}

int conn_vm_gone(struct vm *vm)
{
	struct conn *c, *next;
	int n = 0;
	for (c = active; c; c = next) {
		next = c->next;
		if (c->vm != vm)
			continue;
		if (c->state == C_WAIT) {
			n++;
			conn_close(c);
		} else {
			detach(c); /* open ones end as the VM's side closes */
		}
	}
	vm->conns = 0;
	return n;
}

void conn_assign_queued(void)
{
	struct conn *c, *next;
	int n = 0;
	for (c = active; c; c = next) {
		next = c->next;
		if (c->vm || c->closed || c->state != C_WAIT)
			continue;
		struct vm *vm = vm_pick();
		if (!vm)
			break;
		list_del(&active, c);
		attach(c, vm);
		n++;
	}
	if (n)
		serve_log("%d connection%s held while the VMs powered off: given a VM now", n,
			  n == 1 ? "" : "s");
}
