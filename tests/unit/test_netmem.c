/* SPDX-License-Identifier: MIT */
/*
 * net/netmem.c: lwIP's memory from the kernel heap, at most half of the
 * guest's memory. Here the guest has 16 pages (64 KiB), so the cap is 32 KiB.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

extern size_t net_host_total_pages;
void *net_mem_malloc(size_t size);
void *net_mem_calloc(size_t count, size_t size);
void net_mem_free(void *p);
size_t net_mem_used(void);

#define CAP (16 * 4096 / 2)

static void test_cap_refuses_then_frees(void **state)
{
	void *blocks[64];
	int n = 0;
	while (n < 64 && (blocks[n] = net_mem_malloc(1000)) != NULL) {
		memset(blocks[n], 0xab, 1000);
		n++;
	}
	/* 1,016 bytes charged each (16-byte header): 32 fit in 32 KiB. */
	assert_int_equal(n, CAP / 1016);
	assert_true(net_mem_used() <= CAP);
	assert_null(net_mem_malloc(1000));
	assert_non_null(blocks[n] = net_mem_malloc(CAP - net_mem_used() - 16)); /* exactly full */
	assert_int_equal(net_mem_used(), CAP);
	assert_null(net_mem_malloc(1));
	for (int i = 0; i <= n; i++)
		net_mem_free(blocks[i]);
	assert_int_equal(net_mem_used(), 0);
	net_mem_free(NULL);
	assert_int_equal(net_mem_used(), 0);
}

static void test_calloc_zeroes_and_overflow(void **state)
{
	unsigned char *p = net_mem_calloc(10, 100);
	assert_non_null(p);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(p[i], 0);
	net_mem_free(p);
	assert_null(net_mem_calloc((size_t)1 << 40, (size_t)1 << 40));
	assert_null(net_mem_malloc((size_t)-8)); /* size + header wraps */
	assert_int_equal(net_mem_used(), 0);
}

int main(void)
{
	net_host_total_pages = 16;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cap_refuses_then_frees),
		cmocka_unit_test(test_calloc_zeroes_and_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
