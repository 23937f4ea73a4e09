/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for net/netif.c, the glue between a netdev and lwIP, with lwIP
 * itself built for the host and a fake netdev: frames in (ARP, ICMP echo, TCP
 * SYN to a closed port) and the frames lwIP answers with, checksums done in
 * software or left to the device (partial checksum request; verified-on-
 * receive flags), long pbuf chains, device errors, link changes, the receive
 * budget, TCP to our own address (lwIP's loopback) with and without checksum
 * offload, and that lwIP always runs under the core lock. lwIP's tcpip thread
 * runs (a host thread), as in the kernel.
 */
#include "netif_impl.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <k/errno.h>
#include <k/netdev.h>

#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/inet_chksum.h"

/* net/sockio.c's copy of TCP data into lwIP's segments (lwipopts.h): here
 * every source is the test's own memory. */
unsigned short net_chksum_copy(void *dst, const void *src, unsigned short len)
{
	memcpy(dst, src, len);
	return (unsigned short)~inet_chksum(dst, len);
}

/* ---- the fake device ---- */

#define MAXQ 64
#define FRAME_MAX 1600

struct frame {
	uint8_t data[FRAME_MAX];
	int len;
	unsigned flags;
	int nseg;
	bool has_csum;
	struct netdev_csum csum;
};

struct netdev {
	uint8_t mac[6];
	unsigned mtu;
	uint32_t features;
	bool link;
	struct frame rx[MAXQ];
	int rx_head, rx_count;
	int rx_error;            /* next netdev_rx returns this once */
	struct frame tx[MAXQ];
	int ntx;
	int xmit_error;          /* netdev_xmit returns this */
};

static struct netdev dev;

const char *netdev_name(const struct netdev *nd) { return "eth0"; }
const uint8_t *netdev_mac(const struct netdev *nd) { return nd->mac; }
unsigned netdev_mtu(const struct netdev *nd) { return nd->mtu; }
uint32_t netdev_features(const struct netdev *nd) { return nd->features; }
bool netdev_link_up(const struct netdev *nd) { return nd->link; }
int netdev_cpu(const struct netdev *nd) { return 0; }
void netdev_rx_wait(struct netdev *nd, uint64_t until) {}

int netdev_xmit(struct netdev *nd, const struct netdev_seg *segs, int nseg,
		const struct netdev_csum *csum)
{
	if (nd->xmit_error)
		return nd->xmit_error;
	assert_true(nd->ntx < MAXQ);
	struct frame *f = &nd->tx[nd->ntx++];
	f->len = 0;
	f->nseg = nseg;
	for (int i = 0; i < nseg; i++) {
		assert_true(f->len + segs[i].len <= FRAME_MAX);
		memcpy(f->data + f->len, segs[i].data, segs[i].len);
		f->len += (int)segs[i].len;
	}
	f->has_csum = csum != NULL;
	if (csum)
		f->csum = *csum;
	return 0;
}

int netdev_rx(struct netdev *nd, void *buf, size_t cap, unsigned *flags)
{
	*flags = 0;
	if (nd->rx_error) {
		int r = nd->rx_error;
		nd->rx_error = 0;
		return r;
	}
	if (nd->rx_count == 0)
		return 0;
	struct frame *f = &nd->rx[nd->rx_head];
	nd->rx_head = (nd->rx_head + 1) % MAXQ;
	nd->rx_count--;
	if ((size_t)f->len > cap)
		return -EMSGSIZE;
	memcpy(buf, f->data, (size_t)f->len);
	*flags = f->flags;
	return f->len;
}

static void queue_rx(const uint8_t *data, int len, unsigned flags)
{
	assert_true(dev.rx_count < MAXQ);
	struct frame *f = &dev.rx[(dev.rx_head + dev.rx_count) % MAXQ];
	memcpy(f->data, data, (size_t)len);
	f->len = len;
	f->flags = flags;
	dev.rx_count++;
}

/* ---- lwIP must run under the core lock ---- */

static bool checking;
static int unlocked_calls;

void net_assert_core_locked(void)
{
	if (checking && !net_mutex_held(&lock_tcpip_core))
		unlocked_calls++;
}

/* ---- frames ---- */

static const uint8_t our_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t peer_mac[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };
static const uint8_t our_ip[4] = { 10, 0, 2, 15 }, peer_ip[4] = { 10, 0, 2, 2 };

static uint32_t sum16(const uint8_t *p, int len, uint32_t sum)
{
	for (int i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static int eth(uint8_t *f, const uint8_t *dst, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, peer_mac, 6);
	put16(f + 12, type);
	return 14;
}

static int ipv4(uint8_t *p, uint8_t proto, int payload)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)(20 + payload));
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, peer_ip, 4);
	memcpy(p + 16, our_ip, 4);
	put16(p + 10, (uint16_t)~fold(sum16(p, 20, 0)));
	return 20;
}

