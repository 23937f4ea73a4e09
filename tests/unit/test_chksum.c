/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for net/chksum.c (the plain Internet checksum sum lwIP uses):
 * against a byte-pair reference (RFC 1071's definition) for every start
 * offset 0..7 and every length 0..600, on random and on all-0xff data (the
 * carries), and a known IPv4 header.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

unsigned short net_chksum(const void *data, int len);

/* The sum of the big-endian 16-bit words, the last odd byte padded with a
 * zero, folded; returned in memory order as lwIP wants it. */
static unsigned short ref_sum(const unsigned char *p, int len)
{
	uint32_t s = 0;
	for (int i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	unsigned char be[2] = { (unsigned char)(s >> 8), (unsigned char)s };
	unsigned short r;
	memcpy(&r, be, 2);
	return r;
}

static void check_all(unsigned char *buf, size_t size)
{
	for (int off = 0; off < 8; off++)
		for (int len = 0; off + len <= (int)size && len <= 600; len++)
			assert_int_equal(net_chksum(buf + off, len), ref_sum(buf + off, len));
}

static void test_random_data(void **state)
{
	static unsigned char buf[640];
	srand(11);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)rand();
	check_all(buf, sizeof(buf));
}

static void test_all_ones(void **state)
{
	static unsigned char buf[640];
	memset(buf, 0xff, sizeof(buf));
	check_all(buf, sizeof(buf));
}

/* An IPv4 header whose checksum field holds its checksum sums to 0xffff. */
static void test_ipv4_header(void **state)
{
	const unsigned char h[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
				      0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
	assert_int_equal(net_chksum(h, 20), 0xffff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_data),
		cmocka_unit_test(test_all_ones),
		cmocka_unit_test(test_ipv4_header),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
