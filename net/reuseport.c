/* SPDX-License-Identifier: MIT */
/*
 * SO_REUSEPORT for TCP listeners, as Linux does it: several sockets bound to
 * one address and port, each new connection handed to exactly one of them,
 * and only that one's waiters and pollers woken. lwIP allows one listening
 * pcb per address and port, so a group of such sockets shares one netconn
 * (the first member's, which the group keeps until its last member closes)
 * and deals its connections out: when lwIP puts a finished handshake into
 * that netconn's accept box (the RCVPLUS event), the group takes it out again
 * and queues it on one listening member, chosen by a hash of the connection's
 * address pair. Every function here runs under lwIP's core lock (taken here
 * or by the caller), which orders joins, leaves, deals and accepts.
 */
#include <k/console.h>
#include <k/errno.h>
#include <k/fd.h>
#include <k/kheap.h>
#include <k/sched.h>

#include "lwip/api.h"
#include "lwip/priv/api_msg.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"

#include "netif_impl.h"
#include "socket_impl.h"

#define GROUP_MAX 64        /* members of one group */
/* More than lwIP's largest backlog (255): connections handed out and not yet
 * accepted hold a backlog slot each, so a member's queue never fills. */
#define QUEUE_LEN 256

struct sock_queue {
	unsigned head, count;
	struct netconn *q[QUEUE_LEN];
	int16_t cpu[QUEUE_LEN];  /* the core that received each connection */
};

struct sock_group {
	struct sock_group *next;
	struct netconn *lconn;   /* the one lwIP listener */
	ip_addr_t ip;
	uint16_t port;
	int n;
	struct sock *members[GROUP_MAX];
};

static struct sock_group *groups; /* core lock */

static struct sock_group *group_find(const ip_addr_t *ip, uint16_t port)
{
	for (struct sock_group *g = groups; g; g = g->next)
		if (g->port == port && ip_addr_cmp(&g->ip, ip))
			return g;
	return NULL;
}

static void member_add(struct sock_group *g, struct sock *sk, struct sock_queue *q)
{
	g->members[g->n++] = sk;
	sk->group = g;
	sk->accq = q;
	if (!sk->cpu_pinned)
		sk->owner_cpu = this_cpu()->id;
}

int sock_group_bind(struct sock *sk, const ip_addr_t *ip, uint16_t port)
{
	struct sock_queue *q = kzalloc(sizeof(*q));
	struct sock_group *g = kzalloc(sizeof(*g));
	int r = -ENOMEM;
	if (!q || !g)
		goto out;
	LOCK_TCPIP_CORE();
	struct sock_group *old = port ? group_find(ip, port) : NULL;
	if (old && old->n < GROUP_MAX) {
		member_add(old, sk, q);
		q = NULL;
	}
	UNLOCK_TCPIP_CORE();
	if (old) {
		r = q ? -EADDRINUSE : 0; /* a full group: as if the port were taken */
		goto out;
	}
	/* The first of its group: bind as any socket, then found the group
	 * under the port lwIP gave (port 0 picks one). */
	r = net_err_errno(netconn_bind(sk->conn, ip, port));
	if (r)
		goto out;
	LOCK_TCPIP_CORE();
	g->lconn = sk->conn;
	g->ip = *ip;
	g->port = sk->conn->pcb.tcp ? sk->conn->pcb.tcp->local_port : port;
	member_add(g, sk, q);
	g->next = groups;
	groups = g;
	UNLOCK_TCPIP_CORE();
	return 0;
out:
	kfree(q);
	kfree(g);
	return r;
}

int sock_group_listen(struct sock *sk, int backlog)
{
	struct sock_group *g = sk->group;
	LOCK_TCPIP_CORE();
	bool listening = g->lconn->pcb.tcp && g->lconn->pcb.tcp->state == LISTEN;
	UNLOCK_TCPIP_CORE();
	int r = 0;
	if (!listening)
		r = net_err_errno(netconn_listen_with_backlog(g->lconn, (u8_t)backlog));
	if (r == 0) {
		LOCK_TCPIP_CORE();
		if (!sk->cpu_pinned)
			sk->owner_cpu = this_cpu()->id;
		sk->group_listening = true;
		UNLOCK_TCPIP_CORE();
	}
	return r;
}

static uint32_t pair_hash(const struct tcp_pcb *pcb)
{
	/* Another mix than net_flow_cpu's: members on one core still spread. */
	uint32_t h = ip4_addr_get_u32(ip_2_ip4(&pcb->remote_ip)) * 0x9e3779b1u ^
		     ((uint32_t)pcb->local_port << 16 | pcb->remote_port);
	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	h *= 0x297a2d39u;
	return h ^ (h >> 15);
}

/* The listening member a new connection goes to, NULL when none listens:
 * one whose owner runs on the core the connection's frames are steered to
 * (net_flow_cpu, the core this runs on when steering is on), else any; among
 * several, by the hash of the connection's addresses and ports. */