/* TCP checksum over the pseudo header and the segment at ip. */
static uint16_t tcp_sum(const uint8_t *ip)
{
	int ihl = (ip[0] & 15) * 4, len = get16(ip + 2) - ihl;
	uint32_t s = sum16(ip + 12, 8, 0) + 6 + (uint32_t)len;
	return fold(sum16(ip + ihl, len, s));
}

static int arp_request(uint8_t *f)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	int n = eth(f, bcast, 0x0806);
	uint8_t *a = f + n;
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1);
	memcpy(a + 8, peer_mac, 6);
	memcpy(a + 14, peer_ip, 4);
	memset(a + 18, 0, 6);
	memcpy(a + 24, our_ip, 4);
	return n + 28 + 18; /* padded to 60 bytes as on the wire */
}

static int ping(uint8_t *f, uint16_t seq)
{
	int n = eth(f, our_mac, 0x0800);
	uint8_t *ip = f + n, *icmp = ip + 20;
	ipv4(ip, 1, 8 + 32);
	icmp[0] = 8;
	icmp[1] = 0;
	put16(icmp + 2, 0);
	put16(icmp + 4, 0x1234);
	put16(icmp + 6, seq);
	for (int i = 0; i < 32; i++)
		icmp[8 + i] = (uint8_t)(i * 7);
	put16(icmp + 2, (uint16_t)~fold(sum16(icmp, 40, 0)));
	return n + 20 + 40;
}

/* A SYN from 10.0.2.2:40000 to our closed port 80; bad_csum spoils its checksum. */
static int syn(uint8_t *f, bool bad_csum)
{
	int n = eth(f, our_mac, 0x0800);
	uint8_t *ip = f + n, *t = ip + 20;
	ipv4(ip, 6, 20);
	memset(t, 0, 20);
	put16(t, 40000);
	put16(t + 2, 80);
	t[4] = 0x11; /* seq */
	t[12] = 5 << 4;
	t[13] = 0x02; /* SYN */
	put16(t + 14, 8192);
	put16(t + 16, (uint16_t)~tcp_sum(ip));
	if (bad_csum)
		t[16] ^= 0x5a;
	return n + 40;
}

/* ---- fixture ---- */

static struct net_if ni;

static int add_netif(uint32_t features)
{
	ip4_addr_t ip, mask, gw;
	IP4_ADDR(&ip, 10, 0, 2, 15);
	IP4_ADDR(&mask, 255, 255, 255, 0);
	IP4_ADDR(&gw, 10, 0, 2, 2);
	memset(&dev, 0, sizeof(dev));
	memcpy(dev.mac, our_mac, 6);
	dev.mtu = 1500;
	dev.features = features;
	dev.link = true;
	LOCK_TCPIP_CORE();
	int r = net_if_add(&ni, &dev, &ip, &mask, &gw);
	if (r == 0)
		netif_set_up(&ni.nif);
	UNLOCK_TCPIP_CORE();
	/* Coming up with its link up, the interface announced itself. */
	assert_int_equal(dev.ntx, 1);
	assert_int_equal(get16(dev.tx[0].data + 12), 0x0806);
	dev.ntx = 0;
	checking = true;
	unlocked_calls = 0;
	return r;
}

