/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for net/netcfg.c: IPv4 addresses and prefixes as the command
 * line gives them (toro.ip=A.B.C.D/N, toro.gw=, toro.dns=), what a bad value
 * means (DHCP, or ignored for toro.dns) and that it is said on the console.
 */
#include "net_impl.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <k/errno.h>

/* ---- console: kept for the tests to read (no host_stubs.c) ---- */

static char console[4096];

int kprintf(const char *fmt, ...)
{
	va_list ap;
	size_t used = strlen(console);
	va_start(ap, fmt);
	int n = vsnprintf(console + used, sizeof(console) - used, fmt, ap);
	va_end(ap);
	return n;
}

void panic(const char *fmt, ...)
{
	abort();
}

static int setup(void **state)
{
	console[0] = '\0';
	return 0;
}

static void parse_line(struct net_config *cfg, char *buf, const char *text)
{
	struct cmdline cl;
	strcpy(buf, text);
	assert_int_equal(cmdline_parse(&cl, buf), 0);
	net_config_parse(&cl, cfg);
}

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static void test_parse_ipv4(void **state)
{
	uint32_t a;
	assert_int_equal(net_parse_ipv4("10.0.2.15", &a), 0);
	assert_int_equal(a, IP(10, 0, 2, 15));
	assert_int_equal(net_parse_ipv4("255.255.255.255", &a), 0);
	assert_int_equal(a, 0xffffffffu);
	assert_int_equal(net_parse_ipv4("0.0.0.0", &a), 0);
	assert_int_equal(a, 0);
	assert_int_equal(net_parse_ipv4("010.000.002.015", &a), 0); /* decimal, not octal */
	assert_int_equal(a, IP(10, 0, 2, 15));
	const char *bad[] = { "", "10", "10.0.2", "10.0.2.15.1", "10.0.2.256", "10.0.2.1000",
			      "10.0.2.0015", "10..2.15", ".10.0.2.15", "10.0.2.15.", "10.0.2.x",
			      "10.0.2.15 ", " 10.0.2.15", "-1.0.0.0", "10.0.2.15/24", "0x0a.0.2.15" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a = 12345;
		assert_int_equal(net_parse_ipv4(bad[i], &a), -EINVAL);
		assert_int_equal(a, 12345); /* untouched on error */
	}
	assert_int_equal(net_parse_ipv4(NULL, &a), -EINVAL);
}

static void test_parse_cidr(void **state)
{
	uint32_t a;
	int p;
	assert_int_equal(net_parse_cidr("10.0.2.15/24", &a, &p), 0);
	assert_int_equal(a, IP(10, 0, 2, 15));
	assert_int_equal(p, 24);
	assert_int_equal(net_parse_cidr("192.168.1.1/0", &a, &p), 0);
	assert_int_equal(p, 0);
	assert_int_equal(net_parse_cidr("192.168.1.1/32", &a, &p), 0);
	assert_int_equal(p, 32);
	const char *bad[] = { "10.0.2.15", "10.0.2.15/", "10.0.2.15/33", "10.0.2.15/240",
			      "10.0.2.15/2x", "10.0.2.15/-1", "10.0.2/24", "/24", "10.0.2.15/24/1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(net_parse_cidr(bad[i], &a, &p), -EINVAL);
}

static void test_mask_prefix_and_format(void **state)
{
	char buf[16];
	assert_int_equal(net_mask_prefix(0xffffff00u), 24);
	assert_int_equal(net_mask_prefix(0), 0);
	assert_int_equal(net_mask_prefix(0xffffffffu), 32);
	assert_int_equal(net_mask_prefix(0x80000000u), 1);
	assert_int_equal(net_mask_prefix(0xff00ff00u), -1);
	assert_int_equal(net_mask_prefix(0x000000ffu), -1);
	net_format_ipv4(buf, IP(255, 255, 255, 255));
	assert_string_equal(buf, "255.255.255.255");
	net_format_ipv4(buf, IP(10, 0, 2, 15));
	assert_string_equal(buf, "10.0.2.15");
}

static void test_static_config(void **state)
{
	struct net_config cfg;
	char buf[256];
	parse_line(&cfg, buf, "toro.ip=10.0.2.20/24 toro.gw=10.0.2.2 toro.dns=10.0.2.3,1.1.1.1 -- x");
	assert_true(cfg.static_ip);
	assert_int_equal(cfg.ip, IP(10, 0, 2, 20));
	assert_int_equal(cfg.mask, IP(255, 255, 255, 0));
	assert_int_equal(cfg.gw, IP(10, 0, 2, 2));
	assert_int_equal(cfg.ndns, 2);
	assert_int_equal(cfg.dns[0], IP(10, 0, 2, 3));
	assert_int_equal(cfg.dns[1], IP(1, 1, 1, 1));
	assert_string_equal(console, "");

	parse_line(&cfg, buf, "toro.ip=192.168.7.9/16");
	assert_true(cfg.static_ip);
	assert_int_equal(cfg.mask, IP(255, 255, 0, 0));
	assert_int_equal(cfg.gw, 0);
	assert_int_equal(cfg.ndns, 0);
	parse_line(&cfg, buf, "toro.ip=192.168.7.9/0");
	assert_int_equal(cfg.mask, 0);
	parse_line(&cfg, buf, "toro.ip=192.168.7.9/32");
	assert_int_equal(cfg.mask, 0xffffffffu);
	assert_string_equal(console, "");
}

static void test_nothing_given_is_dhcp(void **state)
{
	struct net_config cfg;
	char buf[64];
	parse_line(&cfg, buf, "toro.debug -- a b");
	assert_false(cfg.static_ip);
	assert_int_equal(cfg.ndns, 0);
	assert_string_equal(console, "");
}

static void test_bad_ip_means_dhcp(void **state)
{
	struct net_config cfg;
	char buf[128];
	const char *lines[] = { "toro.ip=10.0.2.300/24", "toro.ip=10.0.2.15", "toro.ip=",
				"toro.ip", "toro.ip=0.0.0.0/8", "toro.ip=10.0.2.15/24x" };
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		console[0] = '\0';
		parse_line(&cfg, buf, lines[i]);
		assert_false(cfg.static_ip);
		assert_non_null(strstr(console, "(A.B.C.D/N): using DHCP"));
		assert_non_null(strstr(console, lines[i]));
	}
}

