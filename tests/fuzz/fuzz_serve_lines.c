// sources: tools/serve/lines.c
/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for tools/serve/lines.c, toro serve's cutting of a
 * guest's console output into lines. The input is the output, fed in pieces
 * whose sizes come from its first byte. Always: every line handed over is
 * NUL-terminated within the buffer and holds no '\n'; the lines and the cut
 * '\n's give back exactly the bytes fed (lines are compared up to their
 * length, counted by the harness, since a NUL the guest printed is kept).
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/serve/lines.h"

struct seen {
	const uint8_t *in;
	size_t n, at; /* bytes of the input accounted for */
	struct line_buf *b;
};

static void on_line(void *arg, char *line)
{
	struct seen *s = arg;
	assert(line == s->b->line);
	/* The line is the input from s->at up to a '\n' or the cut. */
	size_t k = 0;
	while (s->at + k < s->n && s->in[s->at + k] != '\n' && k < LINE_MAX_BYTES - 1)
		k++;
	assert(k < LINE_MAX_BYTES && line[k] == 0);
	assert(memcmp(line, s->in + s->at, k) == 0);
	s->at += k;
	if (s->at < s->n && s->in[s->at] == '\n' && k < LINE_MAX_BYTES - 1)
		s->at++; /* its '\n' */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t piece = 1 + data[0] * 37u;
	const uint8_t *in = data + 1;
	size_t n = size - 1;
	struct line_buf *b = calloc(1, sizeof(*b));
	struct seen s = { in, n, 0, b };
	for (size_t off = 0; off < n; off += piece)
		line_feed(b, (const char *)in + off, n - off < piece ? n - off : piece, on_line, &s);
	line_flush(b, on_line, &s);
	assert(s.at == n && b->len == 0);
	free(b);
	return 0;
}