static int setup_plain(void **state) { return add_netif(0); }
static int setup_tx_offload(void **state) { return add_netif(NETDEV_F_CSUM_TX); }
static int setup_rx_offload(void **state) { return add_netif(NETDEV_F_CSUM_RX); }

static int teardown(void **state)
{
	checking = false;
	LOCK_TCPIP_CORE();
	netif_remove(&ni.nif);
	UNLOCK_TCPIP_CORE();
	free(ni.bounce);
	assert_int_equal(unlocked_calls, 0);
	return 0;
}

/* Answer the peer's ARP request so lwIP knows its MAC address. */
static void learn_peer(void)
{
	uint8_t f[FRAME_MAX];
	queue_rx(f, arp_request(f), 0);
	assert_int_equal(net_if_poll(&ni, 32), 1);
	assert_int_equal(dev.ntx, 1);
	dev.ntx = 0;
}

/* ---- tests ---- */

static void test_setup_from_device(void **state)
{
	assert_int_equal(ni.nif.mtu, 1500);
	assert_int_equal(ni.frame_max, 1500 + 14 + 4);
	assert_memory_equal(ni.nif.hwaddr, our_mac, 6);
	assert_int_equal(ni.nif.hwaddr_len, 6);
	assert_true(netif_is_link_up(&ni.nif));
	assert_true(ni.nif.flags & NETIF_FLAG_ETHARP);
	assert_false(ni.tx_csum);
	assert_false(ni.rx_csum);
}

static void test_arp_reply(void **state)
{
	uint8_t f[FRAME_MAX];
	queue_rx(f, arp_request(f), 0);
	assert_int_equal(net_if_poll(&ni, 32), 1);
	assert_int_equal(dev.ntx, 1);
	const uint8_t *r = dev.tx[0].data, *a = r + 14;
	assert_memory_equal(r, peer_mac, 6);
	assert_memory_equal(r + 6, our_mac, 6);
	assert_int_equal(get16(r + 12), 0x0806);
	assert_int_equal(get16(a + 6), 2); /* reply */
	assert_memory_equal(a + 8, our_mac, 6);
	assert_memory_equal(a + 14, our_ip, 4);
	assert_memory_equal(a + 18, peer_mac, 6);
	assert_memory_equal(a + 24, peer_ip, 4);
	assert_false(dev.tx[0].has_csum);
}

static void test_ping_reply(void **state)
{
	uint8_t f[FRAME_MAX];
	learn_peer();
	int n = ping(f, 7);
	queue_rx(f, n, 0);
	assert_int_equal(net_if_poll(&ni, 32), 1);
	assert_int_equal(dev.ntx, 1);
	const uint8_t *r = dev.tx[0].data, *ip = r + 14, *icmp = ip + 20;
	assert_int_equal(dev.tx[0].len, n);
	assert_memory_equal(r, peer_mac, 6);
	assert_int_equal(fold(sum16(ip, 20, 0)), 0xffff); /* IP header checksum valid */
	assert_memory_equal(ip + 12, our_ip, 4);
	assert_memory_equal(ip + 16, peer_ip, 4);
	assert_int_equal(icmp[0], 0); /* echo reply */
	assert_int_equal(get16(icmp + 6), 7);
	assert_memory_equal(icmp + 8, f + 14 + 20 + 8, 32);
	assert_int_equal(fold(sum16(icmp, 40, 0)), 0xffff);
}

static void test_rst_with_software_checksum(void **state)
{
	uint8_t f[FRAME_MAX];
	learn_peer();
	queue_rx(f, syn(f, false), 0);
	assert_int_equal(net_if_poll(&ni, 32), 1);
	assert_int_equal(dev.ntx, 1);
	const uint8_t *ip = dev.tx[0].data + 14, *t = ip + 20;
	assert_int_equal(ip[9], 6);
	assert_true(t[13] & 0x04); /* RST */
	assert_int_equal(get16(t + 2), 40000);
	assert_false(dev.tx[0].has_csum);
	assert_int_equal(tcp_sum(ip), 0xffff);
}

