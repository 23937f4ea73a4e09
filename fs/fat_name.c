/* SPDX-License-Identifier: MIT */
/*
 * FAT names: UTF-8 from the VFS to the UTF-16 of long names and back, long
 * name (VFAT) slots and their checksum, and the 8.3 short name of a new file
 * as the Microsoft specification describes it (section 7, "basis-name" and
 * "numeric-tail" generation): upper case, invalid characters replaced by
 * '_', a ~N tail when the name did not fit or was changed, N the smallest
 * free in the directory. Pure functions: no I/O, host-tested and fuzzed.
 */
#include <k/errno.h>
#include <k/kheap.h>
#include <k/string.h>

#include "fat_impl.h"

/* ---- UTF-8 <-> UTF-16 ---- */

/* One code point from s[0..len): its byte count, or 0 if malformed
 * (overlong, surrogate, beyond U+10FFFF, truncated). */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xC2 && c <= 0xDF) {
		n = 2, v = c & 0x1F, min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3, v = c & 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return n;
}

int fat_utf8_to_utf16(const char *s, size_t len, uint16_t *out, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t k = utf8_decode(p + i, len - i, &cp);
		if (k == 0 || cp == 0)
			return -EINVAL;
		i += k;
		size_t units = cp >= 0x10000 ? 2 : 1;
		if (n + units > max)
			return -ENAMETOOLONG;
		if (units == 2) {
			cp -= 0x10000;
			out[n++] = (uint16_t)(0xD800 | cp >> 10);
			out[n++] = (uint16_t)(0xDC00 | (cp & 0x3FF));
		} else {
			out[n++] = (uint16_t)cp;
		}
	}
	return (int)n;
}

size_t fat_utf16_to_utf8(const uint16_t *u, size_t n, char *out, size_t max)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t cp = u[i];
		if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < n && u[i + 1] >= 0xDC00 &&
		    u[i + 1] <= 0xDFFF) {
			cp = 0x10000 + ((cp - 0xD800) << 10) + (u[i + 1] - 0xDC00);
			i++;
		} else if (cp >= 0xD800 && cp <= 0xDFFF) {
			cp = 0xFFFD;
		}
		unsigned char b[4];
		size_t k;
		if (cp < 0x80) {
			b[0] = (unsigned char)cp, k = 1;
		} else if (cp < 0x800) {
			b[0] = (unsigned char)(0xC0 | cp >> 6);
			b[1] = (unsigned char)(0x80 | (cp & 0x3F)), k = 2;
		} else if (cp < 0x10000) {
			b[0] = (unsigned char)(0xE0 | cp >> 12);
			b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
			b[2] = (unsigned char)(0x80 | (cp & 0x3F)), k = 3;
		} else {
			b[0] = (unsigned char)(0xF0 | cp >> 18);
			b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
			b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
			b[3] = (unsigned char)(0x80 | (cp & 0x3F)), k = 4;
		}
		if (o + k > max)
			break;
		memcpy(out + o, b, k);
		o += k;
	}
	return o;
}

/* ---- long names ---- */

size_t fat_name_strip(const uint16_t *u, size_t n)
{
	while (n > 0 && u[n - 1] == '.')
		n--;
	return n;
}

static bool lfn_bad_char(uint16_t c)
{
	return c < 0x20 || c == '"' || c == '*' || c == '/' || c == ':' || c == '<' ||
	       c == '>' || c == '?' || c == '\\' || c == '|';
}

int fat_name_valid(const uint16_t *u, size_t n)
{
	if (n == 0)
		return -EINVAL;
	if (n > FAT_LFN_MAX)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < n; i++)
		if (lfn_bad_char(u[i]))
			return -EINVAL;
	return 0;
}

static uint16_t ascii_upper(uint16_t c) { return c >= 'a' && c <= 'z' ? (uint16_t)(c - 32) : c; }

bool fat_name_eq(const uint16_t *a, size_t an, const uint16_t *b, size_t bn)
{
	if (an != bn)
		return false;
	for (size_t i = 0; i < an; i++)
		if (ascii_upper(a[i]) != ascii_upper(b[i]))
			return false;
	return true;
}

