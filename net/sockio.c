/* SPDX-License-Identifier: MIT */
/*
 * Socket data (net/socket_impl.h): receiving keeps the current pbuf (TCP) or
 * a peeked datagram (UDP) between calls and copies straight from lwIP's
 * buffers into the program's memory; sending copies the program's bytes once:
 * into lwIP's segments (TCP, net_chksum_copy) or a fresh pbuf (UDP). Blocking calls wait on the socket for lwIP's events.
 */
#include <stdbool.h>
#include <k/errno.h>
#include <k/console.h>
#include <k/fd.h>
#include <k/kheap.h>
#include <k/sched.h>
#include <k/string.h>
#include <k/syscall.h>
#include <k/utime.h>

#include "lwip/api.h"
#include "lwip/inet_chksum.h"
#include "lwip/pbuf.h"

#include "socket_impl.h"

#define SOCK_DGRAM 2
#define MSG_OOB 0x1
#define MSG_PEEK 0x2
#define MSG_TRUNC 0x20
#define MSG_WAITALL 0x100
#define MSG_NOSIGNAL 0x4000
#define SIGPIPE 13
#define TX_RUN 65535 /* bytes per lwIP write */
#define TX_VECS 8     /* runs per lwIP write */
#define UDP_MAX 65507

/* Move n bytes between kbuf and the transfer's memory (out: into it). */
static int uio_copy(struct sock_uio *u, void *kbuf, size_t n, bool out)
{
	uint8_t *k = kbuf;
	if (u->kbuf) {
		if (n > u->resid)
			return -EFAULT;
		if (out)
			memcpy(u->kbuf + u->off, k, n);
		else
			memcpy(k, u->kbuf + u->off, n);
		u->off += n;
		u->resid -= n;
		return 0;
	}
	while (n) {
		if (u->idx >= u->nseg)
			return -EFAULT;
		struct sock_seg *s = &u->seg[u->idx];
		uint64_t left = s->len - u->off;
		if (left == 0) {
			u->idx++;
			u->off = 0;
			continue;
		}
		size_t c = n < left ? n : (size_t)left;
		uint64_t a = s->base + u->off;
		if (out ? user_copy_out(a, k, c) : user_copy_in(k, a, c))
			return -EFAULT;
		u->off += c;
		u->resid -= c;
		k += c;
		n -= c;
	}
	return 0;
}

/* Bytes [off, off+n) of a pbuf chain into the transfer. */
static int pbuf_out(struct pbuf *p, size_t off, size_t n, struct sock_uio *u)
{
	for (struct pbuf *q = p; q && n; q = q->next) {
		if (off >= q->len) {
			off -= q->len;
			continue;
		}
		size_t c = q->len - off < n ? q->len - off : n;
		if (uio_copy(u, (uint8_t *)q->payload + off, c, true))
			return -EFAULT;
		n -= c;
		off = 0;
	}
	return 0;
}

static bool readable(struct sock *sk)
{
	return sk->rcvevent > 0 || sk->errevent || sk->shut_rd;
}

static bool writable(struct sock *sk)
{
	return sk->sendevent || sk->errevent || sk->shut_wr;
}

static bool connect_done(struct sock *sk)
{
	return !sk->connecting;
}

/* Block for cond, or say why not: 0 (go on), -EAGAIN, -EINTR. */
static int wait_for(struct sock *sk, bool (*cond)(struct sock *), int flags, uint64_t until)
{
	if (sock_nonblocking(sk, flags))
		return -EAGAIN;
	spin_lock(&sk->lock);
	int r = sock_wait(sk, cond, until);
	spin_unlock(&sk->lock);
	return r == -ETIMEDOUT ? -EAGAIN : r;
}

static void saw_end(struct sock *sk)
{
	spin_lock(&sk->lock);
	sk->rd_eof = true;
	spin_unlock(&sk->lock);
	sock_changed(sk);
}

static long recv_stream(struct sock *sk, struct sock_uio *u, int flags)
{
	size_t want = u->resid, total = 0;
	bool peek = flags & MSG_PEEK, waitall = (flags & MSG_WAITALL) && !peek;
	uint64_t until = utime_until(sk->rcvtimeo);
	if (!sk->connected && !sk->rd_eof)
		return -ENOTCONN;
	while (total < want) {
		if (!sk->rx_pbuf) {
			if (sk->rd_eof || sk->shut_rd)
				break;
			struct pbuf *p = NULL;
			err_t e = netconn_recv_tcp_pbuf_flags(sk->conn, &p, NETCONN_DONTBLOCK);
			if (e == ERR_OK && p) {
				sk->rx_pbuf = p;
				sk->rx_off = 0;
			} else if (e == ERR_WOULDBLOCK) {
				if (total && !waitall)
					break;
				int w = wait_for(sk, readable, flags, until);
				if (w)
					return total ? (long)total : w;
				continue;
			} else {
				/* The peer's FIN (ERR_CLSD), or the end of the
				 * connection: what follows reads as end of file. */
				saw_end(sk);
				if (e == ERR_CLSD || e == ERR_CONN || e == ERR_OK || total)
					break;
				return net_err_errno(e);
			}
		}
		struct pbuf *p = sk->rx_pbuf;
		size_t n = p->tot_len - sk->rx_off;
		if (n > want - total)
			n = want - total;
		if (pbuf_out(p, sk->rx_off, n, u))
			return total ? (long)total : -EFAULT;
		total += n;
		if (peek)
			break;
		sk->rx_off = (uint16_t)(sk->rx_off + n);
		if (sk->rx_off == p->tot_len) {
			sk->rx_pbuf = NULL;
			pbuf_free(p);
		}
	}
	return (long)total;
}