static void test_rst_with_checksum_offload(void **state)
{
	uint8_t f[FRAME_MAX];
	assert_true(ni.tx_csum);
	learn_peer();
	queue_rx(f, syn(f, false), 0);
	assert_int_equal(net_if_poll(&ni, 32), 1);
	assert_int_equal(dev.ntx, 1);
	struct frame *out = &dev.tx[0];
	uint8_t *ip = out->data + 14, *t = ip + 20;
	assert_true(t[13] & 0x04);
	assert_true(out->has_csum);
	assert_int_equal(out->csum.csum_start, 34);
	assert_int_equal(out->csum.csum_offset, 16);
	/* The field holds the pseudo-header sum... */
	uint32_t pseudo = sum16(ip + 12, 8, 0) + 6 + (uint32_t)(get16(ip + 2) - 20);
	assert_int_equal(get16(t + 16), fold(pseudo));
	/* ...so the device's sum from csum_start, complemented, is the checksum. */
	uint16_t dev_sum = (uint16_t)~fold(sum16(out->data + 34, out->len - 34, 0));
	put16(out->data + 34 + 16, dev_sum);
	assert_int_equal(tcp_sum(ip), 0xffff);
	/* Other frames (ICMP) are summed in software as before. */
	dev.ntx = 0;
	queue_rx(f, ping(f, 1), 0);
	assert_int_equal(net_if_poll(&ni, 32), 1);
	assert_false(dev.tx[0].has_csum);
	assert_int_equal(fold(sum16(dev.tx[0].data + 34, 40, 0)), 0xffff);
}

static void test_rx_verified_flag(void **state)
{
	uint8_t f[FRAME_MAX];
	assert_true(ni.rx_csum);
	learn_peer();
	/* A bad checksum with no verdict from the device: lwIP drops it. */
	queue_rx(f, syn(f, true), 0);
	assert_int_equal(net_if_poll(&ni, 32), 1);
	assert_int_equal(dev.ntx, 0);
	/* The device says it checked the checksum: lwIP does not check again. */
	queue_rx(f, syn(f, true), NETDEV_RX_CSUM_OK);
	assert_int_equal(net_if_poll(&ni, 32), 1);
	assert_int_equal(dev.ntx, 1);
	/* And the next unverified frame is checked again. */
	dev.ntx = 0;
	queue_rx(f, syn(f, true), 0);
	assert_int_equal(net_if_poll(&ni, 32), 1);
	assert_int_equal(dev.ntx, 0);
}

static void test_rx_flag_ignored_without_offload(void **state)
{
	uint8_t f[FRAME_MAX];
	learn_peer();
	queue_rx(f, syn(f, true), NETDEV_RX_CSUM_OK);
	assert_int_equal(net_if_poll(&ni, 32), 1);
	assert_int_equal(dev.ntx, 0);
}

static struct pbuf *chain(int parts, int part_len)
{
	struct pbuf *head = NULL;
	for (int i = 0; i < parts; i++) {
		struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)part_len, PBUF_RAM);
		assert_non_null(p);
		for (int j = 0; j < part_len; j++)
			((uint8_t *)p->payload)[j] = (uint8_t)(i * part_len + j);
		if (head)
			pbuf_cat(head, p);
		else
			head = p;
	}
	return head;
}

