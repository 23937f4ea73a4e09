/* SPDX-License-Identifier: MIT */
/*
 * Socket options (net/socket_impl.h): setsockopt and getsockopt at the
 * SOL_SOCKET, IPPROTO_TCP and IPPROTO_IP levels. Options lwIP keeps per pcb
 * are set under its core lock; buffer sizes are fixed by lwIP and reported
 * as such; timeouts follow k/utime.h. TCP_CORK is kept and read back, and
 * taking it off pushes out what is queued: lwIP sends each write as it comes
 * (Nagle aside), so a cork holds nothing back, a hint Linux may also cut
 * short (it sends a corked partial frame after 200 ms). nginx sets it with
 * `tcp_nopush on` and gave up on every response when it was ENOPROTOOPT.
 */
#include <stdbool.h>
#include <k/errno.h>
#include <k/sched.h>
#include <k/fd.h>
#include <k/string.h>
#include <k/syscall.h>
#include <k/utime.h>
#include "../kernel/sys.h"

#include "lwip/api.h"
#include "lwip/ip.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"

#include "socket_impl.h"

#define SOCK_STREAM 1
#define IPPROTO_IP 0
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define SOL_SOCKET 1
#define SO_REUSEADDR 2
#define SO_TYPE 3
#define SO_ERROR 4
#define SO_BROADCAST 6
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#define SO_KEEPALIVE 9
#define SO_LINGER 13
#define SO_REUSEPORT 15
#define SO_RCVTIMEO 20
#define SO_SNDTIMEO 21
#define SO_ACCEPTCONN 30
#define SO_INCOMING_CPU 49
#define SO_PROTOCOL 38
#define SO_DOMAIN 39
#define TCP_NODELAY 1
#define TCP_KEEPIDLE 4
#define TCP_KEEPINTVL 5
#define TCP_KEEPCNT 6
#define TCP_CORK 3
#define IP_TOS 1
#define IP_TTL 2
#ifndef EDOM
#define EDOM 33
#endif

static long opt_int(uint64_t uval, long len, int *v)
{
	if (len < (long)sizeof(int))
		return -EINVAL;
	return user_copy_in(v, uval, sizeof(int)) ? -EFAULT : 0;
}

/* SO_RCVTIMEO/SO_SNDTIMEO as Linux takes them: microseconds outside
 * 0..999,999 are EDOM, negative seconds mean "do not wait" (0), {0, 0} and
 * anything too long to arm mean no timeout (k/utime.h). */
static long opt_timeout(uint64_t uval, long len, uint64_t *ns)
{
	struct utimeval tv;
	if (len < (long)sizeof(tv))
		return -EINVAL;
	if (user_copy_in(&tv, uval, sizeof(tv)))
		return -EFAULT;
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	if (tv.tv_sec < 0) {
		*ns = 0;
		return 0;
	}
	if (tv.tv_sec == 0 && tv.tv_usec == 0) {
		*ns = UTIME_FOREVER;
		return 0;
	}
	return utime_tv_ns(&tv, ns);
}

/* A pcb option under the core lock; the pcb may be gone (closed, reset). */
static void pcb_option(struct sock *sk, int opt, bool on)
{
	LOCK_TCPIP_CORE();
	struct ip_pcb *pcb = sk->conn->pcb.ip;
	if (pcb) {
		if (opt == TCP_NODELAY && sk->type == SOCK_STREAM) {
			if (on)
				tcp_nagle_disable(sk->conn->pcb.tcp);
			else
				tcp_nagle_enable(sk->conn->pcb.tcp);
		} else if (on) {
			ip_set_option(pcb, opt);
		} else {
			ip_reset_option(pcb, opt);
		}
	}
	UNLOCK_TCPIP_CORE();
}

/* TCP_CORK: remembered; taken off, whatever lwIP still queues goes out now. */
static void set_cork(struct sock *sk, bool on)
{
	sk->cork = on;
	if (on)
		return;
	LOCK_TCPIP_CORE();
	if (sk->conn->pcb.tcp && sk->connected)
		tcp_output(sk->conn->pcb.tcp);
	UNLOCK_TCPIP_CORE();
}

static long setopt(struct sock *sk, int level, int name, uint64_t uval, long len)
{
	int v = 0;
	long r;
	if (level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO))
		return opt_timeout(uval, len, name == SO_RCVTIMEO ? &sk->rcvtimeo : &sk->sndtimeo);
	if (level == SOL_SOCKET && name == SO_LINGER) {
		int l[2];
		if (len < (long)sizeof(l))
			return -EINVAL;
		if (user_copy_in(l, uval, sizeof(l)))
			return -EFAULT;
		sk->linger_on = l[0] != 0;
		sk->linger_s = l[1];
		return 0;
	}
	if ((r = opt_int(uval, len, &v)))
		return r;
	switch (level) {
	case SOL_SOCKET:
		switch (name) {
		case SO_REUSEADDR: pcb_option(sk, SOF_REUSEADDR, v); return 0;
		case SO_KEEPALIVE: pcb_option(sk, SOF_KEEPALIVE, v); return 0;
		case SO_BROADCAST: pcb_option(sk, SOF_BROADCAST, v); return 0;
		case SO_REUSEPORT:
			spin_lock(&sk->lock);
			sk->reuseport = v != 0; /* acts at bind, as on Linux */
			spin_unlock(&sk->lock);
			return 0;
		case SO_INCOMING_CPU:
			/* A SO_REUSEPORT listener takes the connections steered
			 * to this core (net/reuseport.c); -1 lets it follow its
			 * accepting thread again. */
			if (v < -1 || v >= MAX_CPUS)
				return -EINVAL;
			__atomic_store_n(&sk->owner_cpu, v < 0 ? this_cpu()->id : v, __ATOMIC_RELAXED);
			__atomic_store_n(&sk->cpu_pinned, v >= 0, __ATOMIC_RELAXED);
			return 0;
		case SO_SNDBUF:
		case SO_RCVBUF:
			return 0; /* accepted; lwIP's sizes are fixed */
		}
		break;
	case IPPROTO_TCP:
		if (sk->type != SOCK_STREAM)
			return -ENOPROTOOPT;
		switch (name) {
		case TCP_NODELAY: pcb_option(sk, TCP_NODELAY, v); return 0;
		case TCP_CORK: set_cork(sk, v != 0); return 0;
		case TCP_KEEPIDLE:
		case TCP_KEEPINTVL:
		case TCP_KEEPCNT:
			return v > 0 ? 0 : -EINVAL;
		}
		break;
	case IPPROTO_IP:
		if (name == IP_TOS || name == IP_TTL)
			return 0;
		break;
	}
	return -ENOPROTOOPT;
}

