/* SPDX-License-Identifier: MIT */
#ifndef TORO_NET_FLOW_H
#define TORO_NET_FLOW_H
/*
 * A received frame's flow, read from its headers for receive steering
 * (net/steer.c). Portable: the fuzz harness tests/fuzz/fuzz_flow.c runs it
 * on the host.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct net_flow {
	uint32_t src, dst;     /* IPv4 addresses as in the frame (network order) */
	uint16_t sport, dport; /* TCP or UDP ports, host order */
};

/* True, with *fl, for an Ethernet frame of len bytes carrying an IPv4 TCP or
 * UDP packet that is not a fragment and whose IP header and ports lie within
 * the frame; false for anything else (other types, fragments: reassembly
 * needs them in one place, short or malformed headers). Reads no byte at or
 * past f + len. */
bool net_frame_flow(const uint8_t *f, size_t len, struct net_flow *fl);

#endif