static void test_chains_short_and_long(void **state)
{
	LOCK_TCPIP_CORE();
	struct pbuf *p = chain(3, 40);
	assert_int_equal(ni.nif.linkoutput(&ni.nif, p), ERR_OK);
	pbuf_free(p);
	p = chain(20, 50); /* more pieces than segments: one copied frame */
	assert_int_equal(ni.nif.linkoutput(&ni.nif, p), ERR_OK);
	pbuf_free(p);
	p = chain(2, 1000); /* longer than any frame: dropped */
	assert_int_equal(ni.nif.linkoutput(&ni.nif, p), ERR_IF);
	pbuf_free(p);
	UNLOCK_TCPIP_CORE();
	assert_int_equal(dev.ntx, 2);
	assert_int_equal(dev.tx[0].nseg, 3);
	assert_int_equal(dev.tx[0].len, 120);
	assert_int_equal(dev.tx[1].nseg, 1);
	assert_int_equal(dev.tx[1].len, 1000);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(dev.tx[1].data[i], (uint8_t)i);
	assert_int_equal(ni.tx_drops, 1);
}

static void test_xmit_errors(void **state)
{
	LOCK_TCPIP_CORE();
	struct pbuf *p = chain(1, 60);
	dev.xmit_error = -EAGAIN;
	assert_int_equal(ni.nif.linkoutput(&ni.nif, p), ERR_MEM); /* TCP sends again */
	dev.xmit_error = -EIO;
	assert_int_equal(ni.nif.linkoutput(&ni.nif, p), ERR_IF);
	dev.xmit_error = 0;
	assert_int_equal(ni.nif.linkoutput(&ni.nif, p), ERR_OK);
	pbuf_free(p);
	UNLOCK_TCPIP_CORE();
	assert_int_equal(ni.tx_drops, 2);
	assert_int_equal(dev.ntx, 1);
}

static void test_rx_errors_link_and_budget(void **state)
{
	uint8_t f[FRAME_MAX];
	learn_peer();
	/* A frame too big for the buffer is dropped; the rest still come in. */
	dev.rx_error = -EMSGSIZE;
	queue_rx(f, ping(f, 1), 0);
	assert_int_equal(net_if_poll(&ni, 32), 2);
	assert_int_equal(ni.rx_drops, 1);
	assert_int_equal(dev.ntx, 1);
	dev.ntx = 0;
	/* Link changes are picked up on the next poll. */
	dev.link = false;
	assert_int_equal(net_if_poll(&ni, 32), 0);
	assert_false(netif_is_link_up(&ni.nif));
	dev.link = true;
	assert_int_equal(net_if_poll(&ni, 32), 0);
	assert_true(netif_is_link_up(&ni.nif));
	dev.ntx = 0; /* gratuitous ARP on link up */
	/* At most `budget` frames per call. */
	for (int i = 0; i < 40; i++)
		queue_rx(f, ping(f, (uint16_t)i), 0);
	assert_int_equal(net_if_poll(&ni, 32), 32);
	assert_int_equal(net_if_poll(&ni, 32), 8);
	assert_int_equal(net_if_poll(&ni, 32), 0);
	assert_int_equal(dev.ntx, 40);
	assert_int_equal(get16(dev.tx[39].data + 34 + 6), 39);
}

/* ---- TCP to our own address: lwIP loops it back without the device ---- */

static struct tcp_pcb *accepted_pcb;
static int connected, accepted;

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	accepted_pcb = pcb;
	__atomic_store_n(&accepted, 1, __ATOMIC_RELEASE);
	return ERR_OK;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	__atomic_store_n(&connected, 1, __ATOMIC_RELEASE);
	return ERR_OK;
}

static bool loop_queue_empty(void)
{
	LOCK_TCPIP_CORE();
	bool empty = ni.nif.loop_first == NULL;
	UNLOCK_TCPIP_CORE();
	return empty;
}

