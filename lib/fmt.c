/* SPDX-License-Identifier: MIT */
/*
 * A small printf for the kernel (include/k/fmt.h): the C99 integer, string and
 * character conversions with flags, width and precision; no floating point.
 * %p prints like %#lx, and "(nil)" for NULL; %s of NULL prints "(null)".
 * An unknown conversion is printed as it stands.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <k/fmt.h>
#include <k/string.h>

enum {
	F_LEFT = 1,	/* '-' */
	F_ZERO = 2,	/* '0' */
	F_PLUS = 4,	/* '+' */
	F_SPACE = 8,	/* ' ' */
	F_ALT = 16,	/* '#' */
};

struct spec {
	unsigned flags;
	int width;
	int prec;	/* -1: none given */
	char len;	/* 'H' hh, 'h', 'l', 'L' ll/j, 'z', 't', 0 */
	char conv;
};

struct sink {
	fmt_out_fn out;
	void *ctx;
	size_t total;
};

static void emit(struct sink *k, const char *s, size_t len)
{
	if (len == 0)
		return;
	k->out(k->ctx, s, len);
	k->total += len;
}

static void pad(struct sink *k, char c, int n)
{
	static const char spaces[] = "                ";
	static const char zeros[] = "0000000000000000";
	const char *src = c == '0' ? zeros : spaces;

	while (n > 0) {
		int chunk = n < 16 ? n : 16;

		emit(k, src, (size_t)chunk);
		n -= chunk;
	}
}

/* Digits of v in base 8, 10 or 16, written backwards ending at end. */
static char *utoa_rev(char *end, uint64_t v, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";

	do {
		*--end = digits[v % base];
		v /= base;
	} while (v != 0);
	return end;
}

/* Emit pre[] + zeros + body[] padded to the width, as the flags say. */
static void emit_padded(struct sink *k, const struct spec *sp, const char *pre,
			size_t prelen, int zeros, const char *body, size_t len)
{
	int used = (int)(prelen + len) + zeros;
	int fill = sp->width > used ? sp->width - used : 0;

	if (!(sp->flags & F_LEFT) && !(sp->flags & F_ZERO)) {
		pad(k, ' ', fill);
		fill = 0;
	}
	emit(k, pre, prelen);
	if (!(sp->flags & F_LEFT))
		zeros += fill;
	pad(k, '0', zeros);
	emit(k, body, len);
	if (sp->flags & F_LEFT)
		pad(k, ' ', fill);
}

static void format_int(struct sink *k, struct spec *sp, uint64_t v, bool neg)
{
	char buf[24];
	char pre[3];
	size_t prelen = 0;
	unsigned base = 10;
	char *end = buf + sizeof(buf), *s = end;
	int len, zeros;

	if (sp->conv == 'x' || sp->conv == 'X')
		base = 16;
	else if (sp->conv == 'o')
		base = 8;
	if (!(v == 0 && sp->prec == 0))
		s = utoa_rev(end, v, base, sp->conv == 'X');
	len = (int)(end - s);

	if (neg)
		pre[prelen++] = '-';
	else if (sp->flags & F_PLUS)
		pre[prelen++] = '+';
	else if (sp->flags & F_SPACE)
		pre[prelen++] = ' ';
	if ((sp->flags & F_ALT) && base == 16 && v != 0) {
		pre[prelen++] = '0';
		pre[prelen++] = sp->conv;
	}

	zeros = sp->prec > len ? sp->prec - len : 0;
	/* '#' with 'o' makes the first digit a zero, by raising the precision. */
	if ((sp->flags & F_ALT) && base == 8 && zeros == 0 && (len == 0 || *s != '0'))
		zeros = 1;
	/* With a precision, '0' no longer pads (C99 7.19.6.1). */
	if (sp->prec >= 0)
		sp->flags &= ~F_ZERO;
	emit_padded(k, sp, pre, prelen, zeros, s, (size_t)len);
}

static void format_str(struct sink *k, struct spec *sp, const char *s)
{
	size_t len;

	if (s == NULL)
		s = "(null)";
	len = sp->prec >= 0 ? strnlen(s, (size_t)sp->prec) : strlen(s);
	sp->flags &= ~F_ZERO;
	emit_padded(k, sp, NULL, 0, 0, s, len);
}

