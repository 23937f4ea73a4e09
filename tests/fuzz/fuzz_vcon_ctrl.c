// sources: drivers/virtio/console_ctrl.c tests/unit/host_stubs.c
/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for drivers/virtio/console_ctrl.c, the checks on what a
 * virtio-console device writes on its control queue. Byte 0 picks how many
 * ports the driver set up (1-8); the rest is a script of messages, each a
 * length byte (the length the device claims, up to 255 against a 128-byte
 * buffer) and then the bytes it wrote, copied to an exact-size heap buffer so
 * ASan sees any read past them. Each message is parsed and, if accepted,
 * applied to the ports' state. Always: a refusal has a reason and changes
 * nothing; a port never added has an empty state; names are NUL-terminated,
 * 1-63 printable bytes without '/', and no two ports share one.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <k/errno.h>

#include "../../drivers/virtio/console_ctrl.h"

#define MAX_PORTS 8
#define BUF_SIZE 128

static void check_state(const struct vcon_port_state *st, uint32_t nports)
{
	for (uint32_t i = 0; i < nports; i++) {
		const struct vcon_port_state *p = &st[i];
		size_t len = strnlen(p->name, sizeof(p->name));

		assert(len < sizeof(p->name));
		if (!p->added) {
			assert(!p->console && !p->host_open && len == 0);
			continue;
		}
		for (size_t k = 0; k < len; k++)
			assert(p->name[k] > ' ' && p->name[k] <= '~' && p->name[k] != '/');
		for (uint32_t j = 0; j < i && len; j++)
			assert(!st[j].added || strcmp(st[j].name, p->name) != 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vcon_port_state st[MAX_PORTS], before[MAX_PORTS];
	uint32_t nports;
	size_t off = 1;

	if (size < 1)
		return 0;
	nports = 1 + data[0] % MAX_PORTS;
	memset(st, 0, sizeof(st));
	while (off < size) {
		uint32_t claimed = data[off++];
		size_t have = size - off < BUF_SIZE ? size - off : BUF_SIZE;
		size_t n = claimed < have ? claimed : have;
		uint8_t *buf = malloc(n ? n : 1);
		struct vcon_msg m;
		const char *why = NULL;

		memcpy(buf, data + off, n);
		off += n;
		/* The device claims `claimed` bytes; only n are real: a claim
		 * beyond the buffer must be refused, one within it is cut to
		 * what exists (as virtq reports lengths within the buffer). */
		uint32_t len = claimed > BUF_SIZE ? claimed : (uint32_t)n;
		int r = vcon_ctrl_parse(buf, len, claimed > BUF_SIZE ? BUF_SIZE : (uint32_t)n,
					nports, &m, &why);
		if (claimed > BUF_SIZE)
			assert(r == -EINVAL);
		if (r != 0) {
			assert(why != NULL && (r == -EINVAL || r == -ERANGE));
		} else {
			assert(m.id < nports);
			assert(strnlen(m.name, sizeof(m.name)) < sizeof(m.name));
			memcpy(before, st, sizeof(st));
			why = NULL;
			r = vcon_ctrl_apply(st, nports, &m, &why);
			if (r < 0) {
				assert(why != NULL && (r == -EEXIST || r == -ENOENT));
				assert(memcmp(before, st, sizeof(st)) == 0);
			} else {
				assert((r & ~0x1f) == 0);
			}
		}
		free(buf);
		check_state(st, nports);
	}
	return 0;
}