static int pcb_has(struct sock *sk, int opt)
{
	int v = 0;
	LOCK_TCPIP_CORE();
	struct ip_pcb *pcb = sk->conn->pcb.ip;
	if (pcb) {
		if (opt == TCP_NODELAY)
			v = tcp_nagle_disabled(sk->conn->pcb.tcp) != 0;
		else
			v = ip_get_option(pcb, opt) != 0;
	}
	UNLOCK_TCPIP_CORE();
	return v;
}

static long getopt(struct sock *sk, int level, int name, int64_t out[2], int *len)
{
	*len = sizeof(int);
	out[0] = 0;
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_TYPE: out[0] = sk->type; return 0;
		case SO_DOMAIN: out[0] = NET_AF_INET; return 0;
		case SO_PROTOCOL: out[0] = sk->type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP; return 0;
		case SO_ACCEPTCONN: out[0] = sk->listening; return 0;
		case SO_INCOMING_CPU: out[0] = __atomic_load_n(&sk->owner_cpu, __ATOMIC_RELAXED); return 0;
		case SO_ERROR:
			spin_lock(&sk->lock);
			out[0] = -sk->so_error;
			sk->so_error = 0;
			spin_unlock(&sk->lock);
			return 0;
		case SO_SNDBUF: out[0] = sk->type == SOCK_STREAM ? TCP_SND_BUF : 65535; return 0;
		case SO_RCVBUF: out[0] = sk->type == SOCK_STREAM ? TCP_WND : 65535; return 0;
		case SO_REUSEADDR: out[0] = pcb_has(sk, SOF_REUSEADDR); return 0;
		case SO_KEEPALIVE: out[0] = pcb_has(sk, SOF_KEEPALIVE); return 0;
		case SO_BROADCAST: out[0] = pcb_has(sk, SOF_BROADCAST); return 0;
		case SO_REUSEPORT: out[0] = sk->reuseport; return 0;
		case SO_LINGER:
			*len = 8;
			out[0] = (int64_t)((uint64_t)(uint32_t)sk->linger_s << 32 | (uint32_t)sk->linger_on);
			return 0;
		case SO_RCVTIMEO:
		case SO_SNDTIMEO: {
			/* No timeout and "do not wait" both read back as {0, 0}. */
			uint64_t ns = name == SO_RCVTIMEO ? sk->rcvtimeo : sk->sndtimeo;
			struct utimeval tv = utime_ns_tv(ns == UTIME_FOREVER ? 0 : ns);
			*len = sizeof(tv);
			out[0] = tv.tv_sec;
			out[1] = tv.tv_usec;
			return 0;
		}
		}
	} else if (level == IPPROTO_TCP && sk->type == SOCK_STREAM) {
		if (name == TCP_NODELAY) {
			out[0] = pcb_has(sk, TCP_NODELAY);
			return 0;
		}
		if (name == TCP_CORK) {
			out[0] = sk->cork;
			return 0;
		}
	}
	return -ENOPROTOOPT;
}

long sys_setsockopt(SYSARGS)
{
	struct file *f;
	long r;
	struct sock *sk = sock_get(a0, &f, &r);
	if (!sk)
		return r;
	r = setopt(sk, (int)a1, (int)a2, (uint64_t)a3, (long)(int)a4);
	file_put(f);
	return r;
}

long sys_getsockopt(SYSARGS)
{
	struct file *f;
	long r;
	int64_t out[2];
	int len, ulen;
	struct sock *sk = sock_get(a0, &f, &r);
	if (!sk)
		return r;
	/* optval and optlen checked first: SO_ERROR is not consumed by a call
	 * that then cannot report it. */
	r = sock_name_check((uint64_t)a3, (uint64_t)a4, &ulen);
	if (r)
		goto out;
	r = getopt(sk, (int)a1, (int)a2, out, &len);
	if (r)
		goto out;
	if (len == (int)sizeof(int)) {
		int v = (int)out[0];
		memcpy(out, &v, sizeof(v));
	}
	if (ulen < len)
		len = ulen;
	if (user_copy_out((uint64_t)a3, out, (size_t)len) ||
	    user_copy_out((uint64_t)a4, &len, sizeof(len)))
		r = -EFAULT;
out:
	file_put(f);
	return r;
}
