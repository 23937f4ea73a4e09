/* SPDX-License-Identifier: MIT */
/*
 * The glue between a netdev (k/netdev.h) and an lwIP netif: frames out as the
 * pbuf chain's segments (the device copies them before netdev_xmit returns),
 * frames in through one receiver thread per device that fills pool pbufs and
 * hands them to the stack under the core lock. Checksum offloads: TCP
 * checksums on send are left to a device with NETDEV_F_CSUM_TX (we store the
 * pseudo-header sum and ask for a partial checksum; UDP and ICMP are summed in
 * software, as a fragmented datagram could not be offloaded), and TCP/UDP
 * checks are skipped for each received frame the device marked as verified.
 */
#include <k/console.h>
#include <k/errno.h>
#include <k/kheap.h>
#include <k/netdev.h>
#include <k/sched.h>
#include <k/string.h>
#include <k/wait.h>

#include "lwip/etharp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/prot/ip.h"
#include "lwip/tcpip.h"
#include "netif/ethernet.h"

#include "netif_impl.h"

#define TX_SEGS 16               /* more pbufs than this: copied into one buffer */
#define RX_BUDGET 32             /* frames per core-lock hold */
#define VLAN_HLEN 4
#define CHECK_L4 (NETIF_CHECKSUM_CHECK_TCP | NETIF_CHECKSUM_CHECK_UDP)

/* ---- sending ---- */

/* Fill the TCP checksum field of an IPv4 frame with the pseudo-header sum and
 * describe the partial checksum the device completes. NULL when the frame is
 * not TCP over IPv4, or is a fragment. */
static const struct netdev_csum *csum_request(struct pbuf *p, struct netdev_csum *cs)
{
	uint8_t h[SIZEOF_ETH_HDR + 20];
	if (pbuf_copy_partial(p, h, sizeof(h), 0) != sizeof(h))
		return NULL;
	const uint8_t *ip = h + SIZEOF_ETH_HDR;
	unsigned ihl = (ip[0] & 15u) * 4, total = (unsigned)ip[2] << 8 | ip[3];
	if (h[12] != 0x08 || h[13] != 0x00 || (ip[0] >> 4) != 4 || ip[9] != IP_PROTO_TCP ||
	    ihl < 20 || total < ihl + 20 || ((ip[6] & 0x3f) | ip[7]) != 0)
		return NULL;
	uint32_t sum = IP_PROTO_TCP + (total - ihl);
	for (int i = 12; i < 20; i += 2)
		sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	uint8_t field[2] = { (uint8_t)(sum >> 8), (uint8_t)sum };
	cs->csum_start = (uint16_t)(SIZEOF_ETH_HDR + ihl);
	cs->csum_offset = 16; /* TCP header: checksum */
	if (pbuf_take_at(p, field, 2, (u16_t)(cs->csum_start + cs->csum_offset)) != ERR_OK)
		return NULL;
	return cs;
}

static err_t xmit_result(struct net_if *ni, int r)
{
	if (r == 0)
		return ERR_OK;
	ni->tx_drops++;
	/* A full queue is like a full Ethernet queue: TCP sends again later. */
	return r == -EAGAIN ? ERR_MEM : ERR_IF;
}

/* Called with the core lock held (all of lwIP runs under it), so the bounce
 * buffer has one user at a time. */
static err_t if_linkoutput(struct netif *nif, struct pbuf *p)
{
	struct net_if *ni = nif->state;
	struct netdev_seg segs[TX_SEGS];
	struct netdev_csum csum;
	const struct netdev_csum *cs = NULL;
	int n = 0;

	if (ni->tx_csum)
		cs = csum_request(p, &csum);
	for (struct pbuf *q = p; q; q = q->next) {
		if (q->len == 0)
			continue;
		if (n == TX_SEGS || p->tot_len > ni->frame_max)
			goto bounce;
		segs[n].data = q->payload;
		segs[n].len = q->len;
		n++;
	}
	return xmit_result(ni, netdev_xmit(ni->nd, segs, n, cs));
bounce:
	if (p->tot_len > ni->frame_max) {
		ni->tx_drops++;
		return ERR_IF;
	}
	segs[0].data = ni->bounce;
	segs[0].len = pbuf_copy_partial(p, ni->bounce, p->tot_len, 0);
	return xmit_result(ni, netdev_xmit(ni->nd, segs, 1, cs));
}

/* ---- receiving ---- */

void net_if_link_check(struct net_if *ni)
{
	bool up = netdev_link_up(ni->nd);
	if (up && !netif_is_link_up(&ni->nif))
		netif_set_link_up(&ni->nif);
	else if (!up && netif_is_link_up(&ni->nif))
		netif_set_link_down(&ni->nif);
}

/* Take one frame off the device into *out (NULL: dropped, or no buffer):
 * 1 taken, 0 none waiting. A frame the device checked carries
 * NET_PBUF_CSUM_OK until net_if_input. */
