// sources: drivers/virtio/console_ctrl.c tests/unit/host_stubs.c
/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the shutdown port's line reader
 * (drivers/virtio/console_ctrl.c, vcon_lines_feed): whatever the host writes,
 * in whatever pieces (byte 0 of the input picks the piece size; each piece is
 * an exact-size heap copy so ASan sees a read past it). Always: the partial
 * line stays within VCON_LINE_MAX, the last refused line is NUL-terminated
 * printable ASCII, and the requests counted are exactly the "shutdown" lines
 * (a '\r' before the '\n' allowed) that a plain scan of the input finds.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../drivers/virtio/console_ctrl.h"

static uint32_t count_requests(const uint8_t *p, size_t n)
{
	uint32_t count = 0;
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] != '\n')
			continue;
		size_t len = i - start;
		if ((len == 8 && !memcmp(p + start, "shutdown", 8)) ||
		    (len == 9 && !memcmp(p + start, "shutdown\r", 9)))
			count++;
		start = i + 1;
	}
	return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vcon_lines l;
	uint32_t requests = 0, unknown = 0;
	if (size < 1)
		return 0;
	size_t piece = data[0] % 64 + 1;
	data++;
	size--;
	memset(&l, 0, sizeof(l));
	for (size_t off = 0; off < size; off += piece) {
		size_t k = size - off < piece ? size - off : piece;
		uint8_t *b = malloc(k);
		memcpy(b, data + off, k);
		requests += vcon_lines_feed(&l, b, (uint32_t)k, &unknown);
		free(b);
		if (l.len > VCON_LINE_MAX || strlen(l.bad) > VCON_LINE_MAX)
			__builtin_trap();
		for (const char *c = l.bad; *c; c++)
			if (*c < 0x20 || *c > 0x7e)
				__builtin_trap();
	}
	if (requests != count_requests(data, size))
		__builtin_trap();
	return 0;
}