/* Flags, width, precision and length of one conversion; returns the text after it. */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	sp->flags = 0;
	sp->width = 0;
	sp->prec = -1;
	sp->len = 0;
	for (;; f++) {
		if (*f == '-')
			sp->flags |= F_LEFT;
		else if (*f == '0')
			sp->flags |= F_ZERO;
		else if (*f == '+')
			sp->flags |= F_PLUS;
		else if (*f == ' ')
			sp->flags |= F_SPACE;
		else if (*f == '#')
			sp->flags |= F_ALT;
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->flags |= F_LEFT;
			sp->width = sp->width == INT32_MIN ? INT32_MAX : -sp->width;
		}
		f++;
	} else {
		while (*f >= '0' && *f <= '9') {
			if (sp->width < 100000000)
				sp->width = sp->width * 10 + (*f - '0');
			f++;
		}
	}
	if (*f == '.') {
		f++;
		sp->prec = 0;
		if (*f == '*') {
			sp->prec = va_arg(*ap, int);
			if (sp->prec < 0)
				sp->prec = -1;
			f++;
		} else {
			while (*f >= '0' && *f <= '9') {
				if (sp->prec < 100000000)
					sp->prec = sp->prec * 10 + (*f - '0');
				f++;
			}
		}
	}
	switch (*f) {
	case 'h':
		sp->len = f[1] == 'h' ? 'H' : 'h';
		f += sp->len == 'H' ? 2 : 1;
		break;
	case 'l':
		sp->len = f[1] == 'l' ? 'L' : 'l';
		f += sp->len == 'L' ? 2 : 1;
		break;
	case 'j':
		sp->len = 'L';
		f++;
		break;
	case 'z':
	case 't':
		sp->len = *f++;
		break;
	}
	sp->conv = *f;
	return f;
}

static int64_t arg_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->len) {
	case 'H':
		return (signed char)va_arg(*ap, int);
	case 'h':
		return (short)va_arg(*ap, int);
	case 'l':
		return va_arg(*ap, long);
	case 'L':
		return va_arg(*ap, long long);
	case 'z':
		return (int64_t)va_arg(*ap, size_t);
	case 't':
		return va_arg(*ap, ptrdiff_t);
	default:
		return va_arg(*ap, int);
	}
}

static uint64_t arg_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->len) {
	case 'H':
		return (unsigned char)va_arg(*ap, unsigned);
	case 'h':
		return (unsigned short)va_arg(*ap, unsigned);
	case 'l':
		return va_arg(*ap, unsigned long);
	case 'L':
		return va_arg(*ap, unsigned long long);
	case 'z':
		return va_arg(*ap, size_t);
	case 't':
		return (uint64_t)va_arg(*ap, ptrdiff_t);
	default:
		return va_arg(*ap, unsigned);
	}
}

/* One conversion; returns false when it is not one we know. */
static bool convert(struct sink *k, struct spec *sp, va_list *ap)
{
	int64_t sv;
	uintptr_t p;
	char c;

	switch (sp->conv) {
	case 'd':
	case 'i':
		sv = arg_signed(sp, ap);
		format_int(k, sp, sv < 0 ? 0 - (uint64_t)sv : (uint64_t)sv, sv < 0);
		return true;
	case 'u':
	case 'x':
	case 'X':
	case 'o':
		sp->flags &= ~(F_PLUS | F_SPACE);
		format_int(k, sp, arg_unsigned(sp, ap), false);
		return true;
	case 'p':
		p = (uintptr_t)va_arg(*ap, void *);
		if (p == 0) {
			sp->prec = -1;
			format_str(k, sp, "(nil)");
			return true;
		}
		sp->conv = 'x';
		sp->flags |= F_ALT;
		format_int(k, sp, p, false);
		return true;
	case 's':
		format_str(k, sp, va_arg(*ap, const char *));
		return true;
	case 'c':
		c = (char)va_arg(*ap, int);
		sp->flags &= ~F_ZERO;
		emit_padded(k, sp, NULL, 0, 0, &c, 1);
		return true;
	case '%':
		emit(k, "%", 1);
		return true;
	default:
		return false;
	}
}

int fmt_vformat(fmt_out_fn out, void *ctx, const char *fmt, va_list ap)
{
	struct sink k = { .out = out, .ctx = ctx, .total = 0 };
	struct spec sp;
	const char *f = fmt, *start, *pct;
	va_list aq;

	va_copy(aq, ap);
	while (*f != '\0') {
		start = f;
		while (*f != '\0' && *f != '%')
			f++;
		emit(&k, start, (size_t)(f - start));
		if (*f == '\0')
			break;
		pct = f;
		f = parse_spec(f + 1, &sp, &aq);
		if (convert(&k, &sp, &aq)) {
			f++;
		} else {
			/* Print an unknown conversion (or a trailing '%') verbatim. */
			if (*f != '\0')
				f++;
			emit(&k, pct, (size_t)(f - pct));
		}
	}
	va_end(aq);
	return k.total > INT32_MAX ? INT32_MAX : (int)k.total;
}

struct bufctx {
	char *buf;
	size_t n;
	size_t pos;
};

static void buf_out(void *ctx, const char *s, size_t len)
{
	struct bufctx *b = ctx;

	if (b->pos + 1 < b->n) {
		size_t room = b->n - 1 - b->pos;

		if (len > room)
			len = room;
		memcpy(b->buf + b->pos, s, len);
		b->pos += len;
	}
}

int fmt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct bufctx b = { .buf = buf, .n = n, .pos = 0 };
	int ret = fmt_vformat(buf_out, &b, fmt, ap);

	if (n > 0)
		buf[b.pos] = '\0';
	return ret;
}

int fmt_snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = fmt_vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return ret;
}
