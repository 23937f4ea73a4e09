/* SPDX-License-Identifier: MIT */
/*
 * POSIX sockets (AF_INET, SOCK_STREAM and SOCK_DGRAM) on lwIP netconns: the
 * socket table, the calls that make, bind, connect, accept and name sockets,
 * and the socket as a file (read/write/poll/ioctl/close). Every netconn is
 * non-blocking inside; a blocking call waits on its socket with kwait_intr
 * until lwIP's event callback (sock_event) says it may go on. Options are in
 * net/sockopt.c, sendto/recvfrom/sendmsg/recvmsg in net/sockmsg.c, data moves
 * in net/sockio.c. Try it: tests/guest/net_loop_*.c, sock_boundary.c.
 */
#include <stdbool.h>
#include <k/bootstats.h>
#include <k/cmdline.h>
#include <k/console.h>
#include <k/errno.h>
#include <k/etcfs.h>
#include <k/fd.h>
#include <k/fmt.h>
#include <k/kheap.h>
#include <k/poll.h>
#include <k/sched.h>
#include <k/string.h>
#include <k/syscall.h>
#include <k/time.h>
#include <k/utime.h>
#include <k/wait.h>
#include "../kernel/sys.h"

#include "lwip/api.h"
#include "lwip/dns.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/priv/api_msg.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"
#include "lwip/udp.h"

#include "net_impl.h"
#include "netif_impl.h"
#include "socket_impl.h"

#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_NONBLOCK O_NONBLOCK
#define SOCK_CLOEXEC O_CLOEXEC
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define SHUT_RD 0
#define SHUT_WR 1
#define SHUT_RDWR 2
#define SOMAXCONN 4096
#define MAP_BUCKETS 256
#ifndef ESOCKTNOSUPPORT
#define ESOCKTNOSUPPORT 94
#endif

struct spinlock sock_map_lock = SPINLOCK_INIT;
static struct sock *map[MAP_BUCKETS];
static int nsocks; /* sockets alive (the stats channel); atomic */
static bool reuseport_used; /* a group was ever made: events look for one */
static const struct file_ops sock_ops;

static unsigned map_bucket(const struct netconn *c)
{
	return (unsigned)(((uintptr_t)c >> 3) * 0x9e3779b97f4a7c15ull >> 56) % MAP_BUCKETS;
}

static void map_add(struct sock *sk)
{
	unsigned b = map_bucket(sk->conn);
	spin_lock(&sock_map_lock);
	sk->hnext = map[b];
	map[b] = sk;
	spin_unlock(&sock_map_lock);
}

static void map_remove(struct sock *sk)
{
	spin_lock(&sock_map_lock);
	for (struct sock **p = &map[map_bucket(sk->conn)]; *p; p = &(*p)->hnext) {
		if (*p == sk) {
			*p = sk->hnext;
			break;
		}
	}
	spin_unlock(&sock_map_lock);
}

/* The error a failed connect reports: a reset while connecting is a refusal;
 * lwIP aborts a connection whose SYNs all went unanswered. */
static int connect_errno(err_t err)
{
	if (err == ERR_RST)
		return -ECONNREFUSED;
	if (err == ERR_ABRT)
		return -ETIMEDOUT;
	return net_err_errno(err);
}

/* lwIP's event callback: with the core lock held, or from netconn_recv in
 * the receiving thread (RCVMINUS). Events of a netconn with no socket yet (a
 * connection waiting in the accept box) are left out: accept counts its box. */
