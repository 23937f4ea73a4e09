/* SPDX-License-Identifier: MIT */
/*
 * A bound on lwIP's TIME_WAIT connections. lwIP keeps each closed connection
 * for 2 MSL (120 s) and recycles one only when an allocation fails; with its
 * memory taken from the kernel heap (lwipopts.h) a server that closes
 * connections would fill the heap first. Each received frame moves at most
 * one connection into TIME_WAIT, so the list is counted only when the frames
 * since the last count could have filled it; the oldest entries beyond the
 * bound are then cut off the list in one step and freed (no reset is sent
 * from TIME_WAIT); a program still holding one (it shut down only its
 * sending side) is told, as lwIP's own TIME_WAIT expiry does with
 * tools/lwip-patches. Called with the core lock held.
 *
 * And a TIME_WAIT that a new connection may end: lwIP answers a SYN for the
 * address pair of a connection in TIME_WAIT with an ACK and ignores the
 * reset that comes back, so a client reusing its port (QEMU's user network
 * passes the host's client ports through) hangs until 2 MSL are over. As
 * Linux does (RFC 1122 4.2.2.13), a SYN whose sequence number lies past
 * what the old connection received ends the TIME_WAIT at once, and the SYN
 * goes on to the listener.
 */
#include <stdint.h>
#include <k/pmm.h>

#include "lwip/tcp.h"
#include "lwip/priv/tcp_priv.h"

#include "netif_impl.h"

#define TW_MIN 64
#define TW_MAX 4096
#define TW_BYTES_EACH 16384 /* one TIME_WAIT entry per this much memory */

static unsigned tw_limit;
static unsigned tw_room; /* frames that cannot yet reach the limit */

static unsigned limit(void)
{
	if (!tw_limit) {
		size_t n = pmm_total_pages() * 4096 / TW_BYTES_EACH;
		tw_limit = n < TW_MIN ? TW_MIN : n > TW_MAX ? TW_MAX : (unsigned)n;
	}
	return tw_limit;
}

void net_tcp_tw_bound(unsigned frames)
{
	if (frames < tw_room) {
		tw_room -= frames;
		return;
	}
	unsigned max = limit(), keep = max - max / 4, n = 0;
	struct tcp_pcb *last = NULL, *pcb = tcp_tw_pcbs, *next;
	/* Newest first (lwIP pushes at the head): the tail is the oldest. */
	while (pcb && n < keep) {
		last = pcb;
		pcb = pcb->next;
		n++;
	}
	unsigned more = 0;
	for (struct tcp_pcb *q = pcb; q; q = q->next)
		more++;
	if (n + more <= max) {
		tw_room = max - n - more;
		return;
	}
	last->next = NULL; /* keep >= 48 entries, so there is a last */
	for (; pcb; pcb = next) {
		tcp_err_fn errf = pcb->errf;
		void *arg = pcb->callback_arg;
		next = pcb->next;
		tcp_free(pcb);
		if (errf)
			errf(arg, ERR_CLSD);
	}
	tw_room = max - n;
}

void net_tcp_tw_syn(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, uint32_t seq)
{
	for (struct tcp_pcb *pcb = tcp_tw_pcbs; pcb; pcb = pcb->next) {
		if (!net_tcp_pcb_is(pcb, src, sport, dst, dport))
			continue;
		if (TCP_SEQ_GT(seq, pcb->rcv_nxt))
			tcp_abort(pcb); /* from TIME_WAIT: freed, no reset sent */
		return;
	}
}