static void connect_to_self(void)
{
	ip_addr_t self;
	IP_ADDR4(&self, 10, 0, 2, 15);
	connected = accepted = 0;
	LOCK_TCPIP_CORE();
	struct tcp_pcb *l = tcp_new(), *c = tcp_new();
	assert_non_null(l);
	assert_non_null(c);
	assert_int_equal(tcp_bind(l, &self, 7), ERR_OK);
	l = tcp_listen(l);
	assert_non_null(l);
	tcp_accept(l, on_accept);
	assert_int_equal(tcp_connect(c, &self, 7, on_connected), ERR_OK);
	UNLOCK_TCPIP_CORE();
	/* The handshake runs in the tcpip thread (loopback deliveries). */
	for (int i = 0; i < 2000 && !(__atomic_load_n(&connected, __ATOMIC_ACQUIRE) &&
				       __atomic_load_n(&accepted, __ATOMIC_ACQUIRE)); i++)
		usleep(1000);
	LOCK_TCPIP_CORE();
	bool ok = connected && accepted;
	tcp_abort(c);
	if (accepted_pcb)
		tcp_abort(accepted_pcb);
	accepted_pcb = NULL;
	tcp_close(l);
	UNLOCK_TCPIP_CORE();
	for (int i = 0; i < 2000 && !loop_queue_empty(); i++)
		usleep(1000);
	assert_true(ok);
	assert_int_equal(dev.ntx, 0); /* nothing went to the device */
}

static void test_tcp_to_self(void **state)
{
	connect_to_self();
}

static void test_tcp_to_self_with_checksum_offload(void **state)
{
	assert_true(ni.tx_csum);
	connect_to_self();
	/* Between frames from the device, TCP checks stay off for the
	 * loopback's unsummed segments... */
	assert_false(ni.nif.chksum_flags & NETIF_CHECKSUM_CHECK_TCP);
	/* ...but a device frame is still checked (no verdict from it). */
	uint8_t f[FRAME_MAX];
	learn_peer();
	queue_rx(f, syn(f, true), 0);
	assert_int_equal(net_if_poll(&ni, 32), 1);
	assert_int_equal(dev.ntx, 0);
	assert_false(ni.nif.chksum_flags & NETIF_CHECKSUM_CHECK_TCP);
}

/* ---- a pcb in TIME_WAIT that its owner still holds ----
 * A program that shut down only its sending side keeps the pcb through
 * TIME_WAIT; when lwIP drops it there (a recycled TIME_WAIT entry, or 2 MSL
 * over) the owner must be told (tools/lwip-patches), or it would later close
 * freed memory. */

static int tw_errs;
static err_t tw_err_seen;

static void on_tw_err(void *arg, err_t err)
{
	tw_err_seen = err;
	__atomic_add_fetch(&tw_errs, 1, __ATOMIC_RELEASE);
}

static err_t on_tw_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	if (p) {
		tcp_recved(pcb, p->tot_len);
		pbuf_free(p);
	}
	return ERR_OK; /* the FIN: the owner keeps the pcb, as a socket does */
}

static bool state_is(struct tcp_pcb **pp, enum tcp_state st)
{
	for (int i = 0; i < 2000; i++) {
		LOCK_TCPIP_CORE();
		bool ok = *pp && (*pp)->state == st;
		UNLOCK_TCPIP_CORE();
		if (ok)
			return true;
		usleep(1000);
	}
	return false;
}

/* Connect to ourselves on `port`; the accepted pcb gets an owner (tw_errs
 * counts its error callbacks, tw_err_seen keeps the last error). The
 * client's pcb in *client. Returns with the core lock released. */
static struct tcp_pcb *owned_connection(uint16_t port, struct tcp_pcb **client)
{
	ip_addr_t self;
	IP_ADDR4(&self, 10, 0, 2, 15);
	connected = accepted = 0;
	accepted_pcb = NULL;
	tw_errs = 0;
	tw_err_seen = ERR_OK;
	LOCK_TCPIP_CORE();
	struct tcp_pcb *l = tcp_new(), *c = tcp_new();
	assert_int_equal(tcp_bind(l, &self, port), ERR_OK);
	l = tcp_listen(l);
	tcp_accept(l, on_accept);
	tcp_recv(c, on_tw_recv);
	assert_int_equal(tcp_connect(c, &self, port, on_connected), ERR_OK);
	UNLOCK_TCPIP_CORE();
	for (int i = 0; i < 2000 && !(__atomic_load_n(&connected, __ATOMIC_ACQUIRE) &&
				       __atomic_load_n(&accepted, __ATOMIC_ACQUIRE)); i++)
		usleep(1000);
	LOCK_TCPIP_CORE();
	struct tcp_pcb *s = accepted_pcb;
	assert_non_null(s);
	tcp_close(l);
	tcp_arg(s, &tw_errs);
	tcp_err(s, on_tw_err);
	tcp_recv(s, on_tw_recv);
	UNLOCK_TCPIP_CORE();
	*client = c;
	return s;
}