static void sock_event(struct netconn *conn, enum netconn_evt evt, u16_t len)
{
	struct file *f = NULL;
	if (evt == NETCONN_EVT_RCVPLUS && __atomic_load_n(&reuseport_used, __ATOMIC_RELAXED) &&
	    sock_group_deal(conn))
		return;
	spin_lock(&sock_map_lock);
	struct sock *sk = map[map_bucket(conn)];
	while (sk && sk->conn != conn)
		sk = sk->hnext;
	if (sk) {
		spin_lock(&sk->lock);
		switch (evt) {
		case NETCONN_EVT_RCVPLUS:
			sk->rcvevent++;
			sk->rcvbytes += len;
			break;
		case NETCONN_EVT_RCVMINUS:
			sk->rcvevent--;
			sk->rcvbytes -= len;
			break;
		case NETCONN_EVT_SENDPLUS:
			sk->sendevent = true;
			if (sk->connecting) {
				sk->connecting = false;
				sk->connected = true;
			}
			break;
		case NETCONN_EVT_SENDMINUS:
			sk->sendevent = false;
			break;
		case NETCONN_EVT_ERROR:
			/* err_tcp has stored the error; a close of our own has not.
			 * ERR_CLSD is no error: both sides had closed and lwIP let
			 * go of the pcb (LAST_ACK acknowledged, TIME_WAIT over);
			 * reads see the end of the stream. */
			if (conn->pending_err == ERR_CLSD)
				break;
			sk->errevent = conn->pending_err != ERR_OK;
			if (sk->connecting) {
				sk->connecting = false;
				sk->so_error = connect_errno(conn->pending_err);
			} else if (conn->pending_err != ERR_OK) {
				sk->so_error = net_err_errno(conn->pending_err);
			}
			break;
		}
		kwake(sk, KWAKE_ALL);
		f = sk->file;
		spin_unlock(&sk->lock);
	}
	spin_unlock(&sock_map_lock);
	if (f)
		file_notify(f);
}

int sock_wait(struct sock *sk, bool (*cond)(struct sock *), uint64_t until)
{
	int r = 0;
	while (!cond(sk) && r == 0)
		r = kwait_intr(sk, &sk->lock, until);
	return cond(sk) ? 0 : r;
}

bool sock_nonblocking(struct sock *sk, int msgflags)
{
	return (msgflags & 0x40) || (__atomic_load_n(&sk->file->flags, __ATOMIC_RELAXED) & O_NONBLOCK);
}

void sock_changed(struct sock *sk)
{
	spin_lock(&sk->lock);
	kwake(sk, KWAKE_ALL);
	spin_unlock(&sk->lock);
	file_notify(sk->file);
}

static struct sock *sock_alloc(struct netconn *conn, int type)
{
	struct sock *sk = kzalloc(sizeof(*sk));
	if (!sk)
		return NULL;
	if (sys_mutex_new(&sk->rx) != ERR_OK || sys_mutex_new(&sk->tx) != ERR_OK) {
		kfree(sk);
		return NULL;
	}
	sk->conn = conn;
	sk->type = type;
	sk->sendevent = type == SOCK_DGRAM;
	sk->rcvtimeo = sk->sndtimeo = UTIME_FOREVER;
	sk->linger_s = 0;
	sk->owner_cpu = -1;
	netconn_set_nonblocking(conn, 1);
	__atomic_add_fetch(&nsocks, 1, __ATOMIC_RELAXED);
	return sk;
}

static void sock_free(struct sock *sk)
{
	__atomic_sub_fetch(&nsocks, 1, __ATOMIC_RELAXED);
	kfree(sk);
}

size_t net_stats(char *buf, size_t n)
{
	int r = fmt_snprintf(buf, n, " sockets=%d netmem_kib=%lu core_locks=%lu "
			     "core_lock_waits=%lu rx_frames=%lu",
			     __atomic_load_n(&nsocks, __ATOMIC_RELAXED),
			     (unsigned long)(net_mem_used() / 1024), lock_tcpip_core.acquired,
			     lock_tcpip_core.contended, net_rx_frames);
	return r <= 0 ? 0 : (size_t)r < n ? (size_t)r : n - 1;
}

/* A new descriptor for sk (which the file now owns): fd or -errno. */
static int sock_install(struct sock *sk, int flags)
{
	struct file *f = kzalloc(sizeof(*f));
	if (!f) {
		map_remove(sk);
		netconn_delete(sk->conn);
		sock_free(sk);
		return -ENOMEM;
	}
	f->ops = &sock_ops;
	f->refs = 1;
	f->flags = O_RDWR | (flags & O_NONBLOCK);
	f->priv = sk;
	spin_lock(&sk->lock);
	sk->file = f;
	spin_unlock(&sk->lock);
	return poll_install(f, flags & O_CLOEXEC);
}

