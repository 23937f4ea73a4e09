// sources: net/loophook.c net/tcptw.c
// cflags: -Inet -Ibuild/lwip/src/include
/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for net/loophook.c's IPv4 input hook, which reads every
 * received frame's IPv4 and TCP headers before lwIP does (the ACK ping-pong
 * filter, and a SYN that may end a TIME_WAIT in net/tcptw.c). Input: byte 0
 * picks how the first-segment length and the total length relate (a chained
 * pbuf says more than its first segment holds), bytes 1-24 describe one
 * active and two TIME_WAIT pcbs (taking addresses and ports from the packet,
 * so that they match), the rest is the packet. Checks: reads stay inside
 * the first segment (ASan: the packet is copied to an exact-size buffer), a
 * frame the hook keeps is freed exactly once, a TIME_WAIT pcb is only ended
 * by a SYN for its own address pair and sequence past its own.
 */
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"

#include "netif_impl.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int net_ip4_input_hook(struct pbuf *p, struct netif *inp);

struct tcp_pcb *tcp_active_pcbs, *tcp_tw_pcbs;
static int freed, aborted;
static struct tcp_pcb *aborted_pcb;

u8_t pbuf_free(struct pbuf *p)
{
	freed++;
	return 1;
}

void tcp_abort(struct tcp_pcb *pcb)
{
	aborted++;
	aborted_pcb = pcb;
	for (struct tcp_pcb **pp = &tcp_tw_pcbs; *pp; pp = &(*pp)->next)
		if (*pp == pcb) {
			*pp = pcb->next;
			return;
		}
	abort(); /* not on the TIME_WAIT list */
}

void tcp_free(struct tcp_pcb *pcb) {}
size_t pmm_total_pages(void) { return 16384; }

static uint32_t get32(const uint8_t *b) { uint32_t v; memcpy(&v, b, 4); return v; }
static uint16_t be16(const uint8_t *b) { return (uint16_t)(b[0] << 8 | b[1]); }
static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 25)
		return 0;
	uint8_t mode = data[0];
	const uint8_t *cfg = data + 1;
	size_t len = size - 25;
	uint8_t *pkt = malloc(len ? len : 1);
	memcpy(pkt, data + 25, len);

	static struct netif nif;
	memset(&nif, 0, sizeof(nif));
	IP4_ADDR(ip_2_ip4(&nif.ip_addr), 10, 0, 2, 15);

	/* Pcbs matching the packet's own addresses and ports when it has them. */
	static struct tcp_pcb act, tw[2];
	memset(&act, 0, sizeof(act));
	memset(tw, 0, sizeof(tw));
	uint32_t src = 0, dst = 0;
	uint16_t sport = 0, dport = 0;
	if (len >= 40) {
		unsigned ihl = (pkt[0] & 15u) * 4;
		src = get32(pkt + 12);
		dst = get32(pkt + 16);
		if (ihl + 4 <= len) {
			sport = be16(pkt + ihl);
			dport = be16(pkt + ihl + 2);
		}
	}
	struct tcp_pcb *all[3] = { &act, &tw[0], &tw[1] };
	for (int i = 0; i < 3; i++) {
		struct tcp_pcb *p = all[i];
		bool same = cfg[i] & 1;
		ip_addr_set_ip4_u32(&p->local_ip, same ? dst : get32(cfg + 4));
		ip_addr_set_ip4_u32(&p->remote_ip, same ? src : get32(cfg + 8));
		p->local_port = same ? dport : be16(cfg + 12);
		p->remote_port = (cfg[i] & 2) ? (uint16_t)(sport + 1) : sport;
		p->rcv_nxt = be32(cfg + 14) + (uint32_t)i;
		p->lastack = be32(cfg + 18);
		p->snd_wnd = be16(cfg + 22);
		p->rcv_wnd = (cfg[i] & 4) ? 0 : 1000;
		p->state = i == 0 ? ((cfg[i] & 8) ? ESTABLISHED : CLOSE_WAIT) : TIME_WAIT;
	}
	tcp_active_pcbs = (cfg[3] & 1) ? &act : NULL;
	tw[0].next = &tw[1];
	tcp_tw_pcbs = (cfg[3] & 2) ? &tw[0] : NULL;

	struct pbuf p;
	memset(&p, 0, sizeof(p));
	p.payload = pkt;
	p.len = (u16_t)(len > 0xffff ? 0xffff : len);
	p.tot_len = (u16_t)(p.len + (mode & 3) * (mode >> 2)); /* a longer chain */
	freed = aborted = 0;
	aborted_pcb = NULL;
	int kept = net_ip4_input_hook(&p, &nif);
	if (kept != 0 && kept != 1)
		abort();
	if (freed != kept)
		abort(); /* a kept frame is freed once, a passed one not at all */
	if (aborted > 1)
		abort();
	if (aborted) {
		/* Only a SYN for the pcb's own pair, past its sequence number. */
		unsigned ihl = (pkt[0] & 15u) * 4;
		if (len < ihl + 20 || (pkt[ihl + 13] & 0x3f) != 0x02 ||
		    aborted_pcb->local_port != dport || aborted_pcb->remote_port != sport ||
		    (int32_t)(be32(pkt + ihl + 4) - aborted_pcb->rcv_nxt) <= 0)
			abort();
	}
	free(pkt);
	return 0;
}
