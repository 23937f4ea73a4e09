/* SPDX-License-Identifier: MIT */
/*
 * The provider side of k/netdev.h: what a network driver fills in and calls.
 * A driver allocates a struct netdev, sets its fields and ops, then calls
 * netdev_register once the device is ready to send and receive. From its
 * receive interrupt it calls netdev_rx_ready, which wakes the stack's
 * receiver. ops->xmit and ops->rx are called from threads, never from
 * interrupt context, possibly from several cores at once for xmit (the driver
 * serialises its queue); ops->rx only from the device's receiver thread.
 */
#ifndef K_NETDEV_DRIVER_H
#define K_NETDEV_DRIVER_H

#include <k/netdev.h>
#include <k/spinlock.h>

struct netdev_ops {
	int (*xmit)(struct netdev *nd, const struct netdev_seg *segs, int nseg,
		    const struct netdev_csum *csum);
	int (*rx)(struct netdev *nd, void *buf, size_t cap, unsigned *flags);
	/* Optional: every frame sent has been taken by the device (any thread). */
	bool (*tx_done)(struct netdev *nd);
};

struct netdev {
	/* set by the driver */
	const struct netdev_ops *ops;
	void *priv;
	char name[16];
	uint8_t mac[6];
	unsigned mtu;
	uint32_t features;
	volatile bool link_up;
	int cpu;                 /* core that takes its interrupts */
	/* owned by netdev.c */
	struct spinlock rx_lock;
	volatile unsigned rx_kicks;
};

/* 0, or -ENOSPC when NETDEV_MAX devices exist. */
int netdev_register(struct netdev *nd);
/* Any context: frames may be waiting. */
void netdev_rx_ready(struct netdev *nd);
/* Any context: the link went up or down. */
void netdev_link_changed(struct netdev *nd, bool up);

#endif