uint8_t fat_lfn_csum(const uint8_t sfn[11])
{
	uint8_t sum = 0;
	for (int i = 0; i < 11; i++)
		sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + sfn[i]);
	return sum;
}

/* Where the 13 UTF-16 units of a long-name slot sit. */
static const uint8_t lfn_pos[LFN_CHARS] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};

void fat_lfn_put(uint8_t *slot, const uint16_t *name, size_t n, unsigned ord, uint8_t csum)
{
	size_t slots = (n + LFN_CHARS - 1) / LFN_CHARS;
	memset(slot, 0, FAT_DIRENT);
	slot[LFN_ORD] = (uint8_t)(ord | (ord == slots ? LFN_LAST : 0));
	slot[DE_ATTR] = ATTR_LFN;
	slot[LFN_CSUM] = csum;
	for (unsigned j = 0; j < LFN_CHARS; j++) {
		size_t k = (ord - 1) * LFN_CHARS + j;
		uint16_t c = k < n ? name[k] : k == n ? 0x0000 : 0xFFFF;
		fat_put16(slot + lfn_pos[j], c);
	}
}

void fat_lfn_reset(struct fat_lfn_acc *a)
{
	a->next = 0;
	a->total = 0;
}

void fat_lfn_feed(struct fat_lfn_acc *a, const uint8_t *slot)
{
	unsigned ord = slot[LFN_ORD] & 0x3F;
	if (slot[LFN_ORD] & LFN_LAST) {
		/* The first slot on disk carries the name's last piece. */
		if (ord == 0 || ord > FAT_LFN_SLOTS || (slot[LFN_ORD] & 0x80)) {
			fat_lfn_reset(a);
			return;
		}
		a->total = ord;
		a->csum = slot[LFN_CSUM];
	} else if (a->next == 0 || ord != a->next || slot[LFN_CSUM] != a->csum) {
		fat_lfn_reset(a);
		return;
	}
	for (unsigned j = 0; j < LFN_CHARS; j++)
		a->buf[(ord - 1) * LFN_CHARS + j] = fat_le16(slot + lfn_pos[j]);
	a->next = ord - 1;
}

size_t fat_lfn_finish(struct fat_lfn_acc *a, const uint8_t *de, uint16_t *out)
{
	size_t len = 0, cap = a->total * LFN_CHARS;
	bool ok = a->total > 0 && a->next == 0 && a->csum == fat_lfn_csum(de + DE_NAME);
	if (ok) {
		while (len < cap && a->buf[len] != 0x0000)
			len++;
		/* The name must end in the last slot, and hold nothing a path
		 * cannot. */
		ok = len > (a->total - 1) * LFN_CHARS && len <= FAT_LFN_MAX &&
		     fat_name_valid(a->buf, len) == 0;
	}
	fat_lfn_reset(a);
	if (!ok)
		return 0;
	memcpy(out, a->buf, len * sizeof(*out));
	return len;
}

/* ---- short names ---- */

/* Code page 437, bytes 0x80..0xFF: what Linux and Windows show by default. */
static const uint16_t cp437_high[128] = {
	0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7,
	0x00EA, 0x00EB, 0x00E8, 0x00EF, 0x00EE, 0x00EC, 0x00C4, 0x00C5,
	0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9,
	0x00FF, 0x00D6, 0x00DC, 0x00A2, 0x00A3, 0x00A5, 0x20A7, 0x0192,
	0x00E1, 0x00ED, 0x00F3, 0x00FA, 0x00F1, 0x00D1, 0x00AA, 0x00BA,
	0x00BF, 0x2310, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB,
	0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556,
	0x2555, 0x2563, 0x2551, 0x2557, 0x255D, 0x255C, 0x255B, 0x2510,
	0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F,
	0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x2567,
	0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256B,
	0x256A, 0x2518, 0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580,
	0x03B1, 0x00DF, 0x0393, 0x03C0, 0x03A3, 0x03C3, 0x00B5, 0x03C4,
	0x03A6, 0x0398, 0x03A9, 0x03B4, 0x221E, 0x03C6, 0x03B5, 0x2229,
	0x2261, 0x00B1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00F7, 0x2248,
	0x00B0, 0x2219, 0x00B7, 0x221A, 0x207F, 0x00B2, 0x25A0, 0x00A0,
};

