/* SPDX-License-Identifier: MIT */
/*
 * Formatted output for the kernel: a small printf without floating point.
 * Conversions: %d %i %u %x %X %o %p %s %c %%, length modifiers hh h l ll z t j,
 * flags '-' '0' '+' ' ' '#', width and precision (both may be '*').
 * Output is always NUL-terminated when n > 0; the return value is the length
 * the full output would have had (as C99 snprintf). Pure: callable anywhere,
 * including interrupt context, no allocation.
 */
#ifndef K_FMT_H
#define K_FMT_H

#include <stdarg.h>
#include <stddef.h>

int fmt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Callback form: emits output in chunks to out(ctx, s, len); returns total length. */
typedef void (*fmt_out_fn)(void *ctx, const char *s, size_t len);
int fmt_vformat(fmt_out_fn out, void *ctx, const char *fmt, va_list ap);

#endif
