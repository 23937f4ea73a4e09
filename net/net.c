/* SPDX-License-Identifier: MIT */
/*
 * Network start-up: lwIP's tcpip thread, one netif per netdev, addresses from
 * the command line (toro.ip=, toro.gw=, toro.dns=) or DHCP, and a bounded wait
 * for them so the program starts with its network up. Try it:
 *   bin/toro run --net user app.elf            (DHCP: 10.0.2.15/24)
 *   bin/toro run --net user app.elf -- toro.ip=10.0.2.20/24 toro.gw=10.0.2.2
 * Debug: toro.net.ping=A.B.C.D sends a few ICMP echo requests once the
 * addresses are up and prints each round trip (docs/network.md).
 */
#include <k/arch.h>
#include <k/bootstats.h>
#include <k/cmdline.h>
#include <k/console.h>
#include <k/errno.h>
#include <k/kstats.h>
#include <k/net.h>
#include <k/netdev.h>
#include <k/sched.h>
#include <k/string.h>
#include <k/time.h>
#include <k/wait.h>

#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/etharp.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/prot/icmp.h"
#include "lwip/prot/ip4.h"
#include "lwip/raw.h"
#include "lwip/tcpip.h"

#include "net_impl.h"
#include "netif_impl.h"

#define ADDRESS_WAIT_NS (5 * NSEC_PER_SEC)
#define PING_COUNT 3
#define PING_WAIT_NS NSEC_PER_SEC
#define PING_ID 0x746f /* "to" */
#define PING_DATA 32

static struct net_config cfg;
static struct net_if ifs[NETDEV_MAX];
static uint32_t shown[NETDEV_MAX];   /* address last printed, per interface */
static int nifs;
static struct ksem addr_sem;         /* up: some interface's address changed */
static bool booted;                  /* the start-up summary has been printed */
static volatile bool started;        /* net_start has finished */
static bool core_checks;             /* the tcpip thread runs: check the core lock */
static uint32_t ping_to;             /* toro.net.ping=, 0 none */
bool net_announce_listen;
static struct ksem ping_sem;         /* up: an echo reply came */
static volatile uint16_t ping_seq;   /* the sequence number of the last reply */

void net_assert_core_locked(void)
{
	/* net_mutex_held's test, written out: lwIP asks about a dozen times
	 * per request. */
	if (core_checks && !(lock_tcpip_core.held && lock_tcpip_core.owner == thread_current()))
		panic("lwIP called without the core lock");
}

int net_atoi(const char *s)
{
	int n = 0;
	while (*s >= '0' && *s <= '9')
		n = n * 10 + (*s++ - '0');
	return n;
}

static ip4_addr_t addr_of(uint32_t a)
{
	ip4_addr_t ip;
	ip4_addr_set_u32(&ip, lwip_htonl(a));
	return ip;
}

static uint32_t host_order(const ip4_addr_t *ip)
{
	return lwip_ntohl(ip4_addr_get_u32(ip));
}

static void apply_dns(void)
{
	for (int i = 0; i < cfg.ndns; i++) {
		ip_addr_t a;
		ip_addr_copy_from_ip4(a, addr_of(cfg.dns[i]));
		dns_setserver((u8_t)i, &a);
	}
}

/* `toro: eth0 10.0.2.15/24 gw 10.0.2.2 dns 10.0.2.3`. Core lock held. */
static void report(struct net_if *ni, int i)
{
	struct netif *nif = &ni->nif;
	uint32_t ip = host_order(netif_ip4_addr(nif));
	char a[16], g[16], d[16];
	if (ip == shown[i])
		return;
	shown[i] = ip;
	if (!ip) {
		kprintf("toro: %s has no address\n", netdev_name(ni->nd));
		return;
	}
	net_format_ipv4(a, ip);
	net_format_ipv4(g, host_order(netif_ip4_gw(nif)));
	const ip_addr_t *dns = dns_getserver(0);
	net_format_ipv4(d, ip_addr_isany(dns) ? 0 : host_order(ip_2_ip4(dns)));
	kprintf("toro: %s %s/%d%s%s%s%s\n", netdev_name(ni->nd), a,
		net_mask_prefix(host_order(netif_ip4_netmask(nif))),
		ip4_addr_isany(netif_ip4_gw(nif)) ? "" : " gw ", ip4_addr_isany(netif_ip4_gw(nif)) ? "" : g,
		ip_addr_isany(dns) ? "" : " dns ", ip_addr_isany(dns) ? "" : d);
}

/* lwIP's status callback (core lock held): the address or up state changed. */
static void status_changed(struct netif *nif)
{
	struct net_if *ni = nif->state;
	if (cfg.ndns && !ip4_addr_isany(netif_ip4_addr(nif)))
		apply_dns(); /* toro.dns= wins over the servers DHCP named */
	/* Ask for the gateway's address now: the first connection would
	 * otherwise wait for it (every reply goes through the gateway). */
	if (!ip4_addr_isany(netif_ip4_addr(nif)) && !ip4_addr_isany(netif_ip4_gw(nif)) &&
	    netif_is_up(nif) && netif_is_link_up(nif))
		etharp_request(nif, netif_ip4_gw(nif));
	if (booted)
		report(ni, (int)(ni - ifs));
	ksem_up(&addr_sem);
}