/* One short-name byte as shown. Bytes no path may hold (from a damaged or
 * foreign disk) show as '_' so that every entry stays reachable. */
static uint16_t sfn_char(uint8_t b, bool lower)
{
	if (b >= 0x80)
		return cp437_high[b - 0x80];
	if (b < 0x20 || b == '/' || b == '\\' || b == 0x7F)
		return '_';
	if (lower && b >= 'A' && b <= 'Z')
		return (uint16_t)(b + 32);
	return b;
}

size_t fat_sfn_to_utf16(const uint8_t *de, uint16_t out[12])
{
	size_t n = 0, blen = 8, elen = 3;
	while (blen > 0 && de[blen - 1] == ' ')
		blen--;
	while (elen > 0 && de[8 + elen - 1] == ' ')
		elen--;
	for (size_t i = 0; i < blen; i++) {
		uint8_t b = i == 0 && de[0] == DE_KANJI_E5 ? 0xE5 : de[i];
		out[n++] = sfn_char(b, de[DE_NTRES] & NTRES_LOWER_BASE);
	}
	if (n == 0)
		out[n++] = '_';
	if (elen > 0) {
		out[n++] = '.';
		for (size_t i = 0; i < elen; i++)
			out[n++] = sfn_char(de[8 + i], de[DE_NTRES] & NTRES_LOWER_EXT);
	}
	return n;
}

/* Characters a short name may hold besides letters and digits. */
static bool sfn_special(uint16_t c)
{
	return c == '$' || c == '%' || c == '\'' || c == '-' || c == '_' || c == '@' ||
	       c == '~' || c == '`' || c == '!' || c == '(' || c == ')' || c == '{' ||
	       c == '}' || c == '^' || c == '#' || c == '&';
}

static bool sfn_ok(uint16_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       sfn_special(c);
}

/* The case of a run of characters: bit 0 some lower-case letter, bit 1
 * some upper-case one. */
static unsigned case_of(const uint16_t *u, size_t n)
{
	unsigned m = 0;
	for (size_t i = 0; i < n; i++) {
		if (u[i] >= 'a' && u[i] <= 'z')
			m |= 1;
		else if (u[i] >= 'A' && u[i] <= 'Z')
			m |= 2;
	}
	return m;
}

/* Does u fit 8.3 exactly (but for case)? Then fill p without a tail. */
static bool plan_exact(const uint16_t *u, size_t n, struct fat_sfn_plan *p)
{
	size_t dot = n;
	for (size_t i = 0; i < n; i++) {
		if (u[i] == '.') {
			if (dot != n)
				return false;
			dot = i;
		} else if (!sfn_ok(u[i])) {
			return false;
		}
	}
	size_t blen = dot, elen = dot == n ? 0 : n - dot - 1;
	if (blen == 0 || blen > 8 || elen > 3 || (dot != n && elen == 0))
		return false;
	memset(p->sfn, ' ', 11);
	for (size_t i = 0; i < blen; i++)
		p->sfn[i] = (uint8_t)ascii_upper(u[i]);
	for (size_t i = 0; i < elen; i++)
		p->sfn[8 + i] = (uint8_t)ascii_upper(u[dot + 1 + i]);
	unsigned bc = case_of(u, blen), ec = case_of(u + dot + 1, elen);
	/* Mixed case within a part cannot be said with the case bits: then a
	 * long name keeps the case and the bits stay 0, as Windows does. */
	p->lfn = bc == 3 || ec == 3;
	p->ntres = p->lfn ? 0 : (bc == 1 ? NTRES_LOWER_BASE : 0) | (ec == 1 ? NTRES_LOWER_EXT : 0);
	p->tail = false;
	memcpy(p->basis, p->sfn, 11);
	p->blen = (unsigned)blen;
	return true;
}

/* Append u[from..to)'s characters to out (at most max), upper-cased,
 * invalid ones as '_', spaces and dots dropped: the count written. */
