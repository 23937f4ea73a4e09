/* SPDX-License-Identifier: MIT */
#include "flow.h"

#define ETH_HLEN 14

bool net_frame_flow(const uint8_t *f, size_t len, struct net_flow *fl)
{
	if (len < ETH_HLEN + 20 || f[12] != 0x08 || f[13] != 0x00)
		return false;
	const uint8_t *ip = f + ETH_HLEN;
	size_t ihl = (size_t)(ip[0] & 15u) * 4;
	if ((ip[0] >> 4) != 4 || ihl < 20 || len < ETH_HLEN + ihl + 4)
		return false;
	if (((ip[6] & 0x3f) | ip[7]) != 0 || (ip[9] != 6 && ip[9] != 17))
		return false; /* a fragment (MF or an offset), or not TCP/UDP */
	__builtin_memcpy(&fl->src, ip + 12, 4);
	__builtin_memcpy(&fl->dst, ip + 16, 4);
	const uint8_t *l4 = ip + ihl;
	fl->sport = (uint16_t)(l4[0] << 8 | l4[1]);
	fl->dport = (uint16_t)(l4[2] << 8 | l4[3]);
	return true;
}
