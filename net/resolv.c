/* SPDX-License-Identifier: MIT */
/*
 * What musl's resolver reads, for getaddrinfo: /etc/resolv.conf from the DNS
 * servers lwIP has (toro.dns= or DHCP) and /etc/hosts with localhost plus
 * toro.hosts=NAME:A.B.C.D[,NAME:A.B.C.D...] from the command line.
 */
#include <k/cmdline.h>
#include <k/console.h>
#include <k/etcfs.h>
#include <k/fmt.h>
#include <k/string.h>

#include "lwip/dns.h"
#include "lwip/tcpip.h"

#include "net_impl.h"

#define HOSTS_MAX 1024
#define NAME_MAX_LEN 63

static char hosts[HOSTS_MAX];
static size_t hosts_len;

static size_t put(char *buf, size_t n, size_t at, const char *s)
{
	size_t len = strlen(s);
	if (at + len > n)
		return at;
	memcpy(buf + at, s, len);
	return at + len;
}

static size_t gen_resolv(char *buf, size_t n)
{
	size_t at = 0;
	char line[40], a[16];
	LOCK_TCPIP_CORE();
	for (u8_t i = 0; i < DNS_MAX_SERVERS; i++) {
		const ip_addr_t *s = dns_getserver(i);
		if (ip_addr_isany(s))
			continue;
		net_format_ipv4(a, lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(s))));
		fmt_snprintf(line, sizeof(line), "nameserver %s\n", a);
		at = put(buf, n, at, line);
	}
	UNLOCK_TCPIP_CORE();
	return at;
}

static size_t gen_hosts(char *buf, size_t n)
{
	size_t at = put(buf, n, 0, "127.0.0.1\tlocalhost\n::1\tlocalhost\n");
	size_t c = hosts_len < n - at ? hosts_len : n - at;
	memcpy(buf + at, hosts, c);
	return at + c;
}

static bool name_ok(const char *s, size_t len)
{
	if (len == 0 || len > NAME_MAX_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.'))
			return false;
	}
	return true;
}

/* One NAME:A.B.C.D entry (not NUL-terminated) into the hosts text. */
static void add_host(const char *e, size_t len)
{
	char name[NAME_MAX_LEN + 1], ip[16], line[96];
	const char *colon = NULL;
	for (size_t i = 0; i < len && !colon; i++)
		if (e[i] == ':')
			colon = e + i;
	uint32_t addr;
	size_t nl = colon ? (size_t)(colon - e) : 0, il = colon ? len - nl - 1 : 0;
	if (!colon || !name_ok(e, nl) || il == 0 || il > 15) {
		kprintf("toro: toro.hosts: '%.*s' is not NAME:A.B.C.D, ignored\n", (int)len, e);
		return;
	}
	memcpy(name, e, nl);
	name[nl] = 0;
	memcpy(ip, colon + 1, il);
	ip[il] = 0;
	if (net_parse_ipv4(ip, &addr)) {
		kprintf("toro: toro.hosts: '%s' is not an IPv4 address, ignored\n", ip);
		return;
	}
	net_format_ipv4(ip, addr);
	fmt_snprintf(line, sizeof(line), "%s\t%s\n", ip, name);
	if (hosts_len + strlen(line) > HOSTS_MAX) {
		kprintf("toro: toro.hosts: too many names, '%s' ignored\n", name);
		return;
	}
	memcpy(hosts + hosts_len, line, strlen(line));
	hosts_len += strlen(line);
}

void net_resolv_init(const struct cmdline *cl)
{
	int pos = 0;
	const char *v;
	while ((v = cmdline_next_opt(cl, "toro.hosts", &pos))) {
		while (*v) {
			const char *end = strchr(v, ',');
			size_t len = end ? (size_t)(end - v) : strlen(v);
			if (len)
				add_host(v, len);
			v += len + (end ? 1 : 0);
		}
	}
	etcfs_set("/etc/resolv.conf", gen_resolv);
	etcfs_set("/etc/hosts", gen_hosts);
}
