/* SPDX-License-Identifier: MIT */
/* Random numbers: ChaCha20 (RFC 8439 block function) as a keystream generator
 * with fast key erasure; seeded from the CPU's RDSEED/RDRAND or TSC jitter. */
#include <k/arch.h>
#include <k/random.h>
#include <k/string.h>

static uint32_t key[8];
static uint64_t counter;
static int seeded;

static uint32_t rotl(uint32_t v, int n) { return (v << n) | (v >> (32 - n)); }

#define QR(a, b, c, d)                                   \
	do {                                             \
		a += b; d ^= a; d = rotl(d, 16);         \
		c += d; b ^= c; b = rotl(b, 12);         \
		a += b; d ^= a; d = rotl(d, 8);          \
		c += d; b ^= c; b = rotl(b, 7);          \
	} while (0)

static void chacha_block(uint32_t out[16])
{
	uint32_t x[16] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574 };
	memcpy(&x[4], key, sizeof(key));
	x[12] = (uint32_t)counter;
	x[13] = (uint32_t)(counter >> 32);
	x[14] = x[15] = 0;
	counter++;
	uint32_t in[16];
	memcpy(in, x, sizeof(in));
	for (int i = 0; i < 10; i++) {
		QR(x[0], x[4], x[8], x[12]);
		QR(x[1], x[5], x[9], x[13]);
		QR(x[2], x[6], x[10], x[14]);
		QR(x[3], x[7], x[11], x[15]);
		QR(x[0], x[5], x[10], x[15]);
		QR(x[1], x[6], x[11], x[12]);
		QR(x[2], x[7], x[8], x[13]);
		QR(x[3], x[4], x[9], x[14]);
	}
	for (int i = 0; i < 16; i++)
		out[i] = x[i] + in[i];
}

void random_add_entropy(const void *buf, size_t n)
{
	const uint8_t *p = buf;
	uint8_t *k = (uint8_t *)key;
	for (size_t i = 0; i < n; i++)
		k[i % sizeof(key)] ^= p[i];
	uint32_t blk[16];
	chacha_block(blk);
	memcpy(key, blk, sizeof(key));
}

void random_init(void)
{
	uint64_t v[4] = { 0 };
	bool hw = true;
	for (int i = 0; i < 4; i++)
		if (!arch_random64(&v[i]))
			hw = false;
	if (!hw) {
		/* Without a hardware source: the low bits of TSC reads around
		 * I/O-free loops. Weak under emulation; virtio-rng mixes in later. */
		for (int i = 0; i < 4; i++) {
			uint64_t acc = 0;
			for (int j = 0; j < 64; j++) {
				uint64_t t = arch_rdtsc();
				acc = (acc << 1 | acc >> 63) ^ t;
				for (volatile int k = 0; k < (int)(t & 15); k++)
					;
			}
			v[i] ^= acc;
		}
	}
	random_add_entropy(v, sizeof(v));
	seeded = 1;
}

void random_fill(void *buf, size_t n)
{
	uint8_t *p = buf;
	uint32_t blk[16];
	if (!seeded)
		random_init();
	while (n > 0) {
		chacha_block(blk);
		size_t take = n < sizeof(blk) ? n : sizeof(blk);
		memcpy(p, blk, take);
		p += take;
		n -= take;
	}
	chacha_block(blk); /* fast key erasure: past outputs cannot be rebuilt */
	memcpy(key, blk, sizeof(key));
	memset(blk, 0, sizeof(blk));
}

#ifdef TORO_HOST
/* Unit tests only: a known key and block counter, to check the block function
 * against published vectors. */
void random_set_key_for_test(const uint32_t k[8], uint64_t c)
{
	memcpy(key, k, sizeof(key));
	counter = c;
	seeded = 1;
}
#endif