static void test_bad_gw_means_dhcp(void **state)
{
	struct net_config cfg;
	char buf[128];
	parse_line(&cfg, buf, "toro.ip=10.0.2.20/24 toro.gw=10.0.2");
	assert_false(cfg.static_ip);
	assert_int_equal(cfg.ip, 0);
	assert_non_null(strstr(console, "toro.gw=10.0.2 is not an address (A.B.C.D): using DHCP"));
	console[0] = '\0';
	parse_line(&cfg, buf, "toro.gw=10.0.2.2");
	assert_false(cfg.static_ip);
	assert_non_null(strstr(console, "toro.gw=10.0.2.2 needs toro.ip"));
}

static void test_bad_dns_is_ignored(void **state)
{
	struct net_config cfg;
	char buf[128];
	const char *lines[] = { "toro.ip=10.0.2.20/24 toro.dns=10.0.2", "toro.ip=10.0.2.20/24 toro.dns=",
				"toro.ip=10.0.2.20/24 toro.dns=1.1.1.1,", "toro.ip=10.0.2.20/24 toro.dns=,1.1.1.1",
				"toro.ip=10.0.2.20/24 toro.dns=1.1.1.1,,8.8.8.8",
				"toro.ip=10.0.2.20/24 toro.dns=1.1.1.1,8.8.8.8,9.9.9.9",
				"toro.ip=10.0.2.20/24 toro.dns=1.1.1.1111111111111111" };
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		console[0] = '\0';
		parse_line(&cfg, buf, lines[i]);
		assert_true(cfg.static_ip); /* the address still holds */
		assert_int_equal(cfg.ndns, 0);
		assert_non_null(strstr(console, "): ignored"));
	}
	console[0] = '\0';
	parse_line(&cfg, buf, "toro.dns=9.9.9.9"); /* with DHCP */
	assert_false(cfg.static_ip);
	assert_int_equal(cfg.ndns, 1);
	assert_int_equal(cfg.dns[0], IP(9, 9, 9, 9));
	assert_string_equal(console, "");
}

static void test_last_option_wins(void **state)
{
	struct net_config cfg;
	char buf[128];
	parse_line(&cfg, buf, "toro.ip=bad toro.ip=10.1.2.3/8");
	assert_true(cfg.static_ip);
	assert_int_equal(cfg.ip, IP(10, 1, 2, 3));
	assert_int_equal(cfg.mask, IP(255, 0, 0, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_parse_ipv4, setup),
		cmocka_unit_test_setup(test_parse_cidr, setup),
		cmocka_unit_test_setup(test_mask_prefix_and_format, setup),
		cmocka_unit_test_setup(test_static_config, setup),
		cmocka_unit_test_setup(test_nothing_given_is_dhcp, setup),
		cmocka_unit_test_setup(test_bad_ip_means_dhcp, setup),
		cmocka_unit_test_setup(test_bad_gw_means_dhcp, setup),
		cmocka_unit_test_setup(test_bad_dns_is_ignored, setup),
		cmocka_unit_test_setup(test_last_option_wins, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
