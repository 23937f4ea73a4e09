/* SPDX-License-Identifier: MIT */
/* <string.h> for lwIP's sources: the kernel's string functions (lib/string.c). */
#ifndef TORO_NET_LIBC_STRING_H
#define TORO_NET_LIBC_STRING_H
#include <k/string.h>
#endif
