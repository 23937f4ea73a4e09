/* SPDX-License-Identifier: MIT */
/*
 * The network stack (net/, lwIP): the net component (net/component.c), which
 * toro-cc links into programs that use sockets (tools/components.tab).
 */
#ifndef K_NET_H
#define K_NET_H

struct cmdline;

/* Start lwIP with one interface per netdev, configure them from toro.ip=,
 * toro.gw=, toro.dns= or by DHCP, and wait a bounded time for addresses.
 * Called once from kmain, in the boot context, before the program starts.
 * Without a network device it says so and returns. */
void net_init(const struct cmdline *cl);

#endif
