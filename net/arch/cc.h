/* SPDX-License-Identifier: MIT */
/*
 * lwIP's compiler and platform description for Toro: x86-64, little endian,
 * freestanding (no libc: net/libc/ holds the few C library headers lwIP's
 * sources include, mapped onto the kernel's own functions).
 */
#ifndef TORO_LWIP_ARCH_CC_H
#define TORO_LWIP_ARCH_CC_H

#include <stddef.h>
#include <stdint.h>

#define BYTE_ORDER LITTLE_ENDIAN

/* No inttypes.h, limits.h, unistd.h or ctype.h in the kernel. */
#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_LIMITS_H   1
#define LWIP_NO_UNISTD_H   1
#define LWIP_NO_CTYPE_H    1
#define X8_F  "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"
#ifndef INT_MAX
#define INT_MAX 0x7fffffff
#endif
typedef long ssize_t;
#ifndef SSIZE_MAX
#define SSIZE_MAX 0x7fffffffffffffffL
#endif

#define lwip_htons(x) ((u16_t)__builtin_bswap16((u16_t)(x)))
#define lwip_htonl(x) ((u32_t)__builtin_bswap32((u32_t)(x)))

#define LWIP_PLATFORM_DIAG(x) do { kprintf x; } while (0)
/* Assertions stay checked (they catch a corrupted PCB list), but only the debug
 * build and the host tests keep their message text: in the image the panic
 * names file and line (net/arch/assert.c), and ~550 messages stay out of it. */
#if defined(TORO_LWIP_DEBUG) || defined(TORO_HOST)
#define LWIP_PLATFORM_ASSERT(x) \
	panic("lwIP assertion \"%s\" failed at %s:%d", (x), __FILE__, __LINE__)
#else
#define LWIP_PLATFORM_ASSERT(x) net_lwip_assert_fail(__FILE__, __LINE__)
#endif
__attribute__((noreturn, cold)) void net_lwip_assert_fail(const char *file, int line);

int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
