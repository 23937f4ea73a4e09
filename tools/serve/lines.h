/* SPDX-License-Identifier: MIT */
#ifndef TORO_SERVE_LINES_H
#define TORO_SERVE_LINES_H
/*
 * Cutting the guest's console output into lines. The bytes are the guest's
 * (a program may print anything): a line is what comes before a '\n', a
 * line that fills the buffer is cut there, a NUL inside a line ends it for
 * the caller's string functions and nothing else. Portable; the fuzz harness
 * tests/fuzz/fuzz_serve_lines.c runs it on the host.
 */
#include <stddef.h>

#define LINE_MAX_BYTES 1024

struct line_buf {
	char line[LINE_MAX_BYTES]; /* what came since the last '\n' */
	size_t len;                /* < LINE_MAX_BYTES */
};

typedef void (*line_fn)(void *arg, char *line);

/* Takes n bytes; fn gets each whole line (no '\n', NUL-terminated) and each
 * piece of LINE_MAX_BYTES - 1 bytes without one. */
void line_feed(struct line_buf *b, const char *s, size_t n, line_fn fn, void *arg);

/* What is left (the output ended without a '\n'), if anything, as a line. */
void line_flush(struct line_buf *b, line_fn fn, void *arg);

#endif
