/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for kernel/pipe_ring.c: partial writes when full, reads across
 * the wrap, and a long random run against a reference FIFO.
 */
#include "../../kernel/pipe_impl.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void test_fill_and_drain(void **state)
{
	uint8_t buf[16], out[32];
	struct pipe_ring r;
	pipe_ring_init(&r, buf, sizeof(buf));
	assert_int_equal(pipe_ring_space(&r), 16);
	assert_int_equal(pipe_ring_write(&r, "0123456789abcdefXYZ", 19), 16);
	assert_int_equal(pipe_ring_space(&r), 0);
	assert_int_equal(pipe_ring_write(&r, "x", 1), 0);
	assert_int_equal(pipe_ring_read(&r, out, 10), 10);
	assert_memory_equal(out, "0123456789", 10);
	/* Wraps: 6 left at the end, 10 written around. */
	assert_int_equal(pipe_ring_write(&r, "ABCDEFGHIJ", 10), 10);
	assert_int_equal(pipe_ring_read(&r, out, 32), 16);
	assert_memory_equal(out, "abcdefABCDEFGHIJ", 16);
	assert_int_equal(pipe_ring_read(&r, out, 1), 0);
}

static void test_random(void **state)
{
	static uint8_t buf[64], ref[1 << 16], tmp[100];
	struct pipe_ring r;
	size_t head = 0, tail = 0;
	uint8_t next = 0;
	pipe_ring_init(&r, buf, sizeof(buf));
	srand(1);
	for (int i = 0; i < 20000; i++) {
		size_t n = (size_t)rand() % 100;
		if (rand() & 1) {
			for (size_t k = 0; k < n; k++)
				tmp[k] = next++;
			size_t w = pipe_ring_write(&r, tmp, n);
			assert_true(w <= n);
			for (size_t k = 0; k < w; k++)
				ref[(tail + k) & 0xffff] = tmp[k];
			tail += w;
			next = (uint8_t)(next - (n - w));
		} else {
			size_t got = pipe_ring_read(&r, tmp, n);
			assert_int_equal(got, n < tail - head ? n : tail - head);
			for (size_t k = 0; k < got; k++)
				assert_int_equal(tmp[k], ref[(head + k) & 0xffff]);
			head += got;
		}
		assert_int_equal(r.count, tail - head);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fill_and_drain),
		cmocka_unit_test(test_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
