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

/* Word-sized accesses that may alias anything. */
typedef uint64_t __attribute__((may_alias)) word_t;
#define WORD sizeof(word_t)

NO_LIBCALL void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	if ((((uintptr_t)dp ^ (uintptr_t)sp) & (WORD - 1)) == 0) {
		while (n > 0 && ((uintptr_t)dp & (WORD - 1)) != 0) {
			*dp++ = *sp++;
			n--;
		}
		/* Eight words a turn: under QEMU's TCG every turn of a loop is a
		 * pass through translated code, and a 4 KiB block (a file read
		 * from the block cache) took 512 of them one word at a time. */
		for (; n >= 8 * WORD; n -= 8 * WORD, dp += 8 * WORD, sp += 8 * WORD) {
			const word_t *s8 = (const word_t *)sp;
			word_t *d8 = (word_t *)dp;
			word_t a0 = s8[0], a1 = s8[1], a2 = s8[2], a3 = s8[3];
			word_t a4 = s8[4], a5 = s8[5], a6 = s8[6], a7 = s8[7];
			d8[0] = a0; d8[1] = a1; d8[2] = a2; d8[3] = a3;
			d8[4] = a4; d8[5] = a5; d8[6] = a6; d8[7] = a7;
		}
		for (; n >= WORD; n -= WORD, dp += WORD, sp += WORD)
			*(word_t *)dp = *(const word_t *)sp;
	}
	while (n > 0) {
		*dp++ = *sp++;
		n--;
	}
	return d;
}

NO_LIBCALL void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	/* A forward copy is safe unless the destination starts inside the source. */
	if ((uintptr_t)dp - (uintptr_t)sp >= n)
		return memcpy(d, s, n);
	while (n > 0) {
		n--;
		dp[n] = sp[n];
	}
	return d;
}

NO_LIBCALL void *memset(void *d, int c, size_t n)
{
	unsigned char *dp = d;
	word_t w = (unsigned char)c * 0x0101010101010101ull;

	while (n > 0 && ((uintptr_t)dp & (WORD - 1)) != 0) {
		*dp++ = (unsigned char)c;
		n--;
	}
	/* Eight words a turn, as memcpy: a page zeroed a word at a time took
	 * 512 passes through translated code under TCG (the page tables and
	 * fresh program pages of every boot). */
	for (; n >= 8 * WORD; n -= 8 * WORD, dp += 8 * WORD) {
		word_t *d8 = (word_t *)dp;
		d8[0] = w, d8[1] = w, d8[2] = w, d8[3] = w;
		d8[4] = w, d8[5] = w, d8[6] = w, d8[7] = w;
	}
	for (; n >= WORD; n -= WORD, dp += WORD)
		*(word_t *)dp = w;
	while (n > 0) {
		*dp++ = (unsigned char)c;
		n--;
	}
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
