/* SPDX-License-Identifier: MIT */
/*
 * Network devices as the network stack sees them: frames in, frames out, a MAC
 * address, an MTU, a link state and offload flags. The stack never sees the
 * driver behind it (virtio-net or anything else). Provider side:
 * k/netdev_driver.h.
 *
 * Receiving: the stack runs one receiver per device (a kernel thread on the
 * device's core) that calls netdev_rx_wait, then netdev_rx until it returns 0.
 * Sending: netdev_xmit copies the frame out of the caller's segments before it
 * returns (the caller may reuse them at once); -EAGAIN when the device's queue
 * is full (the caller may retry or drop, as for a full Ethernet queue).
 */
#ifndef K_NETDEV_H
#define K_NETDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NETDEV_MAX 4
#define NETDEV_F_CSUM_TX (1u << 0)   /* device fills TCP/UDP checksums on send */
#define NETDEV_F_CSUM_RX (1u << 1)   /* device reports checked checksums */
#define NETDEV_RX_CSUM_OK (1u << 0)  /* netdev_rx flag: checksums verified */

struct netdev;

struct netdev_seg {
	const void *data;
	size_t len;
};

/* Partial-checksum request for a frame sent with NETDEV_F_CSUM_TX: the device
 * sums from csum_start to the end and stores at csum_start + csum_offset. */
struct netdev_csum {
	uint16_t csum_start, csum_offset;
};

int netdev_count(void);
struct netdev *netdev_get(int index);
const char *netdev_name(const struct netdev *nd);
const uint8_t *netdev_mac(const struct netdev *nd);
unsigned netdev_mtu(const struct netdev *nd);
uint32_t netdev_features(const struct netdev *nd);
bool netdev_link_up(const struct netdev *nd);
int netdev_cpu(const struct netdev *nd);

/* Send one frame (Ethernet header included); csum may be NULL. */
int netdev_xmit(struct netdev *nd, const struct netdev_seg *segs, int nseg,
		const struct netdev_csum *csum);
/* Take one received frame into buf: its length, 0 when none is waiting, or a
 * negative errno for a frame that was dropped (-EMSGSIZE: did not fit; -EIO:
 * malformed, counted by the driver); call again after a drop. *flags:
 * NETDEV_RX_*. */
int netdev_rx(struct netdev *nd, void *buf, size_t cap, unsigned *flags);
/* Block the calling thread until a frame may be waiting (or `until`,
 * monotonic ns, 0 none); then call netdev_rx until it returns 0. */
void netdev_rx_wait(struct netdev *nd, uint64_t until);
/* True when the device has taken every frame netdev_xmit gave it (a VMM
 * passes a frame on before it marks it taken): the exit waits for this so
 * that the last frames are not lost with the VM. Never blocks. */
bool netdev_tx_done(struct netdev *nd);

#endif