static long recv_dgram(struct sock *sk, struct sock_uio *u, int flags, uint8_t *addr,
		       bool *trunc)
{
	uint64_t until = utime_until(sk->rcvtimeo);
	struct netbuf *nb;
	for (;;) {
		nb = sk->rx_nbuf;
		sk->rx_nbuf = NULL;
		if (nb)
			break;
		err_t e = netconn_recv_udp_raw_netbuf_flags(sk->conn, &nb, NETCONN_DONTBLOCK);
		if (e == ERR_OK)
			break;
		if (e != ERR_WOULDBLOCK)
			return net_err_errno(e);
		/* Nothing queued, and readable() would hold without it: after
		 * shutdown(SHUT_RD) a read that would wait is the end (0; one
		 * that may not wait EAGAIN, as on Linux); an error is given
		 * once. Waiting on either would return at once, for ever: a
		 * core spinning in the kernel. */
		if (sk->shut_rd)
			return sock_nonblocking(sk, flags) ? -EAGAIN : 0;
		if (sk->errevent && sk->rcvevent <= 0) {
			spin_lock(&sk->lock);
			int err = sk->so_error ? sk->so_error : -EIO;
			sk->so_error = 0;
			sk->errevent = false;
			spin_unlock(&sk->lock);
			return err;
		}
		int w = wait_for(sk, readable, flags, until);
		if (w)
			return w;
	}
	size_t len = netbuf_len(nb), n = len < u->resid ? len : u->resid;
	if (pbuf_out(nb->p, 0, n, u)) {
		sk->rx_nbuf = nb; /* not taken: the next call gets it */
		return -EFAULT;
	}
	if (trunc)
		*trunc = n < len;
	if (addr)
		net_sockaddr_format(addr, lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(netbuf_fromaddr(nb)))),
				    netbuf_fromport(nb));
	if (flags & MSG_PEEK)
		sk->rx_nbuf = nb;
	else
		netbuf_delete(nb);
	return (long)((flags & MSG_TRUNC) ? len : n);
}

long sock_recv(struct sock *sk, struct sock_uio *u, int flags, uint8_t *addr, bool *trunc)
{
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (sk->listening)
		return -ENOTCONN;
	sys_mutex_lock(&sk->rx);
	long r = sk->type == SOCK_DGRAM ? recv_dgram(sk, u, flags, addr, trunc)
					: recv_stream(sk, u, flags);
	sys_mutex_unlock(&sk->rx);
	return r;
}

/* How many of n bytes at user address a can be read: every page touched
 * through user_copy_in (mapped on demand), up to the first that is not the
 * program's. */
static size_t user_touch(uint64_t a, size_t n)
{
	for (uint64_t p = a; p < a + n; p = (p | 4095) + 1) {
		uint8_t b;
		if (user_copy_in(&b, p, 1))
			return (size_t)(p - a);
	}
	return n;
}

/* The next bytes of the transfer for lwIP, as up to TX_VECS runs of at most
 * TX_RUN bytes in all (one lwIP write: its segments may hold bytes of several
 * runs, as the program's header and body in one packet), ending before a page
 * that faults. The number of runs; the bytes in *bytes (0: the first byte
 * faults). A user address goes to lwIP only as an opaque source: its one
 * reader is net_chksum_copy, through user_copy_in. */
static int tx_runs(const struct sock_uio *u, struct netvector *vec, size_t *bytes)
{
	size_t total = 0;
	int n = 0;
	if (u->kbuf) {
		vec[0] = (struct netvector){ u->kbuf + u->off, u->resid < TX_RUN ? u->resid : TX_RUN };
		*bytes = vec[0].len;
		return 1;
	}
	for (int i = u->idx; i < u->nseg && n < TX_VECS && total < TX_RUN; i++) {
		uint64_t off = i == u->idx ? u->off : 0, left = u->seg[i].len - off;
		size_t want = left < TX_RUN - total ? (size_t)left : TX_RUN - total;
		if (want == 0)
			continue;
		size_t ok = user_touch(u->seg[i].base + off, want);
		if (ok)
			vec[n++] = (struct netvector){ (const void *)(uintptr_t)(u->seg[i].base + off), ok };
		total += ok;
		if (ok < want)
			break;
	}
	*bytes = total;
	return n;
}