struct sock *sock_get(long fd, struct file **fp, long *err)
{
	struct file *f = fd_get((int)fd);
	*fp = f;
	if (!f) {
		*err = -EBADF;
		return NULL;
	}
	if (f->ops != &sock_ops) {
		file_put(f);
		*fp = NULL;
		*err = -ENOTSOCK;
		return NULL;
	}
	return f->priv;
}

long sys_socket(SYSARGS)
{
	int domain = (int)a0, type = (int)a1 & 0xf, flags = (int)a1 & ~0xf, proto = (int)a2;
	if (domain != NET_AF_INET)
		return -EAFNOSUPPORT;
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	if (type != SOCK_STREAM && type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (proto && proto != (type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP))
		return -EPROTONOSUPPORT;
	struct netconn *conn =
		netconn_new_with_callback(type == SOCK_STREAM ? NETCONN_TCP : NETCONN_UDP, sock_event);
	if (!conn)
		return -ENOBUFS;
	struct sock *sk = sock_alloc(conn, type);
	if (!sk) {
		netconn_delete(conn);
		return -ENOMEM;
	}
	map_add(sk);
	return sock_install(sk, flags);
}

long sock_addr_in(uint64_t uaddr, long len, int *family, ip_addr_t *ip, uint16_t *port)
{
	uint8_t buf[NET_SOCKADDR_MAX];
	uint32_t a;
	if (len < 0 || len > NET_SOCKADDR_MAX)
		return -EINVAL;
	if (user_copy_in(buf, uaddr, (size_t)len))
		return -EFAULT;
	long r = net_sockaddr_parse(buf, (size_t)len, family, &a, port);
	if (r)
		return r;
	ip_addr_set_ip4_u32(ip, lwip_htonl(a));
	return 0;
}

long sock_name_check(uint64_t uaddr, uint64_t ulen, int *room)
{
	uint8_t buf[NET_SOCKADDR_IN_LEN];
	/* Each is read and written back as it is: a fault now, not after the
	 * call has taken a connection or a datagram. */
	if (user_copy_in(room, ulen, sizeof(*room)) || user_copy_out(ulen, room, sizeof(*room)))
		return -EFAULT;
	if (*room < 0)
		return -EINVAL;
	size_t n = (size_t)*room < sizeof(buf) ? (size_t)*room : sizeof(buf);
	if (user_copy_in(buf, uaddr, n) || user_copy_out(uaddr, buf, n))
		return -EFAULT;
	return 0;
}

long sock_name_put(uint64_t uaddr, uint64_t ulen, int room, const void *sa, int len)
{
	size_t n = room < len ? (size_t)room : (size_t)len;
	if (user_copy_out(uaddr, sa, n) || user_copy_out(ulen, &len, sizeof(len)))
		return -EFAULT;
	return 0;
}

/* An AF_INET address into the checked (uaddr, room). */
static long name_put_in(uint64_t uaddr, uint64_t ulen, int room, const ip_addr_t *ip,
			uint16_t port)
{
	uint8_t sa[NET_SOCKADDR_IN_LEN];
	net_sockaddr_format(sa, lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(ip))), port);
	return sock_name_put(uaddr, ulen, room, sa, sizeof(sa));
}

/* Is a an address of ours (any interface, the loopback net) or "any"? */
static bool local_address(const ip_addr_t *a)
{
	if (ip_addr_isany(a) || ip4_addr_isloopback(ip_2_ip4(a)))
		return true;
	bool found = false;
	struct netif *n;
	LOCK_TCPIP_CORE();
	NETIF_FOREACH(n) {
		if (ip4_addr_cmp(netif_ip4_addr(n), ip_2_ip4(a)))
			found = true;
	}
	UNLOCK_TCPIP_CORE();
	return found;
}