static int addressed(void)
{
	int n = 0;
	for (int i = 0; i < nifs; i++)
		n += !ip4_addr_isany(netif_ip4_addr(&ifs[i].nif));
	return n;
}

/* The receiver runs on the device's core when that core is up; at start-up
 * only the boot core is. */
static int rx_cpu(struct netdev *nd)
{
	int cpu = netdev_cpu(nd);
	return cpu > 0 && cpu < MAX_CPUS && cpus[cpu].online ? cpu : 0;
}

/* Bring up one interface (core lock held). eth0 takes the static address. */
static int add_if(int i)
{
	struct net_if *ni = &ifs[i];
	struct netdev *nd = netdev_get(i);
	bool fixed = i == 0 && cfg.static_ip;
	ip4_addr_t ip = addr_of(fixed ? cfg.ip : 0), mask = addr_of(fixed ? cfg.mask : 0),
		   gw = addr_of(fixed ? cfg.gw : 0);
	int r = net_if_add(ni, nd, &ip, &mask, &gw);
	if (r)
		return r;
	netif_set_status_callback(&ni->nif, status_changed);
	netif_set_up(&ni->nif);
	if (!fixed && dhcp_start(&ni->nif) != ERR_OK)
		kprintf("toro: %s: cannot start DHCP\n", netdev_name(nd));
	return 0;
}

static void tcpip_ready(void *arg)
{
	core_checks = true;
}

/* ---- toro.net.ping: a start-up check of the path to a host ---- */

/* lwIP's raw input (receiver thread, core lock held): our echo replies are
 * taken, everything else goes on to lwIP's own ICMP. */
static u8_t ping_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *from)
{
	uint8_t h[60 + sizeof(struct icmp_echo_hdr)];
	u16_t n = pbuf_copy_partial(p, h, sizeof(h), 0);
	unsigned hl = IPH_HL_BYTES((struct ip_hdr *)h);
	struct icmp_echo_hdr e;

	if (n < 20 || hl < 20 || n < hl + sizeof(e) || host_order(ip_2_ip4(from)) != ping_to)
		return 0;
	memcpy(&e, h + hl, sizeof(e));
	if (e.type != ICMP_ER || e.id != lwip_htons(PING_ID))
		return 0;
	ping_seq = lwip_ntohs(e.seqno);
	ksem_up(&ping_sem);
	pbuf_free(p);
	return 1;
}

static err_t ping_send(struct raw_pcb *pcb, uint16_t seq)
{
	struct pbuf *p = pbuf_alloc(PBUF_IP, sizeof(struct icmp_echo_hdr) + PING_DATA, PBUF_RAM);
	ip_addr_t to;
	err_t err;

	if (!p)
		return ERR_MEM;
	struct icmp_echo_hdr *e = p->payload;
	ICMPH_TYPE_SET(e, ICMP_ECHO);
	ICMPH_CODE_SET(e, 0);
	e->id = lwip_htons(PING_ID);
	e->seqno = lwip_htons(seq);
	for (int i = 0; i < PING_DATA; i++)
		((uint8_t *)(e + 1))[i] = (uint8_t)i;
	e->chksum = 0;
	e->chksum = inet_chksum(e, p->len);
	ip_addr_copy_from_ip4(to, addr_of(ping_to));
	err = raw_sendto(pcb, p, &to);
	pbuf_free(p);
	return err;
}

/* One line per request: `toro: ping 10.0.2.2 ok 0.412 ms`, or no answer. */
static void ping_run(void)
{
	char a[16];
	struct raw_pcb *pcb;

	net_format_ipv4(a, ping_to);
	ksem_init(&ping_sem, 0);
	LOCK_TCPIP_CORE();
	pcb = raw_new(IP_PROTO_ICMP);
	if (pcb)
		raw_recv(pcb, ping_recv, NULL);
	UNLOCK_TCPIP_CORE();
	if (!pcb) {
		kprintf("toro: ping %s: no memory\n", a);
		return;
	}
	for (uint16_t seq = 1; seq <= PING_COUNT; seq++) {
		uint64_t t0 = time_monotonic_ns(), until = t0 + PING_WAIT_NS;
		LOCK_TCPIP_CORE();
		err_t err = ping_send(pcb, seq);
		UNLOCK_TCPIP_CORE();
		int r = err == ERR_OK ? 0 : -EIO;
		/* A late reply to an earlier request does not count for this one. */
		while (r == 0 && (r = ksem_down(&ping_sem, until)) == 0 && ping_seq != seq)
			;
		uint64_t us = (time_monotonic_ns() - t0) / 1000;
		if (r == 0)
			kprintf("toro: ping %s ok %llu.%03llu ms\n", a, (unsigned long long)us / 1000,
				(unsigned long long)us % 1000);
		else if (err != ERR_OK)
			kprintf("toro: ping %s: cannot send (lwIP error %d)\n", a, err);
		else
			kprintf("toro: ping %s: no answer in %llu ms\n", a, PING_WAIT_NS / 1000000);
	}
	LOCK_TCPIP_CORE();
	raw_remove(pcb);
	UNLOCK_TCPIP_CORE();
}

