/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for drivers/virtio/net.c against the simulated device of
 * tests/unit/vnet_sim.c, under the real virtio core and virtq: feature
 * negotiation and both header sizes (12 bytes; 10 for legacy without
 * MRG_RXBUF; the legacy header in its own descriptor without ANY_LAYOUT,
 * one ring entry per buffer with indirect descriptors),
 * receive (one buffer, mergeable buffers, checksum flags, partial checksums,
 * every kind of bad length or header, buffers always posted again, the
 * interrupt off while the receiver drains), send (segments copied, partial
 * checksum in the header or completed in software, a full queue, reclaim from
 * the next send and from the interrupt), link changes, the MAC, failures.
 */
#include "vnet_sim.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <k/errno.h>

#include <cmocka.h>

#define RXQ VIRTIO_NET_RXQ
#define TXQ VIRTIO_NET_TXQ

static int setup(void **state)
{
	vsim_reset();
	return 0;
}

static int teardown(void **state)
{
	vsim_detach();
	assert_int_equal(vsim.pages_out, 0);
	return 0;
}

/* Start again with a fresh device (in a test that tries several). */
static void again(void)
{
	vsim_detach();
	assert_int_equal(vsim.pages_out, 0);
	vsim_reset();
}

static struct vnet *attach_ok(void)
{
	assert_int_equal(vsim_attach(), 0);
	assert_non_null(vsim.nd);
	return vsim_softc();
}

/* ---- the device's side of a received frame ---- */

static unsigned hdr_len(void) { return vsim_softc()->sc_hdr_len; }

static void make_hdr(uint8_t *h, uint8_t flags, uint16_t cstart, uint16_t coff, uint16_t nbuf)
{
	memset(h, 0, VIRTIO_NET_HDR_LEN);
	h[0] = flags;
	h[6] = (uint8_t)cstart;
	h[7] = (uint8_t)(cstart >> 8);
	h[8] = (uint8_t)coff;
	h[9] = (uint8_t)(coff >> 8);
	h[10] = (uint8_t)nbuf;
	h[11] = (uint8_t)(nbuf >> 8);
}

static void make_frame(uint8_t *f, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		f[i] = (uint8_t)(seed + i * 7);
}

/* One frame in one buffer with the header given: the used length is
 * hdr_len + n unless `len` is not -1. */
static void dev_rx(const uint8_t *hdr, const uint8_t *frame, size_t n, long len)
{
	struct vsim_chain c;
	uint8_t buf[4096];
	unsigned hl = hdr_len();

	assert_true(vsim_take(RXQ, &c));
	memcpy(buf, hdr, hl);
	memcpy(buf + hl, frame, n);
	vsim_write(&c, buf, hl + n < c.wlen ? hl + n : c.wlen);
	vsim_put(RXQ, c.head, len < 0 ? (uint32_t)(hl + n) : (uint32_t)len);
}

static void dev_rx_plain(const uint8_t *frame, size_t n)
{
	uint8_t h[VIRTIO_NET_HDR_LEN];
	make_hdr(h, 0, 0, 0, 1);
	dev_rx(h, frame, n, -1);
}

static int drv_rx(void *buf, size_t cap, unsigned *flags)
{
	*flags = 0;
	return vsim.nd->ops->rx(vsim.nd, buf, cap, flags);
}

/* Every receive buffer is with the device (posted and published). */
static void assert_rx_full(void)
{
	struct vnet *sc = vsim_softc();
	struct virtq *vq = vsim_vq(RXQ);
	assert_int_equal(virtq_in_flight(vq), sc->sc_nrx);
	assert_int_equal(vq->vq_kicked_idx, vq->vq_avail_idx);
}

/* ---- attach ---- */

