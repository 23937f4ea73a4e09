/* SPDX-License-Identifier: MIT */
/*
 * Private to drivers/virtio/console.c: the virtio-console driver's state, one
 * struct vcon per device and one struct vcon_port per port it set up.
 */
#ifndef VIRTIO_CONSOLE_IMPL_H
#define VIRTIO_CONSOLE_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include <k/spinlock.h>

#include "console_ctrl.h"
#include "virtio.h"

#define VCON_MAX_DEVS 4      /* devices taken; vportNpM numbers them in attach order */
#define VCON_MAX_PORTS 4     /* ports per device: 0 and three more (queues 0-9) */
#define VCON_RX_BUFS 4       /* receive buffers per port ... */
#define VCON_RX_SIZE 512     /* ... of this size: half of the port's page */
#define VCON_TX_BUFS 8       /* transmit buffers per port ... */
#define VCON_TX_SIZE 256     /* ... of this size: the other half */
#define VCON_CRX_BUFS 32     /* control receive buffers (QEMU's control queue has 32) */
#define VCON_CRX_SIZE 128    /* a header and a name of up to 120 bytes */
#define VCON_CTX_BUFS 16     /* control messages in flight to the device */
#define VCON_MAX_OPENS 4     /* open files per port */
#define VCON_BAD_LINES 8     /* bad control messages reported per device */
/* A file flag no Linux O_ flag uses: a kernel service's file, whose reads wait
 * while the host end is closed (vcon_open_kernel). */
#define VCON_O_WAIT_HOST (1 << 30)

struct vcon;

struct vcon_port {
	struct vcon *p_sc;
	uint32_t p_id;
	struct virtq *p_rxq, *p_txq;
	/* Everything below is under p_sc->sc_lock. */
	uint8_t *p_page;                  /* receive buffers, then transmit buffers */
	uint8_t p_rx_order[VCON_RX_BUFS]; /* filled buffers in arrival order */
	uint32_t p_rx_len[VCON_RX_BUFS];  /* bytes the device wrote into each */
	unsigned p_rx_head, p_rx_count;   /* in p_rx_order */
	uint32_t p_rx_off;                /* bytes of the head buffer already read */
	uint8_t *p_tx_free[VCON_TX_BUFS];
	unsigned p_ntx, p_ntx_free;       /* buffers usable (queue size), free */
	struct file *p_files[VCON_MAX_OPENS];
	unsigned p_nopen;
	uint32_t p_dropped;               /* console bytes dropped: every buffer busy */
	bool p_slow;                      /* the console's copy stopped waiting for the device */
};

struct vcon {
	struct virtio_dev *sc_dev;
	unsigned sc_index;       /* vportNpM's N */
	bool sc_multiport;
	uint32_t sc_nports;      /* ports set up */
	uint32_t sc_offered;     /* max_nr_ports from the configuration */
	struct spinlock sc_lock; /* every queue and all state of the device */
	struct virtq *sc_crxq, *sc_ctxq;
	uint8_t *sc_crx;         /* VCON_CRX_BUFS control receive buffers */
	uint8_t *sc_ctx;         /* VCON_CTX_BUFS control messages */
	uint8_t *sc_ctx_free[VCON_CTX_BUFS];
	unsigned sc_nctx_free;
	bool sc_settled;         /* the device answered everything attach sent */
	unsigned sc_bad;         /* bad control messages seen */
	struct vcon_port_state sc_st[VCON_MAX_PORTS];
	struct vcon_port sc_port[VCON_MAX_PORTS];
};

extern const struct virtio_driver vcon_driver;

#endif