/* Shut the accepted side's sending half, close the client: the accepted pcb
 * ends in TIME_WAIT with its owner attached. */
static struct tcp_pcb *time_wait_pcb(uint16_t port)
{
	struct tcp_pcb *c, *s = owned_connection(port, &c);
	LOCK_TCPIP_CORE();
	assert_int_equal(tcp_shutdown(s, 0, 1), ERR_OK); /* shutdown(SHUT_WR) */
	UNLOCK_TCPIP_CORE();
	assert_true(state_is(&s, FIN_WAIT_2));
	LOCK_TCPIP_CORE();
	assert_int_equal(tcp_close(c), ERR_OK);
	UNLOCK_TCPIP_CORE();
	assert_true(state_is(&s, TIME_WAIT));
	for (int i = 0; i < 2000 && !loop_queue_empty(); i++)
		usleep(1000);
	assert_int_equal(tw_errs, 0);
	return s;
}

static void test_time_wait_recycled_tells_owner(void **state)
{
	struct tcp_pcb *s = time_wait_pcb(8);
	LOCK_TCPIP_CORE();
	tcp_abort(s); /* what tcp_alloc does to the oldest TIME_WAIT pcb */
	UNLOCK_TCPIP_CORE();
	assert_int_equal(tw_errs, 1);
	assert_int_equal(tw_err_seen, ERR_CLSD);
}

static void test_time_wait_expiry_tells_owner(void **state)
{
	time_wait_pcb(9);
	LOCK_TCPIP_CORE();
	tcp_ticks += 2 * TCP_MSL / TCP_SLOW_INTERVAL + 1;
	tcp_slowtmr();
	UNLOCK_TCPIP_CORE();
	assert_int_equal(tw_errs, 1);
	assert_int_equal(tw_err_seen, ERR_CLSD);
}

/* The same for a pcb leaving LAST_ACK whose owner shut down its receiving
 * side (netconn does at the end of the stream) and then its sending side:
 * lwIP took the receive shutdown for a close and freed the pcb silently. */
static void test_last_ack_after_read_shutdown_tells_owner(void **state)
{
	struct tcp_pcb *c, *s = owned_connection(10, &c);
	LOCK_TCPIP_CORE();
	assert_int_equal(tcp_close(c), ERR_OK); /* the peer's FIN first */
	UNLOCK_TCPIP_CORE();
	assert_true(state_is(&s, CLOSE_WAIT));
	LOCK_TCPIP_CORE();
	assert_int_equal(tcp_shutdown(s, 1, 0), ERR_OK); /* end of stream seen */
	assert_int_equal(tcp_shutdown(s, 0, 1), ERR_OK); /* shutdown(SHUT_WR) */
	UNLOCK_TCPIP_CORE();
	for (int i = 0; i < 2000 && !__atomic_load_n(&tw_errs, __ATOMIC_ACQUIRE); i++)
		usleep(1000);
	assert_int_equal(tw_errs, 1);
	assert_int_equal(tw_err_seen, ERR_CLSD);
}

/* A SYN for a TIME_WAIT address pair ends the TIME_WAIT when its sequence
 * number is past the old connection's (a client reusing its port). */