int net_if_take(struct net_if *ni, struct pbuf **out)
{
	unsigned flags;
	pbuf_type type = ni->frame_max <= PBUF_POOL_BUFSIZE ? PBUF_POOL : PBUF_RAM;
	struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)ni->frame_max, type);
	*out = NULL;
	if (!p) {
		/* Out of buffers: drop the frame, but keep the device's ring
		 * moving (its next interrupt only comes for new frames). */
		int len = netdev_rx(ni->nd, ni->bounce, ni->frame_max, &flags);
		if (len != 0)
			ni->rx_drops++;
		return len != 0;
	}
	int len = netdev_rx(ni->nd, p->payload, ni->frame_max, &flags);
	if (len <= 0) {
		pbuf_free(p);
		if (len < 0)
			ni->rx_drops++;
		return len != 0;
	}
	pbuf_realloc(p, (u16_t)len);
	if (flags & NETDEV_RX_CSUM_OK)
		p->flags |= NET_PBUF_CSUM_OK;
	*out = p;
	return 1;
}

void net_if_input(struct net_if *ni, struct pbuf *p)
{
	/* A frame from the device is checked unless the device says it did;
	 * in between, the flags stay as the stack's own loopback needs them. */
	bool switch_flags = ni->rx_csum || ni->tx_csum;
	if (switch_flags) {
		u16_t f = ni->idle_flags | CHECK_L4;
		if (ni->rx_csum && (p->flags & NET_PBUF_CSUM_OK))
			f &= (u16_t)~CHECK_L4;
		NETIF_SET_CHECKSUM_CTRL(&ni->nif, f);
	}
	p->flags &= (u8_t)~NET_PBUF_CSUM_OK;
	if (ni->nif.input(p, &ni->nif) != ERR_OK) {
		pbuf_free(p);
		ni->rx_drops++;
	}
	if (switch_flags)
		NETIF_SET_CHECKSUM_CTRL(&ni->nif, ni->idle_flags);
}

/* Take one frame off the device and hand it up: 1 taken, 0 none waiting. */
static int rx_one(struct net_if *ni)
{
	struct pbuf *p;
	int r = net_if_take(ni, &p);
	if (p)
		net_if_input(ni, p);
	return r;
}

unsigned long net_rx_frames;

int net_if_poll(struct net_if *ni, int budget)
{
	int n = 0;
	LOCK_TCPIP_CORE();
	net_if_link_check(ni);
	while (n < budget && rx_one(ni))
		n++;
	net_rx_frames += (unsigned)n;
	net_tcp_tw_bound((unsigned)n);
	UNLOCK_TCPIP_CORE();
	return n;
}

/* The receiver: sleeps until the driver signals frames (or a link change),
 * then drains the device. The kernel does not preempt kernel threads, so a
 * long burst gives the core up between batches. */
static void rx_thread(void *arg)
{
	struct net_if *ni = arg;
	for (;;) {
		netdev_rx_wait(ni->nd, 0);
		while (net_steer_poll(ni, RX_BUDGET) == RX_BUDGET)
			schedule();
	}
}

/* ---- set-up ---- */

static err_t if_init(struct netif *nif)
{
	struct net_if *ni = nif->state;
	uint32_t features = netdev_features(ni->nd);
	uint16_t flags = NETIF_CHECKSUM_ENABLE_ALL;

	nif->name[0] = 'e';
	nif->name[1] = 'n';
	nif->output = etharp_output;
	nif->linkoutput = if_linkoutput;
	nif->mtu = (u16_t)ni->mtu;
	nif->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(nif->hwaddr, netdev_mac(ni->nd), ETH_HWADDR_LEN);
	nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	ni->tx_csum = (features & NETDEV_F_CSUM_TX) != 0;
	ni->rx_csum = (features & NETDEV_F_CSUM_RX) != 0;
	/* TCP segments to our own address loop back inside lwIP (they never
	 * reach the device) with the checksum the device would have filled in
	 * still missing: outside rx_one, TCP checks are off too. */
	if (ni->tx_csum)
		flags &= (u16_t)~(NETIF_CHECKSUM_GEN_TCP | NETIF_CHECKSUM_CHECK_TCP);
	ni->idle_flags = flags;
	NETIF_SET_CHECKSUM_CTRL(nif, flags);
	return ERR_OK;
}

int net_if_add(struct net_if *ni, struct netdev *nd, const ip4_addr_t *ip,
	       const ip4_addr_t *mask, const ip4_addr_t *gw)
{
	unsigned mtu = netdev_mtu(nd);
	memset(ni, 0, sizeof(*ni));
	ni->nd = nd;
	/* The MTU lwIP uses for IP; a device that says nothing gets 1500. */
	ni->mtu = mtu >= 576 && mtu <= 9000 ? mtu : 1500;
	ni->frame_max = ni->mtu + SIZEOF_ETH_HDR + VLAN_HLEN;
	ni->bounce = kmalloc(ni->frame_max);
	if (!ni->bounce)
		return -ENOMEM;
	if (!netif_add(&ni->nif, ip, mask, gw, ni, if_init, ethernet_input)) {
		kfree(ni->bounce);
		ni->bounce = NULL;
		return -ENOMEM;
	}
	if (netdev_link_up(nd))
		netif_set_link_up(&ni->nif);
	return 0;
}

int net_if_start(struct net_if *ni, int cpu)
{
	return kthread_create(rx_thread, ni, cpu) ? 0 : -ENOMEM;
}
