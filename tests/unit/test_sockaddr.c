/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for net/sockaddr.c: sockaddr_in from the program (lengths,
 * families, byte order) and back, and lwIP's err_t as errno.
 */
#include "socket_impl.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <k/errno.h>

static void test_parse(void **state)
{
	uint8_t sa[16] = { 2, 0, 0x1f, 0x90, 10, 0, 2, 15 };
	int fam;
	uint32_t a;
	uint16_t p;
	assert_int_equal(net_sockaddr_parse(sa, 16, &fam, &a, &p), 0);
	assert_int_equal(fam, 2);
	assert_int_equal(a, 0x0a00020f);
	assert_int_equal(p, 8080);
	assert_int_equal(net_sockaddr_parse(sa, 15, &fam, &a, &p), -EINVAL);
	assert_int_equal(net_sockaddr_parse(sa, 1, &fam, &a, &p), -EINVAL);
	assert_int_equal(net_sockaddr_parse(sa, 128, &fam, &a, &p), 0); /* longer is fine */
	sa[0] = 10; /* AF_INET6 */
	assert_int_equal(net_sockaddr_parse(sa, 28, &fam, &a, &p), -EAFNOSUPPORT);
	sa[0] = 0; /* AF_UNSPEC: disconnect, any length from 2 */
	assert_int_equal(net_sockaddr_parse(sa, 2, &fam, &a, &p), 0);
	assert_int_equal(fam, 0);
	assert_int_equal(a, 0);
	assert_int_equal(p, 0);
	sa[1] = 1; /* family 256 */
	assert_int_equal(net_sockaddr_parse(sa, 16, &fam, &a, &p), -EAFNOSUPPORT);
}

static void test_format(void **state)
{
	uint8_t sa[16];
	memset(sa, 0xee, sizeof(sa));
	net_sockaddr_format(sa, 0x7f000001, 443);
	const uint8_t want[16] = { 2, 0, 1, 187, 127, 0, 0, 1 };
	assert_memory_equal(sa, want, 16);
	int fam;
	uint32_t a;
	uint16_t p;
	assert_int_equal(net_sockaddr_parse(sa, 16, &fam, &a, &p), 0);
	assert_int_equal(a, 0x7f000001);
	assert_int_equal(p, 443);
}

static void test_errno(void **state)
{
	assert_int_equal(net_err_errno(0), 0);
	assert_int_equal(net_err_errno(-1), -ENOMEM);
	assert_int_equal(net_err_errno(-4), -ENETUNREACH);
	assert_int_equal(net_err_errno(-5), -EINPROGRESS);
	assert_int_equal(net_err_errno(-7), -EAGAIN);
	assert_int_equal(net_err_errno(-8), -EADDRINUSE);
	assert_int_equal(net_err_errno(-10), -EISCONN);
	assert_int_equal(net_err_errno(-11), -ENOTCONN);
	assert_int_equal(net_err_errno(-13), -ECONNABORTED);
	assert_int_equal(net_err_errno(-14), -ECONNRESET);
	assert_int_equal(net_err_errno(-99), -EIO);
	for (int e = -16; e < 0; e++)
		assert_true(net_err_errno(e) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_errno),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
