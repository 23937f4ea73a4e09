/* SPDX-License-Identifier: MIT */
/*
 * lwIP's IPv4 input hook (LWIP_HOOK_IP4_INPUT in lwipopts.h). lwIP answers
 * every empty segment that falls outside its receive window with an ACK at
 * once; with a window of zero that is every pure ACK. Two of our own
 * connections that both have a full receive window (each program busy
 * sending) then bounce ACKs through the loopback interface, which delivers
 * them in one loop on the tcpip thread: the core never leaves it. An ACK
 * that tells such a connection nothing new (same acknowledgement, same
 * window, next expected sequence number) is dropped here, on local traffic
 * only, which ends the ping-pong; a window update still gets through.
 * It also shows net/tcptw.c every SYN (a TIME_WAIT it may end).
 */
#include <stdint.h>
#include <k/string.h>

#include "lwip/ip4.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/prot/tcp.h"

#include "netif_impl.h"

#define TCP_FLAGS_MASK 0x3f

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static uint16_t be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* Is a (network order) one of our addresses? */
static int local(uint32_t a, const struct netif *inp)
{
	return (lwip_ntohl(a) >> 24) == 127 || a == ip4_addr_get_u32(netif_ip4_addr(inp));
}

int net_ip4_input_hook(struct pbuf *p, struct netif *inp)
{
	const uint8_t *ip = p->payload;
	if (p->len < 20 || (ip[0] >> 4) != 4 || ip[9] != IP_PROTO_TCP)
		return 0;
	unsigned ihl = (ip[0] & 15) * 4u, tot = be16(ip + 2);
	if (ihl < 20 || p->len < ihl + 20 || tot > p->tot_len)
		return 0;
	const uint8_t *th = ip + ihl;
	unsigned thl = (th[12] >> 4) * 4u;
	uint32_t src, dst;
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	if ((th[13] & TCP_FLAGS_MASK) == TCP_SYN) {
		net_tcp_tw_syn(src, be16(th), dst, be16(th + 2), be32(th + 4));
		return 0;
	}
	if ((th[13] & TCP_FLAGS_MASK) != TCP_ACK || thl < 20 || tot != ihl + thl)
		return 0; /* carries data or other flags */
	if (!local(src, inp))
		return 0;
	uint16_t sport = be16(th), dport = be16(th + 2);
	for (struct tcp_pcb *pcb = tcp_active_pcbs; pcb; pcb = pcb->next) {
		if (!net_tcp_pcb_is(pcb, src, sport, dst, dport))
			continue;
		if (pcb->state != ESTABLISHED || pcb->rcv_wnd != 0 || be32(th + 4) != pcb->rcv_nxt ||
		    be32(th + 8) != pcb->lastack ||
		    SND_WND_SCALE(pcb, be16(th + 14)) != pcb->snd_wnd)
			return 0;
		pbuf_free(p);
		return 1;
	}
	return 0;
}