static void test_attach_modern(void **state)
{
	struct vnet *sc = attach_ok();
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

	assert_int_equal(vsim.driver_features,
			 VIRTIO_F_VERSION_1 | VIRTIO_F_EVENT_IDX | VIRTIO_NET_F_CSUM |
			 VIRTIO_NET_F_GUEST_CSUM | VIRTIO_NET_F_MAC | VIRTIO_NET_F_MRG_RXBUF |
			 VIRTIO_NET_F_STATUS);
	assert_true(vsim.status & VIRTIO_STATUS_DRIVER_OK);
	assert_string_equal(vsim.nd->name, "eth0");
	assert_memory_equal(vsim.nd->mac, mac, 6);
	assert_int_equal(vsim.nd->mtu, 1500);
	assert_int_equal(vsim.nd->features, NETDEV_F_CSUM_TX | NETDEV_F_CSUM_RX);
	assert_true(vsim.nd->link_up);
	assert_int_equal(sc->sc_hdr_len, 12);
	assert_false(sc->sc_split);
	assert_int_equal(sc->sc_nrx, VNET_RX_BUFS);
	assert_int_equal(sc->sc_ntx, VNET_TX_BUFS);
	assert_rx_full();
	assert_int_equal(vsim.notified[RXQ], 1); /* published after DRIVER_OK */
	/* Each receive buffer: one descriptor of the whole buffer. */
	struct vsim_chain c;
	assert_true(vsim_take(RXQ, &c));
	assert_int_equal(c.ndesc, 1);
	assert_int_equal(c.wlen, VNET_BUF_SIZE);
}

static void test_attach_legacy_sizes(void **state)
{
	/* Legacy without MRG_RXBUF: the 10-byte header; ANY_LAYOUT offered
	 * (as QEMU does): one descriptor per buffer. */
	vsim.modern = false;
	vsim.offered = VIRTIO_F_EVENT_IDX | VIRTIO_NET_F_MAC | VIRTIO_F_ANY_LAYOUT;
	struct vnet *sc = attach_ok();
	assert_int_equal(sc->sc_hdr_len, 10);
	assert_false(sc->sc_split);
	assert_int_equal(vsim.nd->features, 0);
	again();

	/* Legacy with MRG_RXBUF: 12 bytes. */
	vsim.modern = false;
	vsim.offered = VIRTIO_NET_F_MRG_RXBUF | VIRTIO_F_ANY_LAYOUT;
	sc = attach_ok();
	assert_int_equal(sc->sc_hdr_len, 12);
	assert_true(sc->sc_mrg);
}

static void test_attach_legacy_split(void **state)
{
	/* Legacy without ANY_LAYOUT: the header in a descriptor of its own,
	 * two per buffer, so a queue of 64 holds 32 buffers. */
	vsim.modern = false;
	vsim.offered = 0;
	vsim.qmax[0] = vsim.qmax[1] = 64;
	struct vnet *sc = attach_ok();
	assert_true(sc->sc_split);
	assert_int_equal(sc->sc_hdr_len, 10);
	assert_int_equal(sc->sc_nrx, 32);
	assert_int_equal(sc->sc_ntx, 32);
	assert_true(vsim.nd->link_up); /* no STATUS: always up */
	struct vsim_chain c;
	assert_true(vsim_take(RXQ, &c));
	assert_int_equal(c.ndesc, 2);
	assert_int_equal(c.d[0].len, 10);
	assert_int_equal(c.d[1].len, VNET_BUF_SIZE - 10);
	assert_ptr_equal(c.d[1].addr, c.d[0].addr + 10);
}

static void test_attach_failures(void **state)
{
	vsim.qmax[TXQ] = 0; /* no transmit queue */
	assert_int_equal(vsim_attach(), -ENODEV);
	assert_true(vsim.status & VIRTIO_STATUS_FAILED);
	assert_null(vsim.nd);
	again();
	vsim.register_fails = true;
	assert_int_equal(vsim_attach(), -ENOSPC);
	assert_true(vsim.status & VIRTIO_STATUS_FAILED);
	assert_int_equal(vsim.pages_out, 0);
	assert_null(vsim_softc());
}

static void test_mac(void **state)
{
	/* No MAC feature: a random, locally administered, unicast address. */
	vsim.offered &= ~VIRTIO_NET_F_MAC;
	attach_ok();
	assert_int_equal(vsim.nd->mac[0] & 3, 2);
	again();

	/* A multicast address in the configuration is not taken. */
	vsim.cfg[0] = 0x01;
	attach_ok();
	assert_int_equal(vsim.nd->mac[0] & 3, 2);
	again();

	/* Nor an all-zero one. */
	memset(vsim.cfg, 0, 6);
	attach_ok();
	assert_int_equal(vsim.nd->mac[0] & 3, 2);
}