static void test_syn_reopens_time_wait(void **state)
{
	struct tcp_pcb *s = time_wait_pcb(11);
	LOCK_TCPIP_CORE();
	uint32_t src = ip4_addr_get_u32(ip_2_ip4(&s->remote_ip));
	uint32_t dst = ip4_addr_get_u32(ip_2_ip4(&s->local_ip));
	uint16_t sport = s->remote_port, dport = s->local_port;
	uint32_t next = s->rcv_nxt;
	net_tcp_tw_syn(src, sport, dst, dport, next - 1); /* an old duplicate */
	assert_int_equal(tw_errs, 0);
	assert_ptr_equal(tcp_tw_pcbs, s);
	net_tcp_tw_syn(src, (uint16_t)(sport + 1), dst, dport, next + 1000); /* another pair */
	assert_int_equal(tw_errs, 0);
	net_tcp_tw_syn(src, sport, dst, dport, next + 1000);
	UNLOCK_TCPIP_CORE();
	assert_int_equal(tw_errs, 1);
	assert_int_equal(tw_err_seen, ERR_CLSD);
	LOCK_TCPIP_CORE();
	for (struct tcp_pcb *p = tcp_tw_pcbs; p; p = p->next)
		assert_ptr_not_equal(p, s);
	UNLOCK_TCPIP_CORE();
}

/* net/tcptw.c's bound: main() gives the guest 1 MiB, so at most 64 TIME_WAIT
 * entries; past that the oldest go (down to 48) and their owners are told. */
static int tw_count(void)
{
	int n = 0;
	for (struct tcp_pcb *p = tcp_tw_pcbs; p; p = p->next)
		n++;
	return n;
}

static void test_time_wait_bounded(void **state)
{
	struct tcp_pcb *newest = NULL;
	for (int i = 0; i < 70; i++)
		newest = time_wait_pcb((uint16_t)(100 + i));
	LOCK_TCPIP_CORE();
	int before = tw_count();
	tw_errs = 0;
	net_tcp_tw_bound(1000000); /* as many frames as could fill it */
	int after = tw_count();
	bool newest_kept = false;
	for (struct tcp_pcb *p = tcp_tw_pcbs; p; p = p->next)
		newest_kept |= p == newest;
	net_tcp_tw_bound(1); /* within the room left: nothing to count */
	int again = tw_count();
	UNLOCK_TCPIP_CORE();
	assert_true(before >= 70);
	assert_int_equal(after, 48);
	assert_int_equal(again, 48);
	assert_true(newest_kept);
	assert_int_equal(tw_errs, 70 - 48); /* the oldest of ours, each told once */
}

static sys_sem_t tcpip_up;

static void tcpip_ready(void *arg)
{
	sys_sem_signal(&tcpip_up);
}

static int group_setup(void **state)
{
	sys_sem_new(&tcpip_up, 0);
	tcpip_init(tcpip_ready, NULL);
	return sys_arch_sem_wait(&tcpip_up, 5000) == SYS_ARCH_TIMEOUT ? -1 : 0;
}

extern size_t net_host_total_pages;

int main(void)
{
	net_host_total_pages = 256; /* 1 MiB: TIME_WAIT bound 64, stack memory 512 KiB */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_setup_from_device, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_arp_reply, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_ping_reply, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_rst_with_software_checksum, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_rst_with_checksum_offload, setup_tx_offload, teardown),
		cmocka_unit_test_setup_teardown(test_rx_verified_flag, setup_rx_offload, teardown),
		cmocka_unit_test_setup_teardown(test_rx_flag_ignored_without_offload, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_chains_short_and_long, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_xmit_errors, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_rx_errors_link_and_budget, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_to_self, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_to_self_with_checksum_offload,
						setup_tx_offload, teardown),
		cmocka_unit_test_setup_teardown(test_time_wait_recycled_tells_owner, setup_plain,
						teardown),
		cmocka_unit_test_setup_teardown(test_time_wait_expiry_tells_owner, setup_plain,
						teardown),
		cmocka_unit_test_setup_teardown(test_last_ack_after_read_shutdown_tells_owner,
						setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_syn_reopens_time_wait, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_time_wait_bounded, setup_plain, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
