/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for kernel/random.c: the ChaCha20 block function against the
 * RFC 8439 appendix A.1 vectors (the generator's nonce is zero, as in those
 * vectors), the 64-bit block counter, fast key erasure, seeding from the fake
 * arch_random64/arch_rdtsc below, and entropy mixing.
 */
#include <k/random.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <k/arch.h>

void random_set_key_for_test(const uint32_t key[8], uint64_t counter);

/* ---- fake CPU entropy sources ---- */

static bool hw_ok = true;
static uint64_t hw_next = 0x0123456789abcdefull;
static unsigned hw_calls, tsc_calls;
static uint64_t tsc = 1000;

bool arch_random64(uint64_t *out)
{
	hw_calls++;
	if (!hw_ok)
		return false;
	*out = hw_next;
	hw_next = hw_next * 6364136223846793005ull + 1442695040888963407ull;
	return true;
}

uint64_t arch_rdtsc(void)
{
	tsc_calls++;
	tsc += 37 + (tsc >> 3) % 11;
	return tsc;
}

/* ---- helpers ---- */

static void hex(uint8_t *out, const char *s)
{
	for (size_t i = 0; s[2 * i]; i++) {
		unsigned v;
		sscanf(s + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

/* Key words from 32 bytes, little endian as RFC 8439 2.3 reads them. */
static void key_from_bytes(uint32_t k[8], const uint8_t b[32])
{
	for (int i = 0; i < 8; i++)
		k[i] = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 |
		       (uint32_t)b[4 * i + 2] << 16 | (uint32_t)b[4 * i + 3] << 24;
}

static void set_key_bytes(const uint8_t b[32], uint64_t counter)
{
	uint32_t k[8];

	key_from_bytes(k, b);
	random_set_key_for_test(k, counter);
}

static const uint8_t zero_key[32];

/* RFC 8439 A.1 test vectors #1 and #2: all-zero key, blocks 0 and 1. */
static const char *const a1_block0 =
	"76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
	"da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586";
static const char *const a1_block1 =
	"9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed"
	"29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f";

/* ---- tests ---- */

/* Runs first: a random_fill before random_init seeds itself. */
static void test_self_seeding(void **state)
{
	uint8_t a[32] = { 0 }, zero[32] = { 0 };

	random_fill(a, sizeof(a));
	assert_true(hw_calls >= 4);
	assert_memory_not_equal(a, zero, sizeof(a));
}

static void test_rfc8439_vectors(void **state)
{
	static const struct {
		const char *key;
		uint64_t counter;
		const char *out;
	} v[] = {
		/* A.1 #3: key ends in 01, block 1 */
		{ "0000000000000000000000000000000000000000000000000000000000000001", 1,
		  "3aeb5224ecf849929b9d828db1ced4dd832025e8018b8160b82284f3c949aa5a"
		  "8eca00bbb4a73bdad192b5c42f73f2fd4e273644c8b36125a64addeb006c13a0" },
		/* A.1 #4: key 00 ff 00.., block 2 */
		{ "00ff000000000000000000000000000000000000000000000000000000000000", 2,
		  "72d54dfbf12ec44b362692df94137f328fea8da73990265ec1bbbea1ae9af0ca"
		  "13b25aa26cb4a648cb9b9d1be65b2c0924a66c54d545ec1b7374f4872e99f096" },
	};
	uint8_t key[32], want[64], got[64];

	set_key_bytes(zero_key, 0);
	random_fill(got, 64);
	hex(want, a1_block0);
	assert_memory_equal(got, want, 64);

	set_key_bytes(zero_key, 1);
	random_fill(got, 64);
	hex(want, a1_block1);
	assert_memory_equal(got, want, 64);

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		hex(key, v[i].key);
		hex(want, v[i].out);
		set_key_bytes(key, v[i].counter);
		random_fill(got, 64);
		assert_memory_equal(got, want, 64);
	}
}

/* Several blocks per request, a partial last block, and the block counter
 * carrying from word 12 into word 13 (values from an independent ChaCha20). */
static void test_counter_carry_and_partial(void **state)
{
	uint8_t key[32], want[128], got[100];

	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	hex(want, "1ce0deb8925fccea2d5587e850054559edcbbeb1a6c8e1c02c1e89abba08b01c"
		  "ad6048fe5ab5242ed6befbef6b4040fcb666a5f3858d942a912c4e8800301a42"
		  "d838fb09536e2e3a10e8f23f486273a69f42d8e640d781ede384793c34c32564"
		  "fc4361e5d5c5b620583b0528192f4c6109f23a0e14398ee6537cdcf2cd610ea2");
	set_key_bytes(key, 0xffffffffull);
	memset(got, 0xee, sizeof(got));
	random_fill(got, sizeof(got));
	assert_memory_equal(got, want, sizeof(got));

	/* a 1-byte request is the first byte of the block */
	set_key_bytes(key, 0xffffffffull);
	random_fill(got, 1);
	assert_int_equal(got[0], want[0]);
}

/* After every request the key is replaced by the first 32 bytes of the next
 * block, so the following request is not the plain continuation. */
static void test_fast_key_erasure(void **state)
{
	uint8_t first[64], second[64], again[64], block1[64];

	set_key_bytes(zero_key, 0);
	random_fill(first, 64);
	random_fill(second, 64);
	hex(block1, a1_block1);
	assert_memory_not_equal(second, block1, 64);

	/* The new key is exactly block 1's first 32 bytes; block 1 was used up
	 * by the rekey, so the second request came from block 2. */
	set_key_bytes(block1, 2);
	random_fill(again, 64);
	assert_memory_equal(again, second, 64);

	/* an empty request still rekeys */
	set_key_bytes(zero_key, 0);
	random_fill(first, 0);
	random_fill(second, 64);
	uint8_t block0[64];
	hex(block0, a1_block0);
	set_key_bytes(block0, 1);
	random_fill(again, 64);
	assert_memory_equal(again, second, 64);
}

static void test_outputs_differ(void **state)
{
	enum { N = 512 };
	static uint8_t out[N][16];

	random_init();
	for (int i = 0; i < N; i++)
		random_fill(out[i], sizeof(out[i]));
	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N; j++)
			assert_memory_not_equal(out[i], out[j], sizeof(out[i]));
	/* not all bytes alike either: each byte value appears over 8 KiB */
	unsigned seen[256] = { 0 };
	for (int i = 0; i < N; i++)
		for (int b = 0; b < 16; b++)
			seen[out[i][b]]++;
	for (int v = 0; v < 256; v++)
		assert_true(seen[v] > 0);
}

/* Seeding uses the hardware source when it has one, the TSC otherwise; the
 * seed decides the stream. */
static void test_seed_sources(void **state)
{
	uint8_t a[32], b[32], c[32];

	hw_ok = true;
	hw_next = 42;
	hw_calls = tsc_calls = 0;
	set_key_bytes(zero_key, 0);
	random_init();
	random_fill(a, sizeof(a));
	assert_int_equal(hw_calls, 4);
	assert_int_equal(tsc_calls, 0);

	hw_next = 42;
	set_key_bytes(zero_key, 0);
	random_init();
	random_fill(b, sizeof(b));
	assert_memory_equal(a, b, sizeof(a)); /* same seed, same stream */

	hw_next = 43;
	set_key_bytes(zero_key, 0);
	random_init();
	random_fill(c, sizeof(c));
	assert_memory_not_equal(a, c, sizeof(a));

	/* no hardware source: TSC jitter, and still a different stream */
	hw_ok = false;
	set_key_bytes(zero_key, 0);
	random_init();
	random_fill(c, sizeof(c));
	assert_true(tsc_calls >= 4 * 64);
	assert_memory_not_equal(a, c, sizeof(a));
	hw_ok = true;
}

static void test_add_entropy(void **state)
{
	uint8_t a[64], b[64], c[64];
	static const uint8_t ev[40] = { 1, 2, 3 };

	set_key_bytes(zero_key, 0);
	random_fill(a, sizeof(a));
	set_key_bytes(zero_key, 0);
	random_add_entropy("x", 1);
	random_fill(b, sizeof(b));
	assert_memory_not_equal(a, b, sizeof(a));
	/* longer than the key: wraps around it */
	set_key_bytes(zero_key, 0);
	random_add_entropy(ev, sizeof(ev));
	random_fill(c, sizeof(c));
	assert_memory_not_equal(a, c, sizeof(a));
	assert_memory_not_equal(b, c, sizeof(b));
	/* nothing added still rekeys */
	set_key_bytes(zero_key, 0);
	random_add_entropy(NULL, 0);
	random_fill(c, sizeof(c));
	assert_memory_not_equal(a, c, sizeof(a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self_seeding),
		cmocka_unit_test(test_rfc8439_vectors),
		cmocka_unit_test(test_counter_carry_and_partial),
		cmocka_unit_test(test_fast_key_erasure),
		cmocka_unit_test(test_outputs_differ),
		cmocka_unit_test(test_seed_sources),
		cmocka_unit_test(test_add_entropy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
