/* SPDX-License-Identifier: MIT */
/*
 * The Internet checksum's plain sum for lwIP (LWIP_CHKSUM in lwipopts.h):
 * 32-bit loads into a 64-bit accumulator, eight a turn, folded once at the
 * end. lwIP's own sums 16 bits a step, about four guest instructions per two
 * bytes; a keep-alive HTTP reply spent 4.2 K instructions there. Portable C:
 * the loads may be unaligned (one load on x86-64, bytes where a target needs
 * them), and the words are taken from the start of the data whatever its
 * address, so no byte swapping for odd addresses is needed.
 */
#include <stdint.h>

#include "lwipopts.h"

typedef uint32_t __attribute__((may_alias, aligned(1))) u32_una;
typedef uint16_t __attribute__((may_alias, aligned(1))) u16_una;

unsigned short net_chksum(const void *data, int len)
{
	const unsigned char *p = data;
	uint64_t sum = 0;

	for (; len >= 32; len -= 32, p += 32) {
		const u32_una *w = (const u32_una *)p;
		sum += (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4] + w[5] + w[6] + w[7];
	}
	for (; len >= 4; len -= 4, p += 4)
		sum += *(const u32_una *)p;
	if (len >= 2) {
		sum += *(const u16_una *)p;
		p += 2;
		len -= 2;
	}
	if (len > 0) {
		/* The last byte pairs with a zero byte after it, in memory order. */
		unsigned char last[2] = { *p, 0 };
		sum += *(const u16_una *)last;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (unsigned short)sum;
}