static unsigned basis_part(const uint16_t *u, size_t from, size_t to, uint8_t *out, unsigned max)
{
	unsigned k = 0;
	for (size_t i = from; i < to && k < max; i++) {
		uint16_t c = u[i];
		if (c == ' ' || c == '.')
			continue;
		if (c >= 0xDC00 && c <= 0xDFFF)
			continue; /* the second half of a pair gave its '_' already */
		out[k++] = sfn_ok(c) ? (uint8_t)ascii_upper(c) : '_';
	}
	return k;
}

void fat_sfn_plan(const uint16_t *u, size_t n, struct fat_sfn_plan *p)
{
	if (plan_exact(u, n, p))
		return;
	/* Leading dots are dropped; the extension follows the last dot after
	 * them. */
	size_t lead = 0;
	while (lead < n && u[lead] == '.')
		lead++;
	size_t dot = n;
	for (size_t i = n; i > lead; i--)
		if (u[i - 1] == '.') {
			dot = i - 1;
			break;
		}
	memset(p->basis, ' ', 11);
	unsigned blen = basis_part(u, lead, dot, p->basis, 8);
	if (blen == 0)
		p->basis[blen++] = '_';
	if (dot < n)
		basis_part(u, dot + 1, n, p->basis + 8, 3);
	p->blen = blen;
	memcpy(p->sfn, p->basis, 11);
	p->ntres = 0;
	p->lfn = true;
	p->tail = true;
}

/* ---- numeric tails ---- */

static unsigned digits(uint32_t n)
{
	unsigned d = 1;
	while (n >= 10)
		n /= 10, d++;
	return d;
}

/* Primary characters kept before "~N" with d digits. */
static unsigned keep_for(const struct fat_sfn_plan *p, unsigned d)
{
	unsigned room = 8 - 1 - d;
	return p->blen < room ? p->blen : room;
}

int fat_alias_init(struct fat_alias *a, const struct fat_sfn_plan *p)
{
	a->p = p;
	a->basis_taken = false;
	a->used = NULL;
	if (!p->tail)
		return 0; /* only the basis name matters */
	a->used = kzalloc(FAT_ALIAS_MAX / 8 + 1);
	return a->used ? 0 : -ENOMEM;
}

void fat_alias_free(struct fat_alias *a)
{
	kfree(a->used);
	a->used = NULL;
}

void fat_alias_see(struct fat_alias *a, const uint8_t sfn[11])
{
	const struct fat_sfn_plan *p = a->p;
	if (memcmp(sfn + 8, p->basis + 8, 3) != 0)
		return;
	if (memcmp(sfn, p->basis, 8) == 0)
		a->basis_taken = true;
	if (!a->used)
		return;
	unsigned end = 8;
	while (end > 0 && sfn[end - 1] == ' ')
		end--;
	unsigned t = end;
	while (t > 0 && sfn[t - 1] >= '0' && sfn[t - 1] <= '9')
		t--;
	unsigned d = end - t;
	if (d == 0 || d > 6 || t == 0 || sfn[t - 1] != '~' || sfn[t] == '0')
		return;
	unsigned keep = t - 1;
	if (keep != keep_for(p, d) || memcmp(sfn, p->basis, keep) != 0)
		return;
	uint32_t num = 0;
	for (unsigned i = t; i < end; i++)
		num = num * 10 + (uint32_t)(sfn[i] - '0');
	if (num <= FAT_ALIAS_MAX)
		a->used[num / 8] |= (uint8_t)(1u << (num % 8));
}

int fat_alias_pick(struct fat_alias *a, struct fat_sfn_plan *p)
{
	uint32_t num = 1;
	if (!a->used)
		return -EINVAL;
	while (num <= FAT_ALIAS_MAX && (a->used[num / 8] & (1u << (num % 8))))
		num++;
	if (num > FAT_ALIAS_MAX)
		return -ENOSPC;
	unsigned d = digits(num), keep = keep_for(p, d);
	memset(p->sfn, ' ', 8);
	memcpy(p->sfn, p->basis, keep);
	p->sfn[keep] = '~';
	for (unsigned i = 0; i < d; i++, num /= 10)
		p->sfn[keep + d - i] = (uint8_t)('0' + num % 10);
	memcpy(p->sfn + 8, p->basis + 8, 3);
	return 0;
}