static void test_link(void **state)
{
	vsim.cfg[VIRTIO_NET_CFG_STATUS] = 0;
	attach_ok();
	assert_false(vsim.nd->link_up);
	vsim.cfg[VIRTIO_NET_CFG_STATUS] = VIRTIO_NET_S_LINK_UP;
	vsim_intr(true);
	assert_int_equal(vsim.link_changes, 1);
	assert_true(vsim.link_last);
	vsim.cfg[VIRTIO_NET_CFG_STATUS] = 0;
	vsim_intr(true);
	assert_int_equal(vsim.link_changes, 2);
	assert_false(vsim.link_last);
	vsim_intr(false); /* a queue interrupt is no configuration change */
	assert_int_equal(vsim.link_changes, 2);
}

/* ---- receive ---- */

static void test_rx_one(void **state)
{
	uint8_t frame[60], out[1600];
	unsigned flags;

	attach_ok();
	make_frame(frame, sizeof(frame), 1);
	assert_int_equal(drv_rx(out, sizeof(out), &flags), 0);
	dev_rx_plain(frame, sizeof(frame));
	vsim_intr(false);
	assert_int_equal(vsim.rx_ready, 1);
	assert_int_equal(drv_rx(out, sizeof(out), &flags), 60);
	assert_memory_equal(out, frame, 60);
	assert_int_equal(flags, 0);
	assert_int_equal(drv_rx(out, sizeof(out), &flags), 0);
	assert_rx_full();
	/* A full-size frame (with a VLAN tag) fits one buffer. */
	uint8_t big[1518];
	make_frame(big, sizeof(big), 9);
	dev_rx_plain(big, sizeof(big));
	assert_int_equal(drv_rx(out, sizeof(out), &flags), 1518);
	assert_memory_equal(out, big, 1518);
	/* Frames keep coming past the ring's size: buffers go round. */
	for (int i = 0; i < 3 * VNET_RX_BUFS; i++) {
		make_frame(frame, sizeof(frame), (uint8_t)i);
		dev_rx_plain(frame, sizeof(frame));
		assert_int_equal(drv_rx(out, sizeof(out), &flags), 60);
		assert_memory_equal(out, frame, 60);
	}
	assert_rx_full();
	assert_int_equal(vsim_softc()->sc_stats.rx_bad, 0);
}