static void net_start(void *arg)
{
	int n = netdev_count();
	uint64_t until;

	ksem_init(&addr_sem, 0);
	tcpip_init(tcpip_ready, NULL);
	LOCK_TCPIP_CORE();
	for (int i = 0; i < n && i < NETDEV_MAX; i++) {
		if (add_if(i)) {
			kprintf("toro: %s: out of memory for the interface\n",
				netdev_name(netdev_get(i)));
			break;
		}
		nifs++;
	}
	if (nifs)
		netif_set_default(&ifs[0].nif);
	apply_dns();
	UNLOCK_TCPIP_CORE();
	bootstats_stamp("net: interfaces");
	for (int i = 0; i < nifs; i++)
		if (net_if_start(&ifs[i], rx_cpu(ifs[i].nd)))
			kprintf("toro: %s: no receiver thread\n", netdev_name(ifs[i].nd));

	/* With toro.ip the boot waits for nothing: eth0 has its address now, and
	 * other interfaces' DHCP goes on behind the program (their address is
	 * printed when it comes). Without it, a bounded wait for every lease. */
	int want = cfg.static_ip && nifs ? 1 : nifs;
	until = time_monotonic_ns() + ADDRESS_WAIT_NS;
	LOCK_TCPIP_CORE();
	while (addressed() < want) {
		UNLOCK_TCPIP_CORE();
		int r = ksem_down(&addr_sem, until);
		LOCK_TCPIP_CORE();
		if (r == -ETIMEDOUT)
			break;
	}
	for (int i = 0; i < nifs; i++) {
		if (ip4_addr_isany(netif_ip4_addr(&ifs[i].nif)) && want < nifs)
			continue; /* DHCP in the background: report() when it answers */
		if (ip4_addr_isany(netif_ip4_addr(&ifs[i].nif)))
			kprintf("toro: %s has no address after %llu s (DHCP goes on)\n",
				netdev_name(ifs[i].nd), ADDRESS_WAIT_NS / NSEC_PER_SEC);
		else
			report(&ifs[i], i);
	}
	booted = true;
	UNLOCK_TCPIP_CORE();
	bootstats_stamp("net: addresses");
	if (ping_to)
		ping_run();
	__atomic_store_n(&started, true, __ATOMIC_RELEASE);
}

/* The boot context is core 0's idle thread: it cannot block, and the threads
 * it starts run only when it gives them the core. So it runs the scheduler
 * itself, as the idle loop does, until net_start is done (net_start's wait is
 * bounded by its own timer). */
static void boot_run_until(volatile bool *done)
{
	struct cpu *c = this_cpu();
	while (!__atomic_load_n(done, __ATOMIC_ACQUIRE)) {
		schedule();
		if (!__atomic_load_n(done, __ATOMIC_ACQUIRE) && c->rq_len == 0 &&
		    mailbox_empty(&c->mbox))
			arch_wait_for_interrupt();
	}
}

bool net_running(void)
{
	return __atomic_load_n(&started, __ATOMIC_ACQUIRE);
}

void net_init(const struct cmdline *cl)
{
	/* Without a device the stack runs all the same: sockets work over the
	 * loopback interface (127.0.0.1) and every other address is unreachable. */
	if (netdev_count() == 0)
		kprintf("toro: no network device\n");
	net_config_parse(cl, &cfg);
	net_resolv_init(cl);
	net_drain_config(cl);
	net_announce_listen = cmdline_opt(cl, "toro.net.announce") != NULL;
	kstats_register(net_stats);
	const char *steer = cmdline_opt(cl, "toro.net.steer");
	net_steer_on = !steer || strcmp(steer, "0") != 0;
	const char *ping = cmdline_opt(cl, "toro.net.ping");
	if (ping && (net_parse_ipv4(ping, &ping_to) || ping_to == 0)) {
		kprintf("toro: toro.net.ping=%s is not an IPv4 address, ignored\n", ping);
		ping_to = 0;
	}
	/* lwIP's clock needs the TSC's frequency (0.5 ms of PIT counting under
	 * TCG): measured now, so that the first request does not wait for it. */
	time_tsc_hz(); /* its refinement starts with the program (kernel/main.c) */
	bootstats_stamp("net: TSC frequency");
	if (!kthread_create(net_start, NULL, 0)) {
		kprintf("toro: out of memory for the network start-up\n");
		return;
	}
	boot_run_until(&started);
}
