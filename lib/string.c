/* SPDX-License-Identifier: MIT */
/*
 * The kernel's own memcpy, memset, strlen, ... (include/k/string.h).
 * Plain C so the file stays portable. gcc recognises these loops as the very
 * functions being defined and would compile them into calls to themselves;
 * the optimize attribute turns that pattern matching off.
 */
#include <stddef.h>
#include <stdint.h>

#include <k/string.h>

#define NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))

/* Word-sized accesses that may alias anything; uword_t may also be unaligned
 * (one load on x86-64, byte loads where the target needs them). */
typedef uint64_t __attribute__((may_alias)) word_t;
typedef uint64_t __attribute__((may_alias, aligned(1))) uword_t;
#define WORD sizeof(word_t)

/* Eight bytes or more: the first and the last word are copied whole at any
 * alignment (overlapping the middle), the middle with the destination
 * aligned and the source read a word at a time at whatever alignment it
 * has. The network copies frames at offsets such as 14 (the Ethernet header)
 * against word-aligned buffers; a copy that fell back to bytes there paid
 * about five instructions a byte, and byte loops for the ragged ends about
 * as many per call as the middle of a short frame. The source's last word is
 * read before anything is written; memmove sends overlapping copies
 * elsewhere. */
NO_LIBCALL void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	if (n < WORD) {
		while (n > 0) {
			*dp++ = *sp++;
			n--;
		}
		return d;
	}
	word_t last = *(const uword_t *)(sp + n - WORD);
	unsigned char *end = dp + n;
	*(uword_t *)dp = *(const uword_t *)sp;
	size_t k = WORD - ((uintptr_t)dp & (WORD - 1)); /* 1..8: to the next aligned word */
	dp += k;
	sp += k;
	n -= k;
	/* Eight words a turn: under QEMU's TCG every turn of a loop is a
	 * pass through translated code, and a 4 KiB block (a file read
	 * from the block cache) took 512 of them one word at a time. */
	for (; n >= 8 * WORD; n -= 8 * WORD, dp += 8 * WORD, sp += 8 * WORD) {
		const uword_t *s8 = (const uword_t *)sp;
		word_t *d8 = (word_t *)dp;
		word_t a0 = s8[0], a1 = s8[1], a2 = s8[2], a3 = s8[3];
		word_t a4 = s8[4], a5 = s8[5], a6 = s8[6], a7 = s8[7];
		d8[0] = a0; d8[1] = a1; d8[2] = a2; d8[3] = a3;
		d8[4] = a4; d8[5] = a5; d8[6] = a6; d8[7] = a7;
	}
	for (; n >= WORD; n -= WORD, dp += WORD, sp += WORD)
		*(word_t *)dp = *(const uword_t *)sp;
	*(uword_t *)(end - WORD) = last;
	return d;
}

NO_LIBCALL void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	if ((uintptr_t)dp - (uintptr_t)sp >= n && (uintptr_t)sp - (uintptr_t)dp >= n)
		return memcpy(d, s, n); /* apart */
	if (dp < sp) {
		/* Forward, a word at a time: each word is read before the
		 * bytes it overlaps are written, and writes stay behind reads. */
		for (; n >= WORD; n -= WORD, dp += WORD, sp += WORD)
			*(uword_t *)dp = *(const uword_t *)sp;
		while (n > 0) {
			*dp++ = *sp++;
			n--;
		}
		return d;
	}
	while (n > 0) {
		n--;
		dp[n] = sp[n];
	}
	return d;
}

/* As memcpy: the first and last words stored whole, the middle aligned. */
NO_LIBCALL void *memset(void *d, int c, size_t n)
{
	unsigned char *dp = d;
	word_t w = (unsigned char)c * 0x0101010101010101ull;

	if (n < WORD) {
		while (n > 0) {
			*dp++ = (unsigned char)c;
			n--;
		}
		return d;
	}
	unsigned char *end = dp + n;
	*(uword_t *)dp = w;
	*(uword_t *)(end - WORD) = w;
	for (dp += WORD - ((uintptr_t)dp & (WORD - 1)); (size_t)(end - dp) >= WORD; dp += WORD)
		*(word_t *)dp = w;
	return d;
}

NO_LIBCALL int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *ap = a, *bp = b;

	for (size_t i = 0; i < n; i++) {
		if (ap[i] != bp[i])
			return ap[i] - bp[i];
	}
	return 0;
}

NO_LIBCALL size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

NO_LIBCALL size_t strnlen(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i])
		i++;
	return i;
}

NO_LIBCALL int strcmp(const char *a, const char *b)
{
	const unsigned char *ap = (const unsigned char *)a;
	const unsigned char *bp = (const unsigned char *)b;

	while (*ap && *ap == *bp) {
		ap++;
		bp++;
	}
	return *ap - *bp;
}

NO_LIBCALL int strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *ap = (const unsigned char *)a;
	const unsigned char *bp = (const unsigned char *)b;

	for (; n > 0; n--, ap++, bp++) {
		if (*ap != *bp || *ap == '\0')
			return *ap - *bp;
	}
	return 0;
}

NO_LIBCALL char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (*s == '\0')
			return NULL;
	}
}
