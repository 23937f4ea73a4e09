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
struct steer_q;

#define NET_STEER_MAX 64         /* cores frames are steered to */
/* A pbuf flag lwIP leaves free: the device verified the frame's checksums. */
#define NET_PBUF_CSUM_OK 0x80u

struct net_if {
	struct netif nif;        /* lwIP's; nif.state points back here */
	struct netdev *nd;
	unsigned mtu;            /* IP MTU */
	unsigned frame_max;      /* largest frame: MTU + Ethernet header + VLAN tag */
	bool tx_csum, rx_csum;   /* the device's checksum offloads in use */
	uint16_t idle_flags;     /* lwIP checksum flags between received frames */
	void *bounce;            /* frame_max bytes: long chains, dropped frames */
	uint64_t tx_drops, rx_drops;
	struct steer_q *steer[NET_STEER_MAX]; /* net/steer.c, made on first use */
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
/* Taking a frame in, with the core lock held: net_if_link_check follows the
 * device's link state, net_if_take reads one frame from the device (1 taken,
 * *out NULL if it was dropped; 0 none waiting), net_if_input hands it to lwIP. */
void net_if_link_check(struct net_if *ni);
int net_if_take(struct net_if *ni, struct pbuf **out);
void net_if_input(struct net_if *ni, struct pbuf *p);

/* net/steer.c: receive steering. net_steer_poll takes up to `budget` frames
 * like net_if_poll, handing each TCP or UDP frame whose flow belongs to
 * another core (net_flow_cpu) to that core's receiver. The number taken. */
int net_steer_poll(struct net_if *ni, int budget);
/* The core a flow's received frames are processed on: the same for every
 * frame of the flow, spread over the cores online. Addresses in network
 * order, ports in host order. */
int net_flow_cpu(uint32_t remote, uint16_t rport, uint32_t local, uint16_t lport);
/* Steering on (more than one core, not toro.net.steer=0): set by net_init. */
extern bool net_steer_on;

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
