/* SPDX-License-Identifier: MIT */
/*
 * Private to drivers/virtio/net.c and its tests: the virtio-net driver's state
 * (one per device) and its counters.
 */
#ifndef VIRTIO_NET_IMPL_H
#define VIRTIO_NET_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include <k/netdev_driver.h>
#include <k/spinlock.h>

#include "virtio.h"

#define VNET_BUF_SIZE 1536 /* one buffer: header and a 1518-byte frame */
#define VNET_RX_BUFS 128   /* receive buffers posted, at most */
#define VNET_TX_BUFS 64    /* frames in flight to the device, at most */
#define VNET_MTU 1500

struct vnet_stats {
	uint32_t rx_bad;    /* frames dropped: a length or header the device got wrong */
	uint32_t rx_big;    /* frames dropped: larger than the caller's buffer */
	uint32_t rx_lost;   /* buffers that could not be posted again */
	uint32_t tx_full;   /* xmit found every buffer in flight (-EAGAIN) */
};

struct vnet {
	struct netdev sc_nd;
	struct virtio_dev *sc_dev;
	struct virtq *sc_rxq, *sc_txq;
	/* Set at attach. */
	unsigned sc_hdr_len;  /* 12, or 10 for a legacy device without MRG_RXBUF */
	bool sc_mrg;          /* MRG_RXBUF: a frame may span buffers */
	bool sc_split;        /* legacy without ANY_LAYOUT: header in its own descriptor */
	bool sc_csum;         /* CSUM: the device completes partial checksums */
	bool sc_guest_csum;   /* GUEST_CSUM: the device's DATA_VALID is believed */
	bool sc_status;       /* STATUS: link state in the configuration */
	bool sc_indirect;     /* INDIRECT_DESC: a split buffer takes one ring entry */
	uint8_t *sc_rx_bufs;  /* sc_nrx buffers of VNET_BUF_SIZE */
	uint8_t *sc_tx_bufs;  /* sc_ntx buffers of VNET_BUF_SIZE */
	unsigned sc_nrx, sc_ntx;
	/* sc_rx_lock: the receive queue; sc_tx_lock: the transmit queue and the
	 * stack of free transmit buffers. */
	struct spinlock sc_rx_lock, sc_tx_lock;
	uint8_t **sc_tx_free;
	unsigned sc_ntx_free;
	bool sc_logged;       /* the first bad frame has been reported */
	struct vnet_stats sc_stats;
};

extern const struct virtio_driver vnet_driver;

#endif
