/* SPDX-License-Identifier: MIT */
/*
 * Private to the socket layer (net/socket.c, sockopt.c, sockmsg.c, sockio.c): the socket on an
 * lwIP netconn, and the portable helpers (net/sockaddr.c, host-tested):
 * sockaddr_in parsing and formatting, lwIP's err_t as an errno.
 *
 * Locks, outermost first: the rx or tx mutex of one socket (sleeping; held
 * across netconn calls), lwIP's core lock, sock_map_lock, sk->lock (a
 * spinlock over the readiness counters and state flags, the key blocked
 * callers kwait on). lwIP's event callback runs with the core lock held (or
 * from a netconn receive in the caller's thread) and takes the last two.
 */
#ifndef NET_SOCKET_IMPL_H
#define NET_SOCKET_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_AF_UNSPEC 0
#define NET_AF_INET 2
#define NET_SOCKADDR_IN_LEN 16
#define NET_SOCKADDR_MAX 128  /* sizeof(struct sockaddr_storage) */

/* A sockaddr from the program, len bytes at buf: *family, and for AF_INET
 * the address and port in host order. 0, -EINVAL (too short for its family),
 * -EAFNOSUPPORT (neither AF_INET nor AF_UNSPEC). */
int net_sockaddr_parse(const void *buf, size_t len, int *family, uint32_t *addr, uint16_t *port);
/* A sockaddr_in (16 bytes) into buf. */
void net_sockaddr_format(void *buf, uint32_t addr, uint16_t port);
/* lwIP's err_t (a negative number) as -errno; 0 for ERR_OK. */
int net_err_errno(int err);

#ifndef TORO_HOST
#include "lwip/api.h"
#include <k/spinlock.h>

struct file;

struct sock {
	struct spinlock lock;
	struct netconn *conn;
	struct file *file;        /* for file_notify: compared, never followed */
	struct sock *hnext;       /* in the map by netconn */
	int type;                 /* SOCK_STREAM or SOCK_DGRAM */
	/* Counted from lwIP's events, sk->lock. */
	int rcvevent;             /* messages in the receive (or accept) box */
	int rcvbytes;             /* their bytes */
	bool sendevent, errevent;
	bool listening, connecting, connected;
	bool bound;               /* bind(2) succeeded or is under way, sk->lock */
	bool rd_eof;              /* the peer's FIN (or an error) was read */
	bool shut_rd, shut_wr;
	int so_error;             /* -errno for SO_ERROR, connect's outcome */
	/* Receiving, under rx: the rest of a TCP pbuf, or a peeked datagram. */
	sys_mutex_t rx, tx;
	struct pbuf *rx_pbuf;
	uint16_t rx_off;
	struct netbuf *rx_nbuf;
	uint64_t rcvtimeo, sndtimeo; /* ns (k/utime.h): UTIME_FOREVER none, 0 no wait */
	int linger_on, linger_s;  /* SO_LINGER as set (accepted, not acted on) */
	bool cork;                /* TCP_CORK as set (net/sockopt.c) */
};

/* A transfer's memory: the program's buffers as segments of user addresses
 * (sendto, recvmsg, ...: moved only by user_copy_*), or one kernel buffer
 * (read/write from fd.c). */
struct sock_seg {
	uint64_t base, len;       /* a user address and length */
};
struct sock_uio {
	uint8_t *kbuf;            /* the kernel buffer, or NULL: seg[] */
	struct sock_seg *seg;
	int nseg, idx;
	uint64_t off;             /* in seg[idx], or in kbuf */
	size_t resid;             /* bytes left */
};

extern struct spinlock sock_map_lock;
/* The socket behind descriptor fd, with the file's reference in *fp (file_put
 * when done); NULL with *err -EBADF or -ENOTSOCK. */
struct sock *sock_get(long fd, struct file **fp, long *err);
/* A sockaddr of len bytes from user memory (bind, connect, sendto): 0,
 * -EINVAL, -EFAULT, or net_sockaddr_parse's errors. */
long sock_addr_in(uint64_t uaddr, long len, int *family, ip_addr_t *ip, uint16_t *port);
/* The (addr, addrlen) of a call that returns an address (accept, recvfrom,
 * recvmsg, getsockname, getpeername), checked before it acts, so that a bad
 * one is EFAULT as on Linux and costs no connection or data: *room is the
 * caller's addrlen. 0, -EFAULT (either cannot be read and written), -EINVAL
 * (addrlen < 0). Then sock_name_put writes what fits of the address (len
 * bytes, 0 for none) and len into addrlen: 0 or -EFAULT. */
long sock_name_check(uint64_t uaddr, uint64_t ulen, int *room);
long sock_name_put(uint64_t uaddr, uint64_t ulen, int room, const void *sa, int len);
/* Wait on sk (sk->lock held) until cond(sk), `until` (monotonic ns) or a
 * signal: 0, -ETIMEDOUT (as -EAGAIN for the caller) or -EINTR. */
int sock_wait(struct sock *sk, bool (*cond)(struct sock *), uint64_t until);
bool sock_nonblocking(struct sock *sk, int msgflags);
/* Readiness changed: wake sk's waiters and pollers (sk->lock not held). */
void sock_changed(struct sock *sk);

/* net/sockio.c: data. Bytes moved or -errno; `addr` (16 bytes, NULL none)
 * receives the source of a datagram, `trunc` whether it was cut. */
long sock_recv(struct sock *sk, struct sock_uio *u, int flags, uint8_t *addr, bool *trunc);
long sock_send(struct sock *sk, struct sock_uio *u, int flags, const uint32_t *to_addr,
	       uint16_t to_port);
long sock_fionread(struct sock *sk);
/* readv/writev on a socket (file_ops.iov_user): the whole vector in one
 * sock_recv or sock_send, as recvmsg and sendmsg. */
long sock_iov_user(struct file *f, uint64_t uiov, int cnt, bool wr);
#endif

#endif
