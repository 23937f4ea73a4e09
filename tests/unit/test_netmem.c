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

#include "lwip/timeouts.h"

extern size_t net_host_total_pages;
void *net_mem_malloc(size_t size);
void *net_mem_calloc(size_t count, size_t size);
void net_mem_free(void *p);
size_t net_mem_used(void);

#define CAP (16 * 4096 / 2)
#define TIMER_SIZE LWIP_MEM_ALIGN_SIZE(sizeof(struct sys_timeo))

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
	/* Full: small blocks come from the reserve, all but 8 of its 32 slots,
	 * blocks of a timer's size (lwIP cannot do without) the rest. */
	void *small[32], *timers[9];
	int ns = 0, nt = 0;
	while (ns < 32 && (small[ns] = net_mem_malloc(1)) != NULL)
		ns++;
	assert_int_equal(ns, 24);
	while (nt < 9 && (timers[nt] = net_mem_malloc(TIMER_SIZE)) != NULL)
		nt++;
	assert_int_equal(nt, 8);
	assert_null(net_mem_malloc(100)); /* too big for a reserve block */
	assert_int_equal(net_mem_used(), CAP); /* the reserve is not charged */
	for (int i = 0; i < ns; i++)
		net_mem_free(small[i]);
	for (int i = 0; i < nt; i++)
		net_mem_free(timers[i]);
	assert_non_null(small[0] = net_mem_malloc(1)); /* slots come back */
	net_mem_free(small[0]);
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
