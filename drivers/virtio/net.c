/* SPDX-License-Identifier: MIT */
/*
 * virtio network device (virtio 1.2, 5.1) as a netdev (k/netdev_driver.h):
 * one receive and one transmit queue, the frame copied in and out of buffers
 * posted at attach (one ring entry each: a header in a descriptor of its own
 * goes in an indirect table when the device has them), partial checksums
 * both ways, link state from the configuration. Nothing the device writes is believed: each used length is
 * checked against what was posted and a bad frame is dropped and counted.
 * Try: bin/toro run --net user app.elf (QEMU: virtio-net-pci, or
 * virtio-net-device on microvm; legacy MMIO unless force-legacy=false).
 */
#include <k/component.h>
#include <k/console.h>
#include <k/errno.h>
#include <k/fmt.h>
#include <k/kheap.h>
#include <k/pmm.h>
#include <k/random.h>
#include <k/string.h>

#include "net_impl.h"
#include "net_reg.h"

#define ETH_HLEN 14
#define NETDEV_CPU 0 /* the transports send every interrupt to core 0 */

#define WANTED (VIRTIO_NET_F_CSUM | VIRTIO_NET_F_GUEST_CSUM | VIRTIO_NET_F_MAC | \
		VIRTIO_NET_F_MRG_RXBUF | VIRTIO_NET_F_STATUS | VIRTIO_F_ANY_LAYOUT)

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }

/* Complete a partial checksum over frame[start..len): the field at
 * start + off holds the pseudo-header sum; the one's complement of the whole
 * sum goes there (0xffff for 0, which UDP reserves for "none"). The caller
 * checked that start + off + 2 <= len. */