/* n bytes of the transfer were taken. */
static void tx_taken(struct sock_uio *u, size_t n)
{
	u->resid -= n;
	if (u->kbuf) {
		u->off += n;
		return;
	}
	while (n) {
		uint64_t left = u->seg[u->idx].len - u->off;
		if (n < left) {
			u->off += n;
			return;
		}
		n -= (size_t)left;
		u->idx++;
		u->off = 0;
	}
}

/* lwIP's copy of TCP data into its segments (LWIP_CHKSUM_COPY in
 * lwipopts.h), which also sums it: the program's bytes come through
 * user_copy_in. The run's pages were touched just before (tx_run); if the
 * program unmapped one since, from another thread, zeros go instead. */
unsigned short net_chksum_copy(void *dst, const void *src, unsigned short len)
{
	uint64_t a = (uintptr_t)src;
	if (user_access_ok(a, len)) {
		if (user_copy_in(dst, a, len))
			memset(dst, 0, len);
	} else {
		memcpy(dst, src, len);
	}
	return (unsigned short)~inet_chksum(dst, len); /* the plain sum, as lwIP wants it */
}

/* Data goes from the program's memory (or the kernel buffer) straight into
 * lwIP's segments: one copy. */
static long send_stream(struct sock *sk, struct sock_uio *u, int flags)
{
	size_t total = 0;
	uint64_t until = utime_until(sk->sndtimeo);
	if (sk->connecting) {
		int w = wait_for(sk, connect_done, flags, until);
		if (w)
			return w;
	}
	if (sk->shut_wr)
		return -EPIPE;
	if (!sk->connected)
		return sk->errevent ? -EPIPE : -ENOTCONN;
	while (u->resid) {
		struct netvector vec[TX_VECS];
		size_t c, written = 0;
		int nv = tx_runs(u, vec, &c);
		if (!c)
			return total ? (long)total : -EFAULT;
		err_t e = netconn_write_vectors_partly(sk->conn, vec, (u16_t)nv,
						       NETCONN_COPY | NETCONN_DONTBLOCK, &written);
		tx_taken(u, written);
		total += written;
		if (e == ERR_OK && written == c)
			continue;
		if (e != ERR_OK && e != ERR_WOULDBLOCK) {
			if (total)
				break;
			return e == ERR_RST ? -ECONNRESET : e == ERR_MEM ? -ENOBUFS : -EPIPE;
		}
		int w = wait_for(sk, writable, flags, until);
		if (w)
			return total ? (long)total : w;
		if (sk->shut_wr)
			return total ? (long)total : -EPIPE;
	}
	return (long)total;
}

static long send_dgram(struct sock *sk, struct sock_uio *u, const uint32_t *to, uint16_t port)
{
	size_t len = u->resid;
	if (len > UDP_MAX)
		return -EMSGSIZE;
	if (!to && !sk->connected)
		return -EDESTADDRREQ;
	struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
	if (!p)
		return -ENOBUFS;
	if (uio_copy(u, p->payload, len, false)) {
		pbuf_free(p);
		return -EFAULT;
	}
	struct netbuf nb;
	memset(&nb, 0, sizeof(nb));
	nb.p = nb.ptr = p;
	err_t e;
	if (to) {
		ip_addr_t a;
		ip_addr_set_ip4_u32(&a, lwip_htonl(*to));
		e = netconn_sendto(sk->conn, &nb, &a, port);
	} else {
		e = netconn_send(sk->conn, &nb);
	}
	pbuf_free(p);
	return e ? net_err_errno(e) : (long)len;
}

long sock_send(struct sock *sk, struct sock_uio *u, int flags, const uint32_t *to_addr,
	       uint16_t to_port)
{
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (sk->listening)
		return -ENOTCONN;
	sys_mutex_lock(&sk->tx);
	long r = sk->type == SOCK_DGRAM ? send_dgram(sk, u, to_addr, to_port)
					: send_stream(sk, u, flags);
	sys_mutex_unlock(&sk->tx);
	if (r == -EPIPE && !(flags & MSG_NOSIGNAL))
		thread_signal(thread_current()->tid, SIGPIPE);
	return r;
}

long sock_fionread(struct sock *sk)
{
	long n = 0;
	sys_mutex_lock(&sk->rx);
	if (sk->type == SOCK_DGRAM) {
		/* The size of the next datagram, as Linux answers. */
		if (!sk->rx_nbuf)
			netconn_recv_udp_raw_netbuf_flags(sk->conn, &sk->rx_nbuf, NETCONN_DONTBLOCK);
		n = sk->rx_nbuf ? netbuf_len(sk->rx_nbuf) : 0;
	} else {
		spin_lock(&sk->lock);
		n = sk->rcvbytes;
		spin_unlock(&sk->lock);
		if (sk->rx_pbuf)
			n += sk->rx_pbuf->tot_len - sk->rx_off;
	}
	sys_mutex_unlock(&sk->rx);
	return n;
}
