/* SPDX-License-Identifier: MIT */
/*
 * Network configuration from the kernel command line: toro.ip=A.B.C.D/N,
 * toro.gw=A.B.C.D, toro.dns=A.B.C.D[,A.B.C.D]. Without toro.ip the first
 * device asks DHCP. Portable: tested on the host (tests/unit/test_netcfg.c).
 */
#include <k/cmdline.h>
#include <k/console.h>
#include <k/errno.h>
#include <k/fmt.h>

#include "net_impl.h"

/* One decimal part 0-255 of at most 3 digits; *s is left after it. */
static int parse_octet(const char **s, uint32_t *v)
{
	const char *p = *s;
	uint32_t n = 0;
	int digits = 0;
	while (*p >= '0' && *p <= '9' && digits < 4) {
		n = n * 10 + (uint32_t)(*p - '0');
		p++;
		digits++;
	}
	if (digits == 0 || digits > 3 || n > 255)
		return -EINVAL;
	*v = n;
	*s = p;
	return 0;
}

/* Parse "A.B.C.D" at *s, leaving *s after it. */
static int parse_addr(const char **s, uint32_t *addr)
{
	uint32_t a = 0, v;
	for (int i = 0; i < 4; i++) {
		if (i > 0 && *(*s)++ != '.')
			return -EINVAL;
		if (parse_octet(s, &v))
			return -EINVAL;
		a = a << 8 | v;
	}
	*addr = a;
	return 0;
}

int net_parse_ipv4(const char *s, uint32_t *addr)
{
	uint32_t a;
	if (!s || parse_addr(&s, &a) || *s != '\0')
		return -EINVAL;
	*addr = a;
	return 0;
}

int net_parse_cidr(const char *s, uint32_t *addr, int *prefix)
{
	uint32_t a, n = 0;
	int digits = 0;
	if (!s || parse_addr(&s, &a) || *s++ != '/')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9' && digits < 3; s++, digits++)
		n = n * 10 + (uint32_t)(*s - '0');
	if (digits == 0 || *s != '\0' || n > 32)
		return -EINVAL;
	*addr = a;
	*prefix = (int)n;
	return 0;
}

int net_mask_prefix(uint32_t mask)
{
	int n = 0;
	while (n < 32 && (mask & (0x80000000u >> n)))
		n++;
	if (n < 32 && (mask << n) != 0)
		return -1;
	return n;
}

void net_format_ipv4(char *buf, uint32_t a)
{
	fmt_snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

static void parse_dns(const char *v, struct net_config *cfg)
{
	char part[16];
	uint32_t addr[NET_MAX_DNS];
	int n = 0;
	const char *p = v;
	while (*p) {
		size_t len = 0;
		while (p[len] && p[len] != ',')
			len++;
		if (n == NET_MAX_DNS || len == 0 || len >= sizeof(part))
			goto bad;
		for (size_t i = 0; i < len; i++)
			part[i] = p[i];
		part[len] = '\0';
		if (net_parse_ipv4(part, &addr[n]))
			goto bad;
		n++;
		p += len;
		if (*p == ',' && *++p == '\0')
			goto bad;
	}
	if (n == 0)
		goto bad;
	for (int i = 0; i < n; i++)
		cfg->dns[i] = addr[i];
	cfg->ndns = n;
	return;
bad:
	kprintf("toro: toro.dns=%s is not one or two addresses (A.B.C.D[,A.B.C.D]): ignored\n", v);
}

void net_config_parse(const struct cmdline *cl, struct net_config *cfg)
{
	const char *ip = cmdline_opt(cl, "toro.ip");
	const char *gw = cmdline_opt(cl, "toro.gw");
	const char *dns = cmdline_opt(cl, "toro.dns");
	int prefix;

	*cfg = (struct net_config){ 0 };
	if (dns)
		parse_dns(dns, cfg);
	if (!ip) {
		if (gw)
			kprintf("toro: toro.gw=%s needs toro.ip: ignored, using DHCP\n", gw);
		return;
	}
	if (net_parse_cidr(ip, &cfg->ip, &prefix) || cfg->ip == 0) {
		kprintf("toro: toro.ip=%s is not an address with a prefix length "
			"(A.B.C.D/N): using DHCP\n", ip);
		return;
	}
	if (gw && net_parse_ipv4(gw, &cfg->gw)) {
		kprintf("toro: toro.gw=%s is not an address (A.B.C.D): using DHCP\n", gw);
		cfg->ip = cfg->gw = 0;
		return;
	}
	cfg->mask = prefix ? ~0u << (32 - prefix) : 0;
	cfg->static_ip = true;
}
