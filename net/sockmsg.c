/* SPDX-License-Identifier: MIT */
/*
 * sendto, recvfrom, sendmsg, recvmsg (net/socket_impl.h): the program's
 * buffers as user segments, its msghdr read through the kernel's own struct
 * (fields by offsetof, never by number), its address and addrlen checked
 * before anything is received, so that a bad one is EFAULT and loses no data.
 * The bytes move in net/sockio.c.
 */
#include <stdbool.h>
#include <stddef.h>
#include <k/errno.h>
#include <k/fd.h>
#include <k/kheap.h>
#include <k/string.h>
#include <k/syscall.h>
#include "../kernel/sys.h"

#include "lwip/api.h"
#include "lwip/ip4_addr.h"

#include "socket_impl.h"

#define SOCK_DGRAM 2
#define IOV_MAX 1024
#define MSG_TRUNC 0x20

/* struct msghdr of the x86-64 ABI (musl pads the two 32-bit fields). */
struct kmsghdr {
	uint64_t name;
	uint32_t namelen, pad0;
	uint64_t iov, iovlen;
	uint64_t control, controllen;
	int32_t flags, pad1;
};
_Static_assert(sizeof(struct kmsghdr) == 56, "struct msghdr is 56 bytes");
_Static_assert(offsetof(struct kmsghdr, controllen) == 40, "msg_controllen at 40");
_Static_assert(offsetof(struct kmsghdr, flags) == 48, "msg_flags at 48");

/* The program's iovecs, every range checked before a byte moves. */
static long uio_user(struct sock_uio *u, uint64_t uiov, uint64_t cnt)
{
	if (cnt > IOV_MAX)
		return -EMSGSIZE;
	memset(u, 0, sizeof(*u));
	if (cnt == 0)
		return 0;
	u->seg = kmalloc(cnt * sizeof(*u->seg));
	if (!u->seg)
		return -ENOMEM;
	u->nseg = (int)cnt;
	if (user_copy_in(u->seg, uiov, cnt * sizeof(*u->seg)))
		return -EFAULT;
	uint64_t sum = 0;
	for (uint64_t i = 0; i < cnt; i++) {
		if ((int64_t)u->seg[i].len < 0 || (sum += u->seg[i].len) > 0x7ffff000)
			return -EINVAL;
		if (!user_access_ok(u->seg[i].base, u->seg[i].len))
			return -EFAULT;
	}
	u->resid = sum;
	return 0;
}

/* One user buffer (sendto, recvfrom). */
static long uio_one(struct sock_uio *u, struct sock_seg *seg, uint64_t base, uint64_t len)
{
	if ((int64_t)len < 0)
		return -EINVAL;
	if (!user_access_ok(base, len))
		return -EFAULT;
	*seg = (struct sock_seg){ base, len };
	*u = (struct sock_uio){ .seg = seg, .nseg = 1, .resid = len };
	return 0;
}

long sock_iov_user(struct file *f, uint64_t uiov, int cnt, bool wr)
{
	struct sock_uio u = { 0 };
	long r = uio_user(&u, uiov, (uint64_t)cnt);
	if (r == 0)
		r = wr ? sock_send(f->priv, &u, 0, NULL, 0) : sock_recv(f->priv, &u, 0, NULL, NULL);
	kfree(u.seg);
	return r;
}

static long do_send(long fd, struct sock_uio *u, int flags, uint64_t uaddr, long alen)
{
	struct file *f;
	long r;
	int family;
	ip_addr_t ip;
	uint16_t port = 0;
	uint32_t to;
	struct sock *sk = sock_get(fd, &f, &r);
	if (!sk)
		return r;
	if (uaddr && sk->type == SOCK_DGRAM) {
		r = sock_addr_in(uaddr, alen, &family, &ip, &port);
		if (r == 0 && family != NET_AF_INET)
			r = -EAFNOSUPPORT;
		to = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(&ip)));
		if (r == 0)
			r = sock_send(sk, u, flags, &to, port);
	} else {
		/* A stream socket ignores the address (Linux: EISCONN if it is
		 * connected, which programs do not rely on). */
		r = sock_send(sk, u, flags, NULL, 0);
	}
	file_put(f);
	return r;
}

long sys_sendto(SYSARGS)
{
	struct sock_uio u;
	struct sock_seg seg;
	long r = uio_one(&u, &seg, (uint64_t)a1, (uint64_t)a2);
	return r ? r : do_send(a0, &u, (int)a3, (uint64_t)a4, (long)(int)a5);
}

long sys_sendmsg(SYSARGS)
{
	struct kmsghdr m;
	struct sock_uio u = { 0 };
	if (user_copy_in(&m, (uint64_t)a1, sizeof(m)))
		return -EFAULT;
	long r = uio_user(&u, m.iov, m.iovlen);
	if (r == 0)
		r = do_send(a0, &u, (int)a2, m.name, m.name ? (long)m.namelen : 0);
	kfree(u.seg);
	return r;
}

/* Receive into u; with uaddr, the source address goes there and its length
 * to ulen (both checked first: a fault is EFAULT before a byte is taken). */
static long do_recv(long fd, struct sock_uio *u, int flags, uint64_t uaddr, uint64_t ulen,
		    bool *trunc)
{
	struct file *f;
	long r;
	int room = 0;
	uint8_t from[NET_SOCKADDR_IN_LEN];
	struct sock *sk = sock_get(fd, &f, &r);
	if (!sk)
		return r;
	if (uaddr && (r = sock_name_check(uaddr, ulen, &room)))
		goto out;
	memset(from, 0, sizeof(from));
	r = sock_recv(sk, u, flags, from, trunc);
	if (r >= 0 && uaddr) {
		/* A stream gives no address. */
		int len = sk->type == SOCK_DGRAM ? (int)sizeof(from) : 0;
		long e = sock_name_put(uaddr, ulen, room, from, len);
		if (e)
			r = e;
	}
out:
	file_put(f);
	return r;
}

long sys_recvfrom(SYSARGS)
{
	struct sock_uio u;
	struct sock_seg seg;
	long r = uio_one(&u, &seg, (uint64_t)a1, (uint64_t)a2);
	return r ? r : do_recv(a0, &u, (int)a3, (uint64_t)a4, (uint64_t)a5, NULL);
}

long sys_recvmsg(SYSARGS)
{
	struct kmsghdr m;
	struct sock_uio u = { 0 };
	bool trunc = false;
	uint64_t um = (uint64_t)a1;
	if (user_copy_in(&m, um, sizeof(m)))
		return -EFAULT;
	long r = uio_user(&u, m.iov, m.iovlen);
	if (r == 0)
		r = do_recv(a0, &u, (int)a2, m.name, um + offsetof(struct kmsghdr, namelen),
			    &trunc);
	kfree(u.seg);
	if (r < 0)
		return r;
	/* No ancillary data; MSG_TRUNC when a datagram was cut. */
	uint64_t controllen = 0;
	int32_t mflags = trunc ? MSG_TRUNC : 0;
	if (user_copy_out(um + offsetof(struct kmsghdr, controllen), &controllen,
			  sizeof(controllen)) ||
	    user_copy_out(um + offsetof(struct kmsghdr, flags), &mflags, sizeof(mflags)))
		return -EFAULT;
	return r;
}