/* A socket is bound once, as on Linux (a second bind is EINVAL): lwIP's
 * tcp_bind would put a bound pcb on its list a second time, a cycle that
 * every later walk of the list (tcp_new_port, closing a listener) spins in.
 * The claim is taken before netconn_bind so two threads cannot both bind. */
static bool claim_bind(struct sock *sk, bool claim)
{
	spin_lock(&sk->lock);
	bool ok = !claim || !sk->bound;
	sk->bound = claim;
	spin_unlock(&sk->lock);
	return ok;
}

long sys_bind(SYSARGS)
{
	struct file *f;
	long r;
	int family;
	ip_addr_t ip;
	uint16_t port;
	struct sock *sk = sock_get(a0, &f, &r);
	if (!sk)
		return r;
	r = sock_addr_in((uint64_t)a1, a2, &family, &ip, &port);
	if (r == 0 && family != NET_AF_INET)
		r = -EAFNOSUPPORT;
	if (r == 0 && !local_address(&ip))
		r = -EADDRNOTAVAIL;
	if (r == 0 && !claim_bind(sk, true)) {
		r = -EINVAL;
	} else if (r == 0 && sk->reuseport && sk->type == SOCK_STREAM) {
		__atomic_store_n(&reuseport_used, true, __ATOMIC_RELAXED);
		if ((r = sock_group_bind(sk, &ip, port)) != 0)
			claim_bind(sk, false);
	} else if (r == 0 && (r = net_err_errno(netconn_bind(sk->conn, &ip, port))) != 0) {
		claim_bind(sk, false);
	}
	file_put(f);
	return r;
}

/* toro.net.announce: printed after the listener exists, so that a host
 * waiting for this line (toro serve) can connect at once. */
static void announce_listen(struct sock *sk)
{
	ip_addr_t ip;
	u16_t port;
	if (netconn_getaddr(sk->conn, &ip, &port, 1) == ERR_OK)
		kprintf("toro: listening on tcp port %u\n", (unsigned)port);
}

long sys_listen(SYSARGS)
{
	struct file *f;
	long r;
	struct sock *sk = sock_get(a0, &f, &r);
	if (!sk)
		return r;
	int backlog = (int)a1;
	if (backlog <= 0 || backlog > 255)
		backlog = 255; /* lwIP counts in a byte */
	if (sk->type != SOCK_STREAM)
		r = -EOPNOTSUPP;
	else if (sk->connected || sk->connecting)
		r = -EINVAL;
	else if (sk->group)
		r = sock_group_listen(sk, backlog);
	else
		r = net_err_errno(netconn_listen_with_backlog(sk->conn, (u8_t)backlog));
	if (r == 0) {
		bootstats_listen();
		spin_lock(&sk->lock);
		sk->listening = true;
		sk->sendevent = false;
		spin_unlock(&sk->lock);
	}
	if (r == 0 && net_announce_listen)
		announce_listen(sk);
	file_put(f);
	return r;
}

static bool readable_or_error(struct sock *sk)
{
	return sk->rcvevent > 0 || sk->errevent || sk->shut_rd;
}

/* A socket for a netconn accept returned. Events that came before it had a
 * socket were not counted: its receive box says how many there are (the
 * core lock keeps new ones out while it is read). */
static struct sock *attach_accepted(struct netconn *nc)
{
	struct sock *sk = sock_alloc(nc, SOCK_STREAM);
	if (!sk)
		return NULL;
	LOCK_TCPIP_CORE();
	sys_mbox_t box = nc->recvmbox;
	if (box) {
		spin_lock(&box->lock);
		for (unsigned i = 0; i < box->count; i++) {
			void *m = box->slots[(box->head + i) % box->size];
			err_t e;
			sk->rcvevent++;
			if (!lwip_netconn_is_err_msg(m, &e))
				sk->rcvbytes += ((struct pbuf *)m)->tot_len;
		}
		spin_unlock(&box->lock);
	}
	sk->connected = true;
	sk->sendevent = true;
	if (nc->pending_err != ERR_OK || !nc->pcb.tcp) {
		sk->errevent = true;
		sk->so_error = net_err_errno(nc->pending_err ? nc->pending_err : ERR_RST);
	}
	map_add(sk);
	UNLOCK_TCPIP_CORE();
	return sk;
}

