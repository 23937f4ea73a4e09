/* SPDX-License-Identifier: MIT */
/*
 * The network's part of the exit (kernel/exit.c, docs/reliability.md). By
 * then the program's sockets are closed; what their connections still hold
 * must reach the peers before the VM powers off, as Linux delivers what a
 * process wrote and closed before it exited. Every connection is waited for
 * until it is fully closed: our data and FIN acknowledged and the peer's FIN
 * received (TIME_WAIT, or the pcb gone). An acknowledgement alone is not
 * enough: QEMU's user network acknowledges what it has buffered and writes it
 * to the real client later, and only closes towards us once that is done.
 * The wait is bounded by toro.linger=SECONDS; what the bound cuts off is
 * reset and said on the console. Then the devices get a moment to send the
 * last frames (the ACK of a peer's FIN, the resets).
 */
#include <k/cmdline.h>
#include <k/console.h>
#include <k/netdev.h>
#include <k/sched.h>
#include <k/time.h>

#include "lwip/tcp.h"
#include "lwip/tcpip.h"
#include "lwip/priv/tcp_priv.h"

#include "net_impl.h"

#define LINGER_DEFAULT_S 5
#define LINGER_MAX_S 3600
#define POLL_NS (5ull * 1000000)     /* how often the connections are counted */
#define TX_WAIT_NS (200ull * 1000000) /* for the devices to take the last frames */

static uint64_t linger_s = LINGER_DEFAULT_S;
static bool debug;             /* toro.debug: say how long the drain took */

void net_drain_config(const struct cmdline *cl)
{
	const char *v = cmdline_opt(cl, "toro.linger");
	debug = cmdline_opt(cl, "toro.debug") != NULL;
	unsigned long long n;
	if (!v)
		return;
	if (cmdline_parse_u64(v, &n) || n > LINGER_MAX_S) {
		kprintf("toro: toro.linger=%s is not a number of seconds (0-%d), using %d\n", v,
			LINGER_MAX_S, LINGER_DEFAULT_S);
		return;
	}
	linger_s = n;
}

/* A connection the exit waits for: it has data or a FIN to deliver, or the
 * peer's FIN to receive. SYN_SENT and SYN_RCVD carry nothing of ours. */
static bool unfinished(const struct tcp_pcb *pcb)
{
	switch (pcb->state) {
	case ESTABLISHED:
	case FIN_WAIT_1:
	case FIN_WAIT_2:
	case CLOSE_WAIT:
	case CLOSING:
	case LAST_ACK:
		return true;
	default:
		return false;
	}
}

/* Sent or queued bytes the peer has not acknowledged: the data of the
 * segments lwIP still holds (a SYN or FIN carries none). */
static unsigned long long unacked(const struct tcp_pcb *pcb)
{
	unsigned long long n = 0;
	for (const struct tcp_seg *s = pcb->unacked; s; s = s->next)
		n += s->len;
	for (const struct tcp_seg *s = pcb->unsent; s; s = s->next)
		n += s->len;
	return n;
}

void net_drain_count(struct net_drain_left *left)
{
	left->conns = 0;
	left->bytes = 0;
	for (struct tcp_pcb *pcb = tcp_active_pcbs; pcb; pcb = pcb->next) {
		if (!unfinished(pcb))
			continue;
		left->conns++;
		left->bytes += unacked(pcb);
	}
}

void net_drain_cut(void)
{
	struct tcp_pcb *pcb = tcp_active_pcbs;
	while (pcb) {
		if (!unfinished(pcb)) {
			pcb = pcb->next;
			continue;
		}
		tcp_abort(pcb); /* a reset: the peer learns the connection is gone */
		pcb = tcp_active_pcbs; /* the list changed */
	}
}

static void wait_devices(void)
{
	uint64_t until = time_monotonic_ns() + TX_WAIT_NS;
	for (int i = 0; i < netdev_count(); i++)
		while (!netdev_tx_done(netdev_get(i)) && time_monotonic_ns() < until)
			sched_block(time_monotonic_ns() + POLL_NS / 5);
}

/* SYSOPT_EXIT hook (net/component.c): every descriptor is closed already. */
void net_drain(int status)
{
	(void)status;
	if (!net_running())
		return;
	uint64_t start = time_monotonic_ns(), until = start + linger_s * NSEC_PER_SEC;
	struct net_drain_left left, first = { 0, 0 };
	for (int round = 0;; round++) {
		LOCK_TCPIP_CORE();
		net_drain_count(&left);
		if (round == 0)
			first = left;
		if (left.conns && time_monotonic_ns() >= until)
			net_drain_cut();
		UNLOCK_TCPIP_CORE();
		if (!left.conns)
			break;
		if (time_monotonic_ns() >= until) {
			kprintf("toro: exit: toro.linger=%llu s cut off %u connection%s, %llu bytes "
				"unacknowledged\n", (unsigned long long)linger_s, left.conns,
				left.conns == 1 ? "" : "s", (unsigned long long)left.bytes);
			break;
		}
		uint64_t next = time_monotonic_ns() + POLL_NS;
		sched_block(next < until ? next : until);
	}
	wait_devices();
	if (debug && first.conns)
		kprintf("toro: exit: waited for %u connection%s (%llu bytes unacknowledged) %llu ms\n",
			first.conns, first.conns == 1 ? "" : "s", first.bytes,
			(unsigned long long)(time_monotonic_ns() - start) / 1000000);
}
