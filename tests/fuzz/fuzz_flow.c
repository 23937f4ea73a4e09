// sources: net/flow.c
/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for net/flow.c, the header read of receive steering: the
 * input is a received frame. Always (ASan: no read past the frame): a flow is
 * found only in an IPv4 TCP or UDP frame that is no fragment, long enough for
 * its IP header and both ports, and it names the frame's own addresses and
 * ports.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../net/flow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *f = malloc(size ? size : 1); /* exactly size bytes: ASan sees an over-read */
	memcpy(f, data, size);
	struct net_flow fl;
	if (net_frame_flow(f, size, &fl)) {
		size_t ihl = (size_t)(f[14] & 15) * 4;
		assert(size >= 14 + 20 && f[12] == 0x08 && f[13] == 0x00 && f[14] >> 4 == 4);
		assert(ihl >= 20 && size >= 14 + ihl + 4);
		assert((f[14 + 6] & 0x3f) == 0 && f[14 + 7] == 0);
		assert(f[14 + 9] == 6 || f[14 + 9] == 17);
		assert(memcmp(&fl.src, f + 26, 4) == 0 && memcmp(&fl.dst, f + 30, 4) == 0);
		assert(fl.sport == (f[14 + ihl] << 8 | f[15 + ihl]));
		assert(fl.dport == (f[16 + ihl] << 8 | f[17 + ihl]));
	}
	free(f);
	return 0;
}