static long do_accept(long fd, uint64_t uaddr, uint64_t ulen, int flags)
{
	struct file *f;
	long r;
	struct netconn *nc = NULL;
	int cpu = -1;
	struct sock *sk = sock_get(fd, &f, &r);
	if (!sk)
		return r;
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) {
		r = -EINVAL;
		goto out;
	}
	if (!sk->listening) {
		r = -EINVAL;
		goto out;
	}
	/* The caller's address and addrlen are checked before a connection is
	 * taken: a bad one loses none. */
	int room = 0;
	if (uaddr && (r = sock_name_check(uaddr, ulen, &room)))
		goto out;
	/* Nor is one taken when no descriptor is free for it: it stays queued
	 * for a later accept, as on Linux, instead of being taken and closed.
	 * (Another thread may still take the last descriptor before ours is
	 * installed; then the connection is closed, as before.) */
	if (fd_count() >= fd_limit()) {
		r = -EMFILE;
		goto out;
	}
	uint64_t until = utime_until(sk->rcvtimeo);
	for (;;) {
		err_t e = sk->group ? sock_group_accept(sk, &nc, &cpu) : netconn_accept(sk->conn, &nc);
		if (e == ERR_OK)
			break;
		if (e != ERR_WOULDBLOCK) {
			r = e == ERR_ABRT || e == ERR_RST ? -ECONNABORTED : net_err_errno(e);
			goto out;
		}
		if (sock_nonblocking(sk, 0)) {
			r = -EAGAIN;
			goto out;
		}
		spin_lock(&sk->lock);
		r = sock_wait(sk, readable_or_error, until);
		spin_unlock(&sk->lock);
		if (r) {
			r = r == -ETIMEDOUT ? -EAGAIN : r;
			goto out;
		}
	}
	struct sock *nsk = attach_accepted(nc);
	if (!nsk) {
		netconn_delete(nc);
		r = -ENOMEM;
		goto out;
	}
	nsk->owner_cpu = cpu; /* SO_INCOMING_CPU */
	ip_addr_t peer;
	uint16_t port = 0;
	ip_addr_set_zero(&peer);
	netconn_peer(nc, &peer, &port);
	r = sock_install(nsk, flags);
	if (r >= 0 && uaddr) {
		long e = name_put_in(uaddr, ulen, room, &peer, port);
		if (e) {
			sys_close(r, 0, 0, 0, 0, 0);
			r = e;
		}
	}
out:
	file_put(f);
	return r;
}

long sys_accept(SYSARGS)
{
	return do_accept(a0, (uint64_t)a1, (uint64_t)a2, 0);
}

long sys_accept4(SYSARGS)
{
	return do_accept(a0, (uint64_t)a1, (uint64_t)a2, (int)a3);
}

static bool connect_done(struct sock *sk)
{
	return !sk->connecting;
}

static long connect_tcp(struct sock *sk, const ip_addr_t *ip, uint16_t port)
{
	spin_lock(&sk->lock);
	long r = sk->listening ? -EISCONN : sk->connected ? -EISCONN : sk->connecting ? -EALREADY : 0;
	if (r == 0) {
		sk->connecting = true;
		sk->so_error = 0;
	}
	spin_unlock(&sk->lock);
	if (r)
		return r;
	err_t e = netconn_connect(sk->conn, ip, port);
	if (e != ERR_INPROGRESS && e != ERR_OK) {
		spin_lock(&sk->lock);
		sk->connecting = false;
		spin_unlock(&sk->lock);
		return e == ERR_RST ? -ECONNREFUSED : net_err_errno(e);
	}
	if (sock_nonblocking(sk, 0))
		return -EINPROGRESS;
	uint64_t until = utime_until(sk->sndtimeo);
	spin_lock(&sk->lock);
	r = sock_wait(sk, connect_done, until);
	if (r == 0 && !sk->connected) {
		r = sk->so_error ? sk->so_error : -ECONNREFUSED;
		sk->so_error = 0;
	}
	spin_unlock(&sk->lock);
	/* Interrupted or timed out, the connection goes on (as on Linux). */
	return r == -ETIMEDOUT ? -EINPROGRESS : r;
}

