/* SPDX-License-Identifier: MIT */
/*
 * Private to net/: one lwIP netif per netdev (net/netif.c). Everything here
 * runs in threads; net_if_add with the core lock held.
 */
#ifndef NET_NETIF_IMPL_H
#define NET_NETIF_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "lwip/netif.h"
#include "lwip/tcp.h"

struct netdev;

struct net_if {
	struct netif nif;        /* lwIP's; nif.state points back here */
	struct netdev *nd;
	unsigned mtu;            /* IP MTU */
	unsigned frame_max;      /* largest frame: MTU + Ethernet header + VLAN tag */
	bool tx_csum, rx_csum;   /* the device's checksum offloads in use */
	uint16_t idle_flags;     /* lwIP checksum flags between received frames */
	void *bounce;            /* frame_max bytes: long chains, dropped frames */
	uint64_t tx_drops, rx_drops;
};

/* Make nd a netif with these addresses (NULL: none yet), link state from the
 * device. Core lock held. 0 or -ENOMEM. */
int net_if_add(struct net_if *ni, struct netdev *nd, const ip4_addr_t *ip,
	       const ip4_addr_t *mask, const ip4_addr_t *gw);
/* Start the receiver thread on core `cpu`. 0 or -ENOMEM. */
int net_if_start(struct net_if *ni, int cpu);
/* Hand up to `budget` waiting frames to the stack (takes the core lock);
 * the number taken. The receiver thread's loop; tests call it directly. */
int net_if_poll(struct net_if *ni, int budget);
/* Frames taken from the devices, counted under the core lock (stats line). */
extern unsigned long net_rx_frames;
/* net/tcptw.c: keep lwIP's TIME_WAIT list bounded; `frames` were received
 * since the last call. With the core lock held. */
void net_tcp_tw_bound(unsigned frames);
/* A SYN src:sport -> dst:dport (network-order addresses) with sequence
 * number seq: ends a TIME_WAIT of that address pair that it may reopen. */
void net_tcp_tw_syn(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, uint32_t seq);

/* Is pcb the connection a segment src:sport -> dst:dport belongs to
 * (network-order addresses, host-order ports)? */
static inline bool net_tcp_pcb_is(const struct tcp_pcb *pcb, uint32_t src, uint16_t sport,
				  uint32_t dst, uint16_t dport)
{
	return pcb->local_port == dport && pcb->remote_port == sport &&
	       ip4_addr_get_u32(ip_2_ip4(&pcb->local_ip)) == dst &&
	       ip4_addr_get_u32(ip_2_ip4(&pcb->remote_ip)) == src;
}

#endif