static void test_rx_intr_off_while_draining(void **state)
{
	uint8_t frame[60], out[1600];
	unsigned flags;

	vsim.offered &= ~VIRTIO_F_EVENT_IDX; /* the flag is easy to see */
	attach_ok();
	struct virtq *vq = vsim_vq(RXQ);
	make_frame(frame, sizeof(frame), 3);
	dev_rx_plain(frame, sizeof(frame));
	dev_rx_plain(frame, sizeof(frame));
	vsim_intr(false);
	assert_int_equal(vq->vq_avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
	assert_int_equal(drv_rx(out, sizeof(out), &flags), 60);
	assert_int_equal(vq->vq_avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
	assert_int_equal(drv_rx(out, sizeof(out), &flags), 60);
	assert_int_equal(drv_rx(out, sizeof(out), &flags), 0);
	assert_int_equal(vq->vq_avail->flags, 0);
	/* The transmit queue asks for no interrupts at all. */
	assert_int_equal(vsim_vq(TXQ)->vq_avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
}

static void test_rx_legacy_header(void **state)
{
	uint8_t frame[100], out[1600], h[VIRTIO_NET_HDR_LEN];
	unsigned flags;

	vsim.modern = false;
	vsim.offered = VIRTIO_NET_F_GUEST_CSUM | VIRTIO_F_ANY_LAYOUT;
	attach_ok();
	make_frame(frame, sizeof(frame), 5);
	make_hdr(h, VIRTIO_NET_HDR_F_DATA_VALID, 0, 0, 0);
	dev_rx(h, frame, sizeof(frame), -1); /* 10 + 100 bytes */
	assert_int_equal(drv_rx(out, sizeof(out), &flags), 100);
	assert_memory_equal(out, frame, 100);
	assert_int_equal(flags, NETDEV_RX_CSUM_OK);
}

static void test_rx_legacy_split(void **state)
{
	uint8_t frame[200], out[1600], h[VIRTIO_NET_HDR_LEN];
	unsigned flags;

	vsim.modern = false;
	vsim.offered = 0;
	attach_ok();
	make_frame(frame, sizeof(frame), 6);
	make_hdr(h, 0, 0, 0, 0);
	dev_rx(h, frame, sizeof(frame), -1); /* header descriptor, then frame */
	assert_int_equal(drv_rx(out, sizeof(out), &flags), 200);
	assert_memory_equal(out, frame, 200);
	assert_rx_full();
}

/* One frame over `n` buffers of the given lengths (the first includes the
 * header); the header's num_buffers is nbuf. */
static void dev_rx_merged(const uint8_t *frame, const uint32_t *lens, int n, uint16_t nbuf)
{
	uint8_t all[8192], h[VIRTIO_NET_HDR_LEN];
	unsigned hl = hdr_len();
	size_t off = 0;

	make_hdr(h, 0, 0, 0, nbuf);
	memcpy(all, h, hl);
	size_t total = 0;
	for (int i = 0; i < n; i++)
		total += lens[i];
	if (total < hl || total > sizeof(all))
		fail();
	memcpy(all + hl, frame, total - hl);
	for (int i = 0; i < n; i++) {
		struct vsim_chain c;
		assert_true(vsim_take(RXQ, &c));
		vsim_write(&c, all + off, lens[i]);
		off += lens[i];
		vsim.dev_used[RXQ]++; /* published together, below */
		struct virtq *vq = vsim_vq(RXQ);
		vq->vq_used->ring[(uint16_t)(vsim.dev_used[RXQ] - 1) % vq->vq_size].id = c.head;
		vq->vq_used->ring[(uint16_t)(vsim.dev_used[RXQ] - 1) % vq->vq_size].len = lens[i];
	}
	vsim_vq(RXQ)->vq_used->idx = vsim.dev_used[RXQ];
}

static void test_rx_mergeable(void **state)
{
	uint8_t frame[3000], out[4096];
	unsigned flags;

	attach_ok();
	make_frame(frame, sizeof(frame), 7);
	static const uint32_t lens[3] = { 12 + 500, 500, 400 };
	dev_rx_merged(frame, lens, 3, 3);
	assert_int_equal(drv_rx(out, sizeof(out), &flags), 1400);
	assert_memory_equal(out, frame, 1400);
	assert_rx_full();
	/* Larger than one buffer: 2500 bytes in two, whole. */
	static const uint32_t two[2] = { VNET_BUF_SIZE, 12 + 2500 - VNET_BUF_SIZE };
	dev_rx_merged(frame, two, 2, 2);
	assert_int_equal(drv_rx(out, sizeof(out), &flags), 2500);
	assert_memory_equal(out, frame, 2500);
	/* Too large for the caller: dropped as -EMSGSIZE, every buffer back. */
	dev_rx_merged(frame, lens, 3, 3);
	assert_int_equal(drv_rx(out, 1000, &flags), -EMSGSIZE);
	assert_int_equal(vsim_softc()->sc_stats.rx_big, 1);
	assert_rx_full();
	/* And the next frame is whole. */
	dev_rx_plain(frame, 80);
	assert_int_equal(drv_rx(out, sizeof(out), &flags), 80);
	assert_memory_equal(out, frame, 80);
	assert_int_equal(vsim_softc()->sc_stats.rx_bad, 0);
}

static void test_rx_bad_lengths(void **state)
{
	uint8_t frame[200], out[1600], h[VIRTIO_NET_HDR_LEN];
	unsigned flags;
	struct vsim_chain c;

	attach_ok();
	struct vnet *sc = vsim_softc();
	make_frame(frame, sizeof(frame), 8);
	make_hdr(h, 0, 0, 0, 1);

	dev_rx(h, frame, 100, 5); /* shorter than the header */
	assert_int_equal(drv_rx(out, sizeof(out), &flags), -EIO);
	dev_rx(h, frame, 100, VNET_BUF_SIZE + 1); /* beyond the buffer */
	assert_int_equal(drv_rx(out, sizeof(out), &flags), -EIO);
	dev_rx(h, frame, 100, 0xffffffffu);
	assert_int_equal(drv_rx(out, sizeof(out), &flags), -EIO);
	dev_rx(h, frame, 100, 12 + 13); /* a frame shorter than Ethernet's header */
	assert_int_equal(drv_rx(out, sizeof(out), &flags), -EIO);
	assert_int_equal(sc->sc_stats.rx_bad, 4);
	assert_rx_full();

	/* num_buffers: zero, more than were posted, more than were used. */
	make_hdr(h, 0, 0, 0, 0);
	dev_rx(h, frame, 100, -1);
	assert_int_equal(drv_rx(out, sizeof(out), &flags), -EIO);
	make_hdr(h, 0, 0, 0, 0xffff);
	dev_rx(h, frame, 100, -1);
	assert_int_equal(drv_rx(out, sizeof(out), &flags), -EIO);
	make_hdr(h, 0, 0, 0, 3);
	dev_rx(h, frame, 100, -1);
	assert_int_equal(drv_rx(out, sizeof(out), &flags), -EIO);
	assert_int_equal(sc->sc_stats.rx_bad, 7);
	assert_rx_full();

	/* A continuation buffer with nothing in it. */
	static const uint32_t lens[2] = { 12 + 100, 0 };
	dev_rx_merged(frame, lens, 2, 2);
	assert_int_equal(drv_rx(out, sizeof(out), &flags), -EIO);
	assert_int_equal(sc->sc_stats.rx_bad, 8);

	/* A used id that was never posted, then a good frame: virtq drops the
	 * first (counted there), the frame arrives. */
	vsim_put(RXQ, 9999, 100);
	dev_rx_plain(frame, 90);
	assert_int_equal(drv_rx(out, sizeof(out), &flags), 90);
	assert_memory_equal(out, frame, 90);
	assert_int_equal(vsim_vq(RXQ)->vq_errors, 3); /* two lengths beyond, this id */
	assert_rx_full();
	(void)c;
}

static uint16_t sum16(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void test_rx_checksums(void **state)
{
	uint8_t frame[101], out[1600], h[VIRTIO_NET_HDR_LEN];
	unsigned flags;

	attach_ok();
	struct vnet *sc = vsim_softc();
	make_frame(frame, sizeof(frame), 10);
	/* DATA_VALID: checked by the device. */
	make_hdr(h, VIRTIO_NET_HDR_F_DATA_VALID, 0, 0, 1);
	dev_rx(h, frame, sizeof(frame), -1);
	assert_int_equal(drv_rx(out, sizeof(out), &flags), 101);
	assert_int_equal(flags, NETDEV_RX_CSUM_OK);
	/* NEEDS_CSUM: completed here (odd length), so the sum over the range
	 * (with the pseudo-header sum already in the field) comes out right. */
	frame[34 + 16] = 0x12;
	frame[34 + 17] = 0x34;
	make_hdr(h, VIRTIO_NET_HDR_F_NEEDS_CSUM, 34, 16, 1);
	dev_rx(h, frame, sizeof(frame), -1);
	assert_int_equal(drv_rx(out, sizeof(out), &flags), 101);
	assert_int_equal(flags, NETDEV_RX_CSUM_OK);
	assert_memory_equal(out, frame, 34 + 16);
	uint8_t check[101];
	memcpy(check, frame, sizeof(check));
	check[50] = check[51] = 0;
	uint16_t want = (uint16_t)~sum16(check + 34, 101 - 34, 0x1234);
	assert_int_equal(out[50] << 8 | out[51], want ? want : 0xffff);
	/* Start or offset outside the frame: dropped. */
	make_hdr(h, VIRTIO_NET_HDR_F_NEEDS_CSUM, 34, 66, 1); /* 34 + 66 + 2 > 101 */
	dev_rx(h, frame, sizeof(frame), -1);
	assert_int_equal(drv_rx(out, sizeof(out), &flags), -EIO);
	make_hdr(h, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0xffff, 0xffff, 1);
	dev_rx(h, frame, sizeof(frame), -1);
	assert_int_equal(drv_rx(out, sizeof(out), &flags), -EIO);
	/* A GSO frame was never asked for. */
	make_hdr(h, 0, 0, 0, 1);
	h[1] = 1;
	dev_rx(h, frame, sizeof(frame), -1);
	assert_int_equal(drv_rx(out, sizeof(out), &flags), -EIO);
	assert_int_equal(sc->sc_stats.rx_bad, 3);
	assert_rx_full();
}

static void test_rx_csum_not_negotiated(void **state)
{
	uint8_t frame[64], out[1600], h[VIRTIO_NET_HDR_LEN];
	unsigned flags;

	vsim.offered &= ~VIRTIO_NET_F_GUEST_CSUM;
	attach_ok();
	assert_int_equal(vsim.nd->features, NETDEV_F_CSUM_TX);
	make_frame(frame, sizeof(frame), 11);
	/* A device's DATA_VALID without GUEST_CSUM is not believed. */
	make_hdr(h, VIRTIO_NET_HDR_F_DATA_VALID, 0, 0, 1);
	dev_rx(h, frame, sizeof(frame), -1);
	assert_int_equal(drv_rx(out, sizeof(out), &flags), 64);
	assert_int_equal(flags, 0);
}

/* ---- send ---- */

static int drv_xmit(const struct netdev_seg *s, int n, const struct netdev_csum *cs)
{
	return vsim.nd->ops->xmit(vsim.nd, s, n, cs);
}

static void test_tx(void **state)
{
	uint8_t frame[300], got[2048];
	struct vsim_chain c;

	attach_ok();
	make_frame(frame, sizeof(frame), 12);
	struct netdev_seg s[3] = { { frame, 14 }, { frame + 14, 20 }, { frame + 34, 266 } };
	assert_int_equal(drv_xmit(s, 3, NULL), 0);
	assert_int_equal(vsim.notified[TXQ], 1);
	assert_true(vsim_take(TXQ, &c));
	assert_int_equal(c.ndesc, 1);
	assert_int_equal(c.wlen, 0);
	assert_int_equal(vsim_read(&c, got, sizeof(got)), 12 + 300);
	uint8_t zero[12] = { 0 };
	assert_memory_equal(got, zero, 12);
	assert_memory_equal(got + 12, frame, 300);
	/* The caller's buffer may change at once: the device has a copy. */
	memset(frame, 0, sizeof(frame));
	assert_int_not_equal(memcmp(c.d[0].addr + 12, frame, 300), 0);
	vsim_put(TXQ, c.head, 0);

	/* A partial checksum request goes into the header. */
	make_frame(frame, sizeof(frame), 13);
	struct netdev_csum cs = { 34, 16 };
	assert_int_equal(drv_xmit(s, 3, &cs), 0);
	assert_true(vsim_take(TXQ, &c));
	vsim_read(&c, got, sizeof(got));
	assert_int_equal(got[0], VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(got[6] | got[7] << 8, 34);
	assert_int_equal(got[8] | got[9] << 8, 16);
	assert_memory_equal(got + 12, frame, 300); /* left to the device */
}

static void test_tx_soft_csum_and_split(void **state)
{
	uint8_t frame[77], got[2048];
	struct vsim_chain c;

	/* Legacy, no CSUM, no ANY_LAYOUT: a request is completed here, and the
	 * 10-byte header has its own descriptor. */
	vsim.modern = false;
	vsim.offered = 0;
	attach_ok();
	make_frame(frame, sizeof(frame), 14);
	frame[34 + 6] = 0xab;
	frame[34 + 7] = 0xcd;
	struct netdev_seg s = { frame, sizeof(frame) };
	struct netdev_csum cs = { 34, 6 };
	assert_int_equal(drv_xmit(&s, 1, &cs), 0);
	assert_true(vsim_take(TXQ, &c));
	assert_int_equal(c.ndesc, 2);
	assert_int_equal(c.d[0].len, 10);
	assert_int_equal(c.d[1].len, sizeof(frame));
	assert_int_equal(vsim_read(&c, got, sizeof(got)), 10 + sizeof(frame));
	assert_int_equal(got[0], 0);
	uint8_t *f = got + 10;
	assert_memory_equal(f, frame, 40);
	assert_memory_equal(f + 42, frame + 42, sizeof(frame) - 42);
	uint8_t check[77];
	memcpy(check, frame, sizeof(check));
	check[40] = check[41] = 0;
	uint16_t want = (uint16_t)~sum16(check + 34, sizeof(frame) - 34, 0xabcd);
	assert_int_equal(f[40] << 8 | f[41], want ? want : 0xffff);
}

static void test_tx_full_and_reclaim(void **state)
{
	uint8_t frame[60] = { 0 };
	struct netdev_seg s = { frame, sizeof(frame) };
	struct vsim_chain c;

	attach_ok();
	struct vnet *sc = vsim_softc();
	for (int i = 0; i < VNET_TX_BUFS; i++)
		assert_int_equal(drv_xmit(&s, 1, NULL), 0);
	assert_int_equal(drv_xmit(&s, 1, NULL), -EAGAIN);
	assert_int_equal(sc->sc_stats.tx_full, 1);
	/* The device finishes one: the next send takes its buffer back. */
	assert_true(vsim_take(TXQ, &c));
	vsim_put(TXQ, c.head, 0);
	assert_int_equal(drv_xmit(&s, 1, NULL), 0);
	assert_int_equal(drv_xmit(&s, 1, NULL), -EAGAIN);
	/* Or the interrupt does. */
	for (int i = 0; i < 5; i++) {
		assert_true(vsim_take(TXQ, &c));
		vsim_put(TXQ, c.head, 0);
	}
	vsim_intr(false);
	assert_int_equal(sc->sc_ntx_free, 5);
	/* A device that returns a buffer twice gives back nothing extra. */
	vsim_put(TXQ, c.head, 0);
	vsim_intr(false);
	assert_int_equal(sc->sc_ntx_free, 5);
	/* Thousands of frames through the ring. */
	for (int i = 0; i < 5000; i++) {
		int r = drv_xmit(&s, 1, NULL);
		if (r == -EAGAIN) {
			while (vsim_take(TXQ, &c))
				vsim_put(TXQ, c.head, 0);
			r = drv_xmit(&s, 1, NULL);
		}
		assert_int_equal(r, 0);
	}
}

static void test_tx_bad(void **state)
{
	uint8_t frame[2048] = { 0 };
	struct netdev_seg s = { frame, 1525 };

	attach_ok();
	assert_int_equal(drv_xmit(&s, 1, NULL), -EMSGSIZE); /* 12 + 1525 > 1536 */
	s.len = 1524;
	assert_int_equal(drv_xmit(&s, 1, NULL), 0);
	s.len = 13;
	assert_int_equal(drv_xmit(&s, 1, NULL), -EMSGSIZE);
	assert_int_equal(drv_xmit(&s, 0, NULL), -EINVAL);
	struct netdev_seg two[2] = { { frame, 1000 }, { frame, (size_t)-1 } };
	assert_int_equal(drv_xmit(two, 2, NULL), -EMSGSIZE);
	s.len = 100;
	struct netdev_csum cs = { 90, 9 };
	assert_int_equal(drv_xmit(&s, 1, &cs), -EINVAL);
	cs.csum_start = 4;
	cs.csum_offset = 6;
	assert_int_equal(drv_xmit(&s, 1, &cs), -EINVAL);
	assert_int_equal(virtq_in_flight(vsim_vq(TXQ)), 1);
}

/* Legacy without ANY_LAYOUT but with INDIRECT_DESC: header and frame are
 * two entries of one indirect table, so a queue of 64 holds 64 buffers. */
static void test_attach_legacy_split_indirect(void **state)
{
	vsim.modern = false;
	vsim.offered = VIRTIO_F_INDIRECT_DESC;
	vsim.qmax[0] = vsim.qmax[1] = 64;
	struct vnet *sc = attach_ok();
	assert_true(sc->sc_split);
	assert_true(sc->sc_indirect);
	assert_true(vsim.driver_features & VIRTIO_F_INDIRECT_DESC);
	assert_int_equal(sc->sc_nrx, 64);
	assert_int_equal(sc->sc_ntx, 64);
	assert_rx_full();
	struct vsim_chain c;
	assert_true(vsim_take(RXQ, &c));
	assert_true(c.indirect);
	assert_int_equal(c.ndesc, 2);
	assert_int_equal(c.d[0].len, 10);
	assert_true(c.d[0].write && c.d[1].write);
	assert_int_equal(c.d[1].len, VNET_BUF_SIZE - 10);
	assert_ptr_equal(c.d[1].addr, c.d[0].addr + 10);
	/* Modern devices: one descriptor a buffer, no table needed. */
	again();
	vsim.offered |= VIRTIO_F_INDIRECT_DESC;
	sc = attach_ok();
	assert_true(sc->sc_indirect);
	assert_false(sc->sc_split);
	assert_int_equal(sc->sc_nrx, VNET_RX_BUFS);
	assert_true(vsim_take(RXQ, &c));
	assert_false(c.indirect);
	assert_int_equal(c.ndesc, 1);
}

static void test_rx_legacy_split_indirect(void **state)
{
	uint8_t frame[300], out[1600], h[VIRTIO_NET_HDR_LEN];
	unsigned flags;

	vsim.modern = false;
	vsim.offered = VIRTIO_F_INDIRECT_DESC;
	attach_ok();
	for (int i = 0; i < 3 * VNET_RX_BUFS; i++) { /* round the ring three times */
		make_frame(frame, sizeof(frame), (uint8_t)i);
		make_hdr(h, 0, 0, 0, 0);
		dev_rx(h, frame, sizeof(frame) - (size_t)(i % 50), -1);
		assert_int_equal(drv_rx(out, sizeof(out), &flags), (int)sizeof(frame) - i % 50);
		assert_memory_equal(out, frame, sizeof(frame) - (size_t)(i % 50));
	}
	assert_rx_full();
	/* A length beyond the buffer the table describes is not believed. */
	struct vsim_chain c;
	assert_true(vsim_take(RXQ, &c));
	vsim_put(RXQ, c.head, VNET_BUF_SIZE + 1);
	assert_int_equal(drv_rx(out, sizeof(out), &flags), -EIO);
	assert_int_equal(vsim_softc()->sc_stats.rx_bad, 1);
	assert_rx_full();
}

/* Every transmit buffer in flight at once on a queue of VNET_TX_BUFS: the
 * 10-byte header and the frame share one ring entry. */
static void test_tx_split_indirect(void **state)
{
	uint8_t frame[90], got[2048];
	struct netdev_seg s[2] = { { frame, 30 }, { frame + 30, 60 } };
	struct vsim_chain c;

	vsim.modern = false;
	vsim.offered = VIRTIO_F_INDIRECT_DESC;
	vsim.qmax[TXQ] = VNET_TX_BUFS;
	attach_ok();
	struct vnet *sc = vsim_softc();
	assert_int_equal(sc->sc_ntx, VNET_TX_BUFS);
	make_frame(frame, sizeof(frame), 3);
	for (int i = 0; i < VNET_TX_BUFS; i++)
		assert_int_equal(drv_xmit(s, 2, NULL), 0);
	assert_int_equal(drv_xmit(s, 2, NULL), -EAGAIN);
	assert_int_equal(virtq_in_flight(vsim_vq(TXQ)), VNET_TX_BUFS);
	for (int i = 0; i < VNET_TX_BUFS; i++) {
		assert_true(vsim_take(TXQ, &c));
		assert_true(c.indirect);
		assert_int_equal(c.ndesc, 2);
		assert_int_equal(c.d[0].len, 10);
		assert_int_equal(c.d[1].len, sizeof(frame));
		assert_false(c.d[0].write || c.d[1].write);
		assert_int_equal(vsim_read(&c, got, sizeof(got)), 10 + sizeof(frame));
		assert_memory_equal(got + 10, frame, sizeof(frame));
		vsim_put(TXQ, c.head, 0);
	}
	assert_int_equal(drv_xmit(s, 2, NULL), 0);
	assert_int_equal(sc->sc_ntx_free, VNET_TX_BUFS - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_attach_modern, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_legacy_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_legacy_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_legacy_split_indirect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_legacy_split_indirect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_split_indirect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mac, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_one, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_intr_off_while_draining, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_legacy_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_legacy_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_mergeable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_bad_lengths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_checksums, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_csum_not_negotiated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_soft_csum_and_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_full_and_reclaim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_bad, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