long sys_connect(SYSARGS)
{
	struct file *f;
	long r;
	int family;
	ip_addr_t ip;
	uint16_t port;
	struct sock *sk = sock_get(a0, &f, &r);
	if (!sk)
		return r;
	r = sock_addr_in((uint64_t)a1, a2, &family, &ip, &port);
	if (r)
		goto out;
	if (sk->type == SOCK_DGRAM) {
		if (family == NET_AF_UNSPEC)
			r = net_err_errno(netconn_disconnect(sk->conn));
		else
			r = net_err_errno(netconn_connect(sk->conn, &ip, port));
		spin_lock(&sk->lock);
		sk->connected = r == 0 && family != NET_AF_UNSPEC;
		spin_unlock(&sk->lock);
	} else if (family != NET_AF_INET) {
		r = -EAFNOSUPPORT;
	} else {
		r = connect_tcp(sk, &ip, port);
	}
out:
	file_put(f);
	return r;
}

static long name_of(long fd, uint64_t uaddr, uint64_t ulen, bool local)
{
	struct file *f;
	long r;
	int room;
	ip_addr_t ip;
	uint16_t port = 0;
	struct sock *sk = sock_get(fd, &f, &r);
	if (!sk)
		return r;
	ip_addr_set_zero(&ip);
	if (local && sock_group_name(sk, &ip, &port))
		r = 0; /* a member of a SO_REUSEPORT group has no pcb of its own */
	else
		r = net_err_errno(netconn_getaddr(sk->conn, &ip, &port, local));
	if (!local && (r || (sk->type == SOCK_STREAM && !sk->connected)))
		r = -ENOTCONN;
	if (local && r)
		r = 0; /* not bound yet: 0.0.0.0:0 */
	if (r == 0)
		r = sock_name_check(uaddr, ulen, &room);
	if (r == 0)
		r = name_put_in(uaddr, ulen, room, &ip, port);
	file_put(f);
	return r;
}

long sys_getsockname(SYSARGS)
{
	return name_of(a0, (uint64_t)a1, (uint64_t)a2, true);
}

long sys_getpeername(SYSARGS)
{
	return name_of(a0, (uint64_t)a1, (uint64_t)a2, false);
}

long sys_shutdown(SYSARGS)
{
	struct file *f;
	long r;
	int how = (int)a1;
	struct sock *sk = sock_get(a0, &f, &r);
	if (!sk) /* another kind of socket (an AF_UNIX pair) shuts down itself */
		return r == -ENOTSOCK ? fd_shutdown((int)a0, how) : r;
	if (how < SHUT_RD || how > SHUT_RDWR) {
		r = -EINVAL;
		goto out;
	}
	if (!sk->connected) {
		r = -ENOTCONN;
		goto out;
	}
	r = 0; /* (sock_get leaves it unset on success) */
	/* The read side is closed here only: lwIP would answer later data with
	 * a reset, Linux drops it quietly. */
	bool wr = how != SHUT_RD;
	if (wr && sk->type == SOCK_STREAM && !sk->shut_wr)
		r = net_err_errno(netconn_shutdown(sk->conn, 0, 1));
	if (r == -ENOTCONN)
		r = 0; /* the connection is already gone: nothing left to shut */
	spin_lock(&sk->lock);
	sk->shut_rd |= how != SHUT_WR;
	sk->shut_wr |= wr;
	spin_unlock(&sk->lock);
	sock_changed(sk);
out:
	file_put(f);
	return r;
}

