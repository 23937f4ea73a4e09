/* SPDX-License-Identifier: MIT */
/* The netdev registry and the receive wake-up between a driver's interrupt
 * and the stack's receiver thread. */
#include <k/console.h>
#include <k/errno.h>
#include <k/netdev_driver.h>
#include <k/wait.h>

static struct netdev *devs[NETDEV_MAX];
static int ndevs;

int netdev_register(struct netdev *nd)
{
	if (ndevs == NETDEV_MAX)
		return -ENOSPC;
	nd->rx_lock.locked = 0;
	nd->rx_kicks = 0;
	devs[ndevs] = nd;
	__atomic_store_n(&ndevs, ndevs + 1, __ATOMIC_RELEASE);
	return 0;
}

int netdev_count(void) { return __atomic_load_n(&ndevs, __ATOMIC_ACQUIRE); }
struct netdev *netdev_get(int i) { return i >= 0 && i < netdev_count() ? devs[i] : NULL; }
const char *netdev_name(const struct netdev *nd) { return nd->name; }
const uint8_t *netdev_mac(const struct netdev *nd) { return nd->mac; }
unsigned netdev_mtu(const struct netdev *nd) { return nd->mtu; }
uint32_t netdev_features(const struct netdev *nd) { return nd->features; }
bool netdev_link_up(const struct netdev *nd) { return nd->link_up; }
int netdev_cpu(const struct netdev *nd) { return nd->cpu; }

int netdev_xmit(struct netdev *nd, const struct netdev_seg *segs, int nseg,
		const struct netdev_csum *csum)
{
	return nd->ops->xmit(nd, segs, nseg, csum);
}

int netdev_rx(struct netdev *nd, void *buf, size_t cap, unsigned *flags)
{
	*flags = 0;
	return nd->ops->rx(nd, buf, cap, flags);
}

void netdev_rx_wait(struct netdev *nd, uint64_t until)
{
	spin_lock(&nd->rx_lock);
	while (nd->rx_kicks == 0)
		if (kwait((const void *)&nd->rx_kicks, &nd->rx_lock, until) == -ETIMEDOUT)
			break;
	nd->rx_kicks = 0;
	spin_unlock(&nd->rx_lock);
}

bool netdev_tx_done(struct netdev *nd)
{
	return !nd->ops->tx_done || nd->ops->tx_done(nd);
}

void netdev_rx_ready(struct netdev *nd)
{
	spin_lock(&nd->rx_lock);
	nd->rx_kicks++;
	kwake((const void *)&nd->rx_kicks, 1);
	spin_unlock(&nd->rx_lock);
}

void netdev_link_changed(struct netdev *nd, bool up)
{
	if (nd->link_up != up)
		kprintf("toro: %s link %s\n", nd->name, up ? "up" : "down");
	nd->link_up = up;
	netdev_rx_ready(nd); /* let the stack notice */
}