static void csum_complete(uint8_t *f, size_t len, unsigned start, unsigned off)
{
	uint32_t sum = 0;
	size_t i;

	for (i = start; i + 1 < len; i += 2)
		sum += (uint32_t)f[i] << 8 | f[i + 1];
	if (i < len)
		sum += (uint32_t)f[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	uint16_t c = (uint16_t)~sum;
	if (c == 0)
		c = 0xffff;
	f[start + off] = (uint8_t)(c >> 8);
	f[start + off + 1] = (uint8_t)c;
}

/* ---- receiving ---- */

static int post_rx(struct vnet *sc, uint8_t *b)
{
	unsigned hl = sc->sc_hdr_len;
	struct virtq_seg s[2] = {
		{ (uintptr_t)b, VNET_BUF_SIZE, true },
		{ (uintptr_t)b + hl, VNET_BUF_SIZE - hl, true },
	};

	if (sc->sc_split)
		s[0].len = hl;
	return virtq_add(sc->sc_rxq, s, sc->sc_split ? 2 : 1, b);
}

/* Give a taken buffer back to the device (published by the caller's kick). */
static void repost(struct vnet *sc, uint8_t *b)
{
	if (post_rx(sc, b) != 0)
		sc->sc_stats.rx_lost++;
}

static int rx_drop(struct vnet *sc, const char *why, uint32_t a, uint32_t b)
{
	sc->sc_stats.rx_bad++;
	if (!sc->sc_logged) {
		sc->sc_logged = true;
		kprintf("toro: %s: device gave a bad frame (%s: %u, %u); dropped, further "
			"ones counted only\n", sc->sc_nd.name, why, a, b);
	}
	return -EIO;
}

struct rx_frame {
	uint8_t *out;
	size_t cap;
	size_t len;   /* frame bytes so far */
	bool big;     /* did not fit: the rest is not copied */
};

static void rx_append(struct rx_frame *f, const uint8_t *p, size_t n)
{
	if (f->big || n > f->cap - f->len) {
		f->big = true;
		return;
	}
	memcpy(f->out + f->len, p, n);
	f->len += n;
}

/* What the header says about the frame now in f: 0, *flags, or -EIO. */
static int rx_header(struct vnet *sc, const uint8_t *h, struct rx_frame *f, unsigned *flags)
{
	uint8_t fl = h[VIRTIO_NET_HDR_FLAGS];

	/* No GSO was negotiated: a device that merges segments anyway is wrong. */
	if (h[VIRTIO_NET_HDR_GSO_TYPE] != VIRTIO_NET_HDR_GSO_NONE)
		return rx_drop(sc, "gso type", h[VIRTIO_NET_HDR_GSO_TYPE], 0);
	if (fl & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		/* A frame from a neighbour on the same host with its checksum
		 * still partial: complete it here. */
		unsigned start = get16(h + VIRTIO_NET_HDR_CSUM_START);
		unsigned off = get16(h + VIRTIO_NET_HDR_CSUM_OFFSET);
		if (start < ETH_HLEN || (size_t)start + off + 2 > f->len)
			return rx_drop(sc, "checksum start, offset", start, off);
		csum_complete(f->out, f->len, start, off);
		if (sc->sc_guest_csum)
			*flags |= NETDEV_RX_CSUM_OK;
	} else if ((fl & VIRTIO_NET_HDR_F_DATA_VALID) && sc->sc_guest_csum) {
		*flags |= NETDEV_RX_CSUM_OK;
	}
	return 0;
}

/* The frame whose first buffer b came back with len bytes written: copied
 * into f->out, every buffer of it posted again. Its length, or -EMSGSIZE,
 * -EIO. Under sc_rx_lock. */
static int rx_frame(struct vnet *sc, uint8_t *b, uint32_t len, struct rx_frame *f,
		    unsigned *flags)
{
	unsigned hl = sc->sc_hdr_len, nbuf = 1, i;
	uint8_t h[VIRTIO_NET_HDR_LEN];
	uint32_t zero = 0;

	/* virtq_get has already cut len to what was posted (0 if beyond). */
	if (len < hl) {
		repost(sc, b);
		return rx_drop(sc, "length", len, hl);
	}
	memcpy(h, b, hl);
	rx_append(f, b + hl, len - hl);
	repost(sc, b);
	if (sc->sc_mrg) {
		nbuf = get16(h + VIRTIO_NET_HDR_NUM_BUFFERS);
		if (nbuf == 0 || nbuf > sc->sc_nrx)
			return rx_drop(sc, "buffers", nbuf, sc->sc_nrx);
	}
	for (i = 1; i < nbuf; i++) {
		uint32_t l = 0;
		uint8_t *c = virtq_get(sc->sc_rxq, &l);

		/* The device publishes every buffer of a frame at once: one
		 * missing is a device error, not a frame still arriving. */
		if (c == NULL)
			return rx_drop(sc, "buffers missing", nbuf, i);
		if (l == 0 && !zero)
			zero = i;
		rx_append(f, c, l);
		repost(sc, c);
	}
	if (zero)
		return rx_drop(sc, "empty buffer", nbuf, zero);
	if (f->big) {
		sc->sc_stats.rx_big++;
		return -EMSGSIZE;
	}
	if (f->len < ETH_HLEN)
		return rx_drop(sc, "frame length", (uint32_t)f->len, ETH_HLEN);
	int r = rx_header(sc, h, f, flags);
	return r ? r : (int)f->len;
}

/* ops->rx: the receiver thread only. */
static int vnet_rx(struct netdev *nd, void *buf, size_t cap, unsigned *flags)
{
	struct vnet *sc = nd->priv;
	struct rx_frame f = { buf, cap, 0, false };
	uint32_t len;
	uint8_t *b;
	int r;

	spin_lock(&sc->sc_rx_lock);
	/* Nothing left: re-arm the interrupt, then look once more. */
	while ((b = virtq_get(sc->sc_rxq, &len)) == NULL) {
		if (virtq_intr_enable(sc->sc_rxq)) {
			spin_unlock(&sc->sc_rx_lock);
			return 0;
		}
	}
	r = rx_frame(sc, b, len, &f, flags);
	bool notify = virtq_kick_prepare(sc->sc_rxq);
	spin_unlock(&sc->sc_rx_lock);
	if (notify) /* outside the lock: the exit may wait on the device */
		virtq_notify(sc->sc_rxq);
	return r;
}

/* Interrupt context (every interrupt of the device, whichever queue): no more
 * receive interrupts until the receiver has drained the queue (vnet_rx turns
 * them on when it finds it empty). */
static void vnet_rx_intr(struct virtq *vq)
{
	struct vnet *sc = vq->vq_owner;

	spin_lock(&sc->sc_rx_lock);
	virtq_intr_disable(vq);
	spin_unlock(&sc->sc_rx_lock);
	netdev_rx_ready(&sc->sc_nd);
}

/* ---- sending ---- */

/* Buffers the device has finished with back on the free stack. Under
 * sc_tx_lock. */
static void tx_reclaim(struct vnet *sc)
{
	uint32_t len;
	uint8_t *b;

	while ((b = virtq_get(sc->sc_txq, &len)) != NULL)
		sc->sc_tx_free[sc->sc_ntx_free++] = b;
}

static void vnet_tx_intr(struct virtq *vq)
{
	struct vnet *sc = vq->vq_owner;

	spin_lock(&sc->sc_tx_lock);
	tx_reclaim(sc);
	spin_unlock(&sc->sc_tx_lock);
}

/* The frame's length, or -EMSGSIZE (empty, too long) / -EINVAL (a checksum
 * request outside it). */
static int tx_check(struct vnet *sc, const struct netdev_seg *segs, int nseg,
		    const struct netdev_csum *cs)
{
	size_t total = 0, max = VNET_BUF_SIZE - sc->sc_hdr_len;

	if (nseg <= 0)
		return -EINVAL;
	for (int i = 0; i < nseg; i++) {
		if (segs[i].len > max - total)
			return -EMSGSIZE;
		total += segs[i].len;
	}
	if (total < ETH_HLEN)
		return -EMSGSIZE;
	if (cs && (cs->csum_start < ETH_HLEN || (size_t)cs->csum_start + cs->csum_offset + 2 > total))
		return -EINVAL;
	return (int)total;
}

/* Header and frame into b (a free transmit buffer). */
static void tx_fill(struct vnet *sc, uint8_t *b, const struct netdev_seg *segs, int nseg,
		    const struct netdev_csum *cs, size_t len)
{
	uint8_t *p = b + sc->sc_hdr_len;

	memset(b, 0, sc->sc_hdr_len);
	for (int i = 0; i < nseg; i++) {
		memcpy(p, segs[i].data, segs[i].len);
		p += segs[i].len;
	}
	if (cs == NULL)
		return;
	if (sc->sc_csum) {
		b[VIRTIO_NET_HDR_FLAGS] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		put16(b + VIRTIO_NET_HDR_CSUM_START, cs->csum_start);
		put16(b + VIRTIO_NET_HDR_CSUM_OFFSET, cs->csum_offset);
	} else {
		csum_complete(b + sc->sc_hdr_len, len, cs->csum_start, cs->csum_offset);
	}
}

/* ops->xmit: any thread, any core. The frame is copied before we return. */
static int vnet_xmit(struct netdev *nd, const struct netdev_seg *segs, int nseg,
		     const struct netdev_csum *cs)
{
	struct vnet *sc = nd->priv;
	int len = tx_check(sc, segs, nseg, cs);
	unsigned hl = sc->sc_hdr_len;
	uint8_t *b;
	int r;

	if (len < 0)
		return len;
	spin_lock(&sc->sc_tx_lock);
	tx_reclaim(sc);
	if (sc->sc_ntx_free == 0) {
		sc->sc_stats.tx_full++;
		spin_unlock(&sc->sc_tx_lock);
		return -EAGAIN;
	}
	b = sc->sc_tx_free[--sc->sc_ntx_free];
	tx_fill(sc, b, segs, nseg, cs, (size_t)len);
	struct virtq_seg s[2] = {
		{ (uintptr_t)b, hl + (uint32_t)len, false },
		{ (uintptr_t)b + hl, (uint32_t)len, false },
	};
	if (sc->sc_split)
		s[0].len = hl;
	r = virtq_add(sc->sc_txq, s, sc->sc_split ? 2 : 1, b);
	bool notify = false;
	if (r == 0)
		notify = virtq_kick_prepare(sc->sc_txq);
	else
		sc->sc_tx_free[sc->sc_ntx_free++] = b;
	spin_unlock(&sc->sc_tx_lock);
	if (notify) /* outside the lock: the other core may be sending too */
		virtq_notify(sc->sc_txq);
	return r == 0 ? 0 : r == -ENOSPC ? -EAGAIN : -EIO;
}

/* ops->tx_done: the device has used every buffer we queued. */
static bool vnet_tx_done(struct netdev *nd)
{
	struct vnet *sc = nd->priv;
	spin_lock(&sc->sc_tx_lock);
	tx_reclaim(sc);
	bool done = sc->sc_ntx_free == sc->sc_ntx;
	spin_unlock(&sc->sc_tx_lock);
	return done;
}

/* ---- attach ---- */

static bool link_state(struct vnet *sc)
{
	if (!sc->sc_status)
		return true;
	return (virtio_cfg_read(sc->sc_dev, VIRTIO_NET_CFG_STATUS, 2) & VIRTIO_NET_S_LINK_UP) != 0;
}

/* Interrupt context: the configuration changed (the link went up or down). */
static void vnet_config_changed(struct virtio_dev *d)
{
	struct vnet *sc = d->vd_softc;

	netdev_link_changed(&sc->sc_nd, link_state(sc));
}

/* The device's MAC, read until the generation counter holds still; a random
 * locally administered one when it has none (or a multicast or zero one). */
static void read_mac(struct vnet *sc, uint8_t *mac)
{
	struct virtio_dev *d = sc->sc_dev;
	uint8_t any = 0;

	if (sc->sc_dev->vd_features & VIRTIO_NET_F_MAC) {
		for (int tries = 0; tries < 4; tries++) {
			uint32_t gen = d->vd_ops->cfg_generation(d);
			for (int i = 0; i < 6; i++)
				mac[i] = (uint8_t)virtio_cfg_read(d, VIRTIO_NET_CFG_MAC + i, 1);
			if (d->vd_ops->cfg_generation(d) == gen)
				break;
		}
		for (int i = 0; i < 6; i++)
			any |= mac[i];
		if (any && !(mac[0] & 1))
			return;
	}
	random_fill(mac, 6);
	mac[0] = (uint8_t)((mac[0] & ~1u) | 2u);
}

static void take_features(struct vnet *sc, uint64_t f, bool modern)
{
	sc->sc_mrg = (f & VIRTIO_NET_F_MRG_RXBUF) != 0;
	sc->sc_hdr_len = modern || sc->sc_mrg ? VIRTIO_NET_HDR_LEN : VIRTIO_NET_HDR_LEN_LEGACY;
	sc->sc_split = !modern && !(f & VIRTIO_F_ANY_LAYOUT);
	sc->sc_csum = (f & VIRTIO_NET_F_CSUM) != 0;
	sc->sc_guest_csum = (f & VIRTIO_NET_F_GUEST_CSUM) != 0;
	sc->sc_status = (f & VIRTIO_NET_F_STATUS) != 0;
	sc->sc_indirect = (f & VIRTIO_F_INDIRECT_DESC) != 0;
}

/* Queues, buffers, the receive buffers posted (not yet published). A buffer
 * is one descriptor, or two (header apart) in one indirect table entry, or
 * two ring entries when the device has no indirect descriptors. */
static int setup_queues(struct vnet *sc)
{
	struct virtio_dev *d = sc->sc_dev;
	unsigned nseg = sc->sc_split ? 2 : 1;
	unsigned per = sc->sc_indirect ? 1 : nseg;
	int r = virtio_alloc_vq(d, VIRTIO_NET_RXQ, (uint16_t)(VNET_RX_BUFS * per), vnet_rx_intr,
				sc, &sc->sc_rxq);

	if (r == 0)
		r = virtio_alloc_vq(d, VIRTIO_NET_TXQ, (uint16_t)(VNET_TX_BUFS * per), vnet_tx_intr,
				    sc, &sc->sc_txq);
	if (r)
		return r;
	/* What each queue really takes per buffer (a queue too small for a
	 * table has none). */
	sc->sc_nrx = sc->sc_rxq->vq_size / virtq_descs_needed(sc->sc_rxq, nseg);
	sc->sc_ntx = sc->sc_txq->vq_size / virtq_descs_needed(sc->sc_txq, nseg);
	if (sc->sc_nrx > VNET_RX_BUFS)
		sc->sc_nrx = VNET_RX_BUFS;
	if (sc->sc_ntx > VNET_TX_BUFS)
		sc->sc_ntx = VNET_TX_BUFS;
	if (sc->sc_nrx == 0 || sc->sc_ntx == 0)
		return -ENODEV;
	sc->sc_rx_bufs = pmm_alloc_contig((sc->sc_nrx * VNET_BUF_SIZE + PAGE_SIZE - 1) / PAGE_SIZE);
	sc->sc_tx_bufs = pmm_alloc_contig((sc->sc_ntx * VNET_BUF_SIZE + PAGE_SIZE - 1) / PAGE_SIZE);
	sc->sc_tx_free = kmalloc(sc->sc_ntx * sizeof(*sc->sc_tx_free));
	if (!sc->sc_rx_bufs || !sc->sc_tx_bufs || !sc->sc_tx_free)
		return -ENOMEM;
	for (unsigned i = 0; i < sc->sc_ntx; i++)
		sc->sc_tx_free[i] = sc->sc_tx_bufs + (size_t)i * VNET_BUF_SIZE;
	sc->sc_ntx_free = sc->sc_ntx;
	for (unsigned i = 0; i < sc->sc_nrx; i++)
		if ((r = post_rx(sc, sc->sc_rx_bufs + (size_t)i * VNET_BUF_SIZE)) != 0)
			return r;
	/* Transmit buffers are taken back on the next send: no interrupt. */
	virtq_intr_disable(sc->sc_txq);
	return 0;
}

static void free_buffers(struct vnet *sc)
{
	if (sc->sc_rx_bufs)
		pmm_free_contig(sc->sc_rx_bufs, (sc->sc_nrx * VNET_BUF_SIZE + PAGE_SIZE - 1) / PAGE_SIZE);
	if (sc->sc_tx_bufs)
		pmm_free_contig(sc->sc_tx_bufs, (sc->sc_ntx * VNET_BUF_SIZE + PAGE_SIZE - 1) / PAGE_SIZE);
	kfree(sc->sc_tx_free);
}

/* "toro: virtio-net eth0 52:54:00:12:34:56 at pci 00:03.0 (csum, guest_csum,
 * indirect)": the device, and the optional features in use. */
static void attach_line(struct vnet *sc)
{
	const char *what[] = { sc->sc_csum ? "csum" : NULL, sc->sc_guest_csum ? "guest_csum" : NULL,
			       sc->sc_indirect ? "indirect" : NULL,
			       sc->sc_nd.link_up ? NULL : "link down" };
	const uint8_t *m = sc->sc_nd.mac;
	char extra[64] = "";
	size_t n = 0;

	for (unsigned i = 0; i < sizeof(what) / sizeof(what[0]); i++)
		if (what[i])
			n += (size_t)fmt_snprintf(extra + n, sizeof(extra) - n, "%s%s",
						  n ? ", " : " (", what[i]);
	if (n)
		fmt_snprintf(extra + n, sizeof(extra) - n, ")");
	kprintf("toro: virtio-net %s %02x:%02x:%02x:%02x:%02x:%02x at %s%s\n", sc->sc_nd.name,
		m[0], m[1], m[2], m[3], m[4], m[5], sc->sc_dev->vd_where, extra);
}

static const struct netdev_ops vnet_ops = {
	.xmit = vnet_xmit,
	.tx_done = vnet_tx_done,
	.rx = vnet_rx,
};

static int vnet_attach(struct virtio_dev *d)
{
	struct vnet *sc = kzalloc(sizeof(*sc));
	struct netdev *nd;
	int r;

	if (sc == NULL)
		return -ENOMEM;
	sc->sc_dev = d;
	nd = &sc->sc_nd;
	r = virtio_negotiate(d, WANTED);
	if (r)
		goto fail;
	take_features(sc, d->vd_features, d->vd_modern);
	r = setup_queues(sc);
	if (r)
		goto fail;
	nd->ops = &vnet_ops;
	nd->priv = sc;
	fmt_snprintf(nd->name, sizeof(nd->name), "eth%d", netdev_count());
	read_mac(sc, nd->mac);
	nd->mtu = VNET_MTU;
	nd->features = (sc->sc_csum ? NETDEV_F_CSUM_TX : 0) |
		       (sc->sc_guest_csum ? NETDEV_F_CSUM_RX : 0);
	nd->link_up = link_state(sc);
	nd->cpu = NETDEV_CPU;
	virtio_driver_ok(d);
	r = netdev_register(nd);
	if (r)
		goto fail;
	d->vd_softc = sc;
	d->vd_config_changed = vnet_config_changed;
	/* The device sees the receive buffers from here on (no notification
	 * before DRIVER_OK, 3.1.1), and frames find a registered netdev. */
	virtq_kick(sc->sc_rxq);
	attach_line(sc);
	return 0;
fail:
	/* The device never saw the buffers: nothing was published to it. */
	free_buffers(sc);
	kfree(sc);
	return r;
}

const struct virtio_driver vnet_driver = {
	.name = "net",
	.type = VIRTIO_ID_NET,
	.attach = vnet_attach,
};

/* The virtio-net component: linked with the network (tools/components.tab)
 * unless `toro-cc --without=virtio-net` leaves the stack on loopback only.
 * (Not in the host's unit tests: they hand the driver over themselves.) */
#ifndef TORO_HOST
SYSGROUP(virtio_net) = {
	SYSOPT_HOOK(SYSOPT_VIRTIO, &vnet_driver),
};
#endif