/* ---- the socket as a file ---- */

static long sock_read(struct file *f, void *buf, size_t n)
{
	struct sock_uio u = { .kbuf = buf, .resid = n };
	return sock_recv(f->priv, &u, 0, NULL, NULL);
}

static long sock_write(struct file *f, const void *buf, size_t n)
{
	struct sock_uio u = { .kbuf = (uint8_t *)buf, .resid = n };
	return sock_send(f->priv, &u, 0, NULL, 0);
}

/* read(2)/write(2) of a socket: the program's buffer goes to sock_recv and
 * sock_send as it is, with no bounce page (fd.c has checked the range). */
static long sock_read_user(struct file *f, uint64_t ubuf, size_t n)
{
	struct sock_seg seg = { ubuf, n };
	struct sock_uio u = { .seg = &seg, .nseg = 1, .resid = n };
	return sock_recv(f->priv, &u, 0, NULL, NULL);
}

static long sock_write_user(struct file *f, uint64_t ubuf, size_t n)
{
	struct sock_seg seg = { ubuf, n };
	struct sock_uio u = { .seg = &seg, .nseg = 1, .resid = n };
	return sock_send(f->priv, &u, 0, NULL, 0);
}

static unsigned sock_poll(struct file *f)
{
	struct sock *sk = f->priv;
	unsigned r = 0;
	spin_lock(&sk->lock);
	if (sk->listening) {
		if (sk->rcvevent > 0)
			r |= POLLIN;
	} else if (sk->type == SOCK_DGRAM) {
		if (sk->rcvevent > 0 || sk->rx_nbuf || sk->shut_rd) /* a read gives 0 at once */
			r |= POLLIN;
		r |= POLLOUT;
	} else if (sk->connected) {
		if (sk->rcvevent > 0 || sk->rx_pbuf || sk->rd_eof || sk->shut_rd)
			r |= POLLIN;
		if (sk->rd_eof)
			r |= POLLRDHUP;
		if (sk->sendevent || sk->shut_wr)
			r |= POLLOUT;
		if ((sk->rd_eof || sk->shut_rd) && sk->shut_wr)
			r |= POLLHUP;
	} else if (!sk->connecting) {
		r |= POLLOUT | POLLHUP; /* never connected, or its connect failed */
	}
	if (sk->errevent || sk->so_error)
		r |= POLLERR | POLLHUP | POLLIN | POLLOUT;
	spin_unlock(&sk->lock);
	return r;
}

static long sock_ioctl(struct file *f, unsigned long req, uint64_t arg)
{
	switch (req) {
	case FIONREAD: {
		int n = (int)sock_fionread(f->priv);
		return user_copy_out(arg, &n, sizeof(n));
	}
	case FIONBIO:
		return poll_ioctl_fionbio(f, arg);
	default:
		return -ENOTTY;
	}
}

static void sock_stat(struct file *f, struct kstat *st)
{
	st->mode = S_IFSOCK | 0777;
	st->ino = (uint64_t)(uintptr_t)f->priv;
}

/* The last descriptor went: lwIP closes the connection gracefully (FIN; a
 * reset if data came that nobody read) and keeps the pcb through TIME_WAIT. */
static int sock_close(struct file *f)
{
	struct sock *sk = f->priv;
	map_remove(sk);
	if (sk->rx_pbuf)
		pbuf_free(sk->rx_pbuf);
	if (sk->rx_nbuf)
		netbuf_delete(sk->rx_nbuf);
	if (!sk->group || !sock_group_leave(sk))
		netconn_delete(sk->conn);
	sys_mutex_free(&sk->rx);
	sys_mutex_free(&sk->tx);
	sock_free(sk);
	return 0;
}

static const struct file_ops sock_ops = {
	.read = sock_read, .write = sock_write, .ioctl = sock_ioctl, .stat = sock_stat,
	.close = sock_close, .poll = sock_poll, .read_user = sock_read_user,
	.write_user = sock_write_user, .iov_user = sock_iov_user,
};
