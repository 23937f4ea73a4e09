/* SPDX-License-Identifier: MIT */
/*
 * Private to net/: the configuration parsed from the command line
 * (net/netcfg.c, portable) and the glue between a netdev and an lwIP netif
 * (net/netif.c). Addresses here are host-order uint32_t (10.0.2.15 is
 * 0x0a00020f).
 */
#ifndef NET_IMPL_H
#define NET_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <k/cmdline.h>

#define NET_MAX_DNS 2

struct net_config {
	bool static_ip;          /* toro.ip given and valid: no DHCP on eth0 */
	uint32_t ip, mask, gw;   /* gw 0: none */
	int ndns;
	uint32_t dns[NET_MAX_DNS];
};

/* "A.B.C.D": four decimal numbers 0-255. 0 or -EINVAL. */
int net_parse_ipv4(const char *s, uint32_t *addr);
/* "A.B.C.D/N", N 0-32. 0 or -EINVAL. */
int net_parse_cidr(const char *s, uint32_t *addr, int *prefix);
/* toro.ip=A.B.C.D/N, toro.gw=A.B.C.D, toro.dns=A.B.C.D[,A.B.C.D]. A bad or
 * incomplete value is reported on the console; a bad toro.ip or toro.gw means
 * DHCP, a bad toro.dns is ignored. */
void net_config_parse(const struct cmdline *cl, struct net_config *cfg);
/* Prefix length of a contiguous mask (-1 when not contiguous). */
int net_mask_prefix(uint32_t mask);
/* "a.b.c.d" into buf (at least 16 bytes). */
void net_format_ipv4(char *buf, uint32_t addr);

/* The stats channel's words for the network (k/kstats.h): sockets alive
 * (net/socket.c) and the stack's memory (net/netmem.c). */
size_t net_stats(char *buf, size_t n);
size_t net_mem_used(void);

/* net/resolv.c: /etc/resolv.conf and /etc/hosts (toro.hosts=) for musl's
 * resolver. Before the program starts. */
void net_resolv_init(const struct cmdline *cl);

/* net/drain.c: the exit's wait for closed connections (docs/reliability.md).
 * toro.linger=SECONDS (0-3600, 5 by default) bounds it; a bad value is said on
 * the console and the default kept. */
void net_drain_config(const struct cmdline *cl);
/* toro.net.announce (net.c): every successful listen() prints
 * `toro: listening on tcp port N` on the console, the signal `toro serve`
 * waits for before it forwards a client (docs/deploy.md). */
extern bool net_announce_listen;
/* True once lwIP runs (net.c): the drain has nothing to do before. */
bool net_running(void);
struct net_drain_left {
	unsigned conns;          /* connections not fully closed */
	unsigned long long bytes;/* their bytes the peers have not acknowledged */
};
/* Count what the exit still waits for (core lock held). */
void net_drain_count(struct net_drain_left *left);
/* Reset every connection net_drain_count counts (core lock held). */
void net_drain_cut(void);
/* The exit hook: wait up to toro.linger for the connections still sending. */
void net_drain(int status);

#endif
