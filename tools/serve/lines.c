/* SPDX-License-Identifier: MIT */
/* toro serve: cutting the guest's console output into lines (lines.h). */
#include <string.h>

#include "lines.h"

void line_feed(struct line_buf *b, const char *s, size_t n, line_fn fn, void *arg)
{
	while (n) {
		size_t room = sizeof(b->line) - 1 - b->len;
		const char *nl = memchr(s, '\n', n);
		size_t take = nl ? (size_t)(nl - s) : n;
		if (take >= room) { /* a line too long: cut where the buffer ends */
			memcpy(b->line + b->len, s, room);
			b->len += room;
			s += room;
			n -= room;
			line_flush(b, fn, arg);
			continue;
		}
		memcpy(b->line + b->len, s, take);
		b->len += take;
		if (!nl)
			return;
		b->line[b->len] = 0;
		b->len = 0;
		fn(arg, b->line);
		s += take + 1;
		n -= take + 1;
	}
}

void line_flush(struct line_buf *b, line_fn fn, void *arg)
{
	if (!b->len)
		return;
	b->line[b->len] = 0;
	b->len = 0;
	fn(arg, b->line);
}
