/* SPDX-License-Identifier: MIT */
/*
 * Software receive steering on one device queue (docs/network.md, "Cores"):
 * the device's receiver (on the core its interrupt goes to) takes each frame
 * off the device and, when the frame's TCP or UDP flow belongs to another
 * core, hands it to that core's receiver through a lock-free list, waking it
 * only when the list was empty; that receiver runs the stack's input for the
 * frame under the core lock. A flow's core is a hash of its addresses and
 * ports (net_flow_cpu), which SO_REUSEPORT also uses to pick the listener on
 * that core (net/reuseport.c): a connection's frames, its socket's wake-ups
 * and its thread then meet on one core. lwIP stays one instance under the one
 * core lock; what moves is the stack's input work and the wake-ups.
 */
#include <k/console.h>
#include <k/kheap.h>
#include <k/sched.h>
#include <k/wait.h>

#include "lwip/pbuf.h"
#include "lwip/tcpip.h"

#include "flow.h"
#include "netif_impl.h"

#define STEER_BATCH 32 /* frames per core-lock hold on the steered core */

struct steer_q {
	struct pbuf *head;       /* pushed frames, newest first; linked by ->next */
	struct spinlock lock;    /* the receiver's wait */
	int kicks;
	struct net_if *ni;
};

bool net_steer_on;

int net_flow_cpu(uint32_t remote, uint16_t rport, uint32_t local, uint16_t lport)
{
	int n = __atomic_load_n(&ncpus, __ATOMIC_RELAXED);
	uint32_t h = remote ^ ((uint32_t)rport << 16 | lport) ^ local * 0x85ebca6bu;
	h ^= h >> 16;
	h *= 0x7feb352du;
	h ^= h >> 15;
	h *= 0x846ca68bu;
	h ^= h >> 16;
	return n > 1 ? (int)(h % (unsigned)(n < NET_STEER_MAX ? n : NET_STEER_MAX)) : 0;
}

/* The core of a received frame's flow; -1 for what stays here (not IPv4
 * TCP/UDP, fragments, short frames: net_frame_flow). */
static int frame_cpu(const struct pbuf *p)
{
	struct net_flow fl;
	if (!net_frame_flow(p->payload, p->len, &fl))
		return -1;
	return net_flow_cpu(fl.src, fl.sport, fl.dst, fl.dport);
}

/* The steered core's receiver: takes what was pushed, oldest first. */
static void steer_thread(void *arg)
{
	struct steer_q *q = arg;
	for (;;) {
		spin_lock(&q->lock);
		while (q->kicks == 0 && !__atomic_load_n(&q->head, __ATOMIC_ACQUIRE))
			kwait(&q->kicks, &q->lock, 0);
		q->kicks = 0;
		spin_unlock(&q->lock);
		struct pbuf *l = __atomic_exchange_n(&q->head, NULL, __ATOMIC_ACQUIRE), *rev = NULL;
		while (l) {
			struct pbuf *next = l->next;
			l->next = rev;
			rev = l;
			l = next;
		}
		while (rev) {
			unsigned n = 0;
			LOCK_TCPIP_CORE();
			while (rev && n < STEER_BATCH) {
				struct pbuf *p = rev;
				rev = p->next;
				p->next = NULL;
				net_if_input(q->ni, p);
				n++;
			}
			UNLOCK_TCPIP_CORE();
			if (rev)
				schedule(); /* kernel threads are not preempted */
		}
	}
}

/* Core c's queue for ni, made with its receiver on first use; NULL when
 * that fails (the frame is then processed here). */
static struct steer_q *queue_of(struct net_if *ni, int c)
{
	struct steer_q *q = ni->steer[c];
	if (q)
		return q;
	q = kzalloc(sizeof(*q));
	if (!q)
		return NULL;
	q->ni = ni;
	if (!kthread_create(steer_thread, q, c)) {
		kfree(q);
		return NULL;
	}
	ni->steer[c] = q;
	return q;
}

/* True when the list was empty: its receiver may be asleep. */
static bool push(struct steer_q *q, struct pbuf *p)
{
	struct pbuf *old = __atomic_load_n(&q->head, __ATOMIC_RELAXED);
	do
		p->next = old;
	while (!__atomic_compare_exchange_n(&q->head, &old, p, true, __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED));
	return old == NULL;
}

static void kick(struct steer_q *q)
{
	spin_lock(&q->lock);
	q->kicks++;
	kwake(&q->kicks, 1);
	spin_unlock(&q->lock);
}

int net_steer_poll(struct net_if *ni, int budget)
{
	if (!net_steer_on)
		return net_if_poll(ni, budget);
	uint64_t wake = 0;
	int n = 0, me = this_cpu()->id;
	struct pbuf *p;
	LOCK_TCPIP_CORE();
	net_if_link_check(ni);
	while (n < budget && net_if_take(ni, &p)) {
		n++;
		if (!p)
			continue;
		int c = frame_cpu(p);
		struct steer_q *q = c >= 0 && c != me ? queue_of(ni, c) : NULL;
		if (!q)
			net_if_input(ni, p);
		else if (push(q, p))
			wake |= 1ull << c;
	}
	net_rx_frames += (unsigned)n;
	net_tcp_tw_bound((unsigned)n);
	UNLOCK_TCPIP_CORE();
	while (wake) {
		int c = __builtin_ctzll(wake);
		wake &= wake - 1;
		kick(ni->steer[c]);
	}
	return n;
}