static struct sock *member_pick(struct sock_group *g, const struct tcp_pcb *pcb)
{
	struct sock *cand[GROUP_MAX];
	int n = 0, local = 0;
	int cpu = net_flow_cpu(ip4_addr_get_u32(ip_2_ip4(&pcb->remote_ip)), pcb->remote_port,
			       ip4_addr_get_u32(ip_2_ip4(&pcb->local_ip)), pcb->local_port);
	for (int i = 0; i < g->n; i++) {
		struct sock *m = g->members[i];
		if (!m->group_listening)
			continue;
		if (m->owner_cpu == cpu) {
			cand[n++] = cand[local];
			cand[local++] = m;
		} else {
			cand[n++] = m;
		}
	}
	if (!n)
		return NULL;
	uint32_t h = pair_hash(pcb);
	return local ? cand[h % (unsigned)local] : cand[h % (unsigned)n];
}

static void member_give(struct sock *sk, struct netconn *nc)
{
	struct sock_queue *q = sk->accq;
	q->q[(q->head + q->count) % QUEUE_LEN] = nc;
	q->cpu[(q->head + q->count) % QUEUE_LEN] = (int16_t)this_cpu()->id;
	q->count++;
	spin_lock(&sk->lock);
	sk->rcvevent++;
	kwake(sk, KWAKE_ALL);
	struct file *f = sk->file;
	spin_unlock(&sk->lock);
	if (f)
		file_notify(f);
}

bool sock_group_deal(struct netconn *conn)
{
	struct sock_group *g = groups;
	while (g && g->lconn != conn)
		g = g->next;
	if (!g)
		return false;
	void *m;
	while (sys_arch_mbox_tryfetch(&conn->acceptmbox, &m) != SYS_MBOX_EMPTY) {
		err_t e;
		struct netconn *nc = m;
		if (!m || lwip_netconn_is_err_msg(m, &e))
			continue; /* lwIP ran out of memory for one: nothing to hand out */
		struct sock *sk = nc->pcb.tcp ? member_pick(g, nc->pcb.tcp) : NULL;
		if (!sk && g->n)
			sk = g->members[0];
		if (!sk || sk->accq->count == QUEUE_LEN) {
			/* Cannot happen (see QUEUE_LEN); back into the box, which
			 * lwIP empties when the listener closes. */
			sys_mbox_trypost(&conn->acceptmbox, nc);
			break;
		}
		member_give(sk, nc);
	}
	return true;
}

err_t sock_group_accept(struct sock *sk, struct netconn **nc, int *cpu)
{
	struct sock_queue *q = sk->accq;
	err_t e = ERR_WOULDBLOCK;
	LOCK_TCPIP_CORE();
	if (!sk->cpu_pinned)
		sk->owner_cpu = this_cpu()->id;
	if (q->count) {
		*nc = q->q[q->head];
		*cpu = q->cpu[q->head];
		q->head = (q->head + 1) % QUEUE_LEN;
		q->count--;
		if ((*nc)->pcb.tcp)
			tcp_backlog_accepted((*nc)->pcb.tcp);
		spin_lock(&sk->lock);
		sk->rcvevent--;
		spin_unlock(&sk->lock);
		e = ERR_OK;
	}
	UNLOCK_TCPIP_CORE();
	return e;
}

bool sock_group_name(struct sock *sk, ip_addr_t *ip, uint16_t *port)
{
	if (!sk->group)
		return false;
	*ip = sk->group->ip;
	*port = sk->group->port;
	return true;
}

bool sock_group_leave(struct sock *sk)
{
	struct sock_group *g = sk->group;
	struct sock_queue *q = sk->accq;
	struct netconn *lconn = NULL;
	LOCK_TCPIP_CORE();
	for (int i = 0; i < g->n; i++)
		if (g->members[i] == sk) {
			g->members[i] = g->members[--g->n];
			break;
		}
	for (unsigned i = 0; i < q->count; i++) {
		struct netconn *nc = q->q[(q->head + i) % QUEUE_LEN];
		if (nc->pcb.tcp)
			tcp_backlog_accepted(nc->pcb.tcp);
	}
	if (g->n == 0) {
		struct sock_group **pp = &groups;
		while (*pp != g)
			pp = &(*pp)->next;
		*pp = g->next;
		lconn = g->lconn;
	}
	UNLOCK_TCPIP_CORE();
	/* What was handed to this member and not accepted closes with it. */
	for (unsigned i = 0; i < q->count; i++)
		netconn_delete(q->q[(q->head + i) % QUEUE_LEN]);
	kfree(q);
	sk->accq = NULL;
	sk->group = NULL;
	bool keep = sk->conn == g->lconn && !lconn; /* the others still listen on it */
	if (lconn) {
		if (lconn != sk->conn)
			netconn_delete(lconn);
		kfree(g);
	}
	return keep;
}
