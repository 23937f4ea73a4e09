/* SPDX-License-Identifier: MIT */
/*
 * lwIP's failed assertion (LWIP_PLATFORM_ASSERT in arch/cc.h): one out-of-line
 * call taking file and line, so the ~550 call sites carry no message text.
 */
#include <k/console.h>

#include "arch/cc.h"

void net_lwip_assert_fail(const char *file, int line)
{
	panic("lwIP assertion failed at %s:%d", file, line);
}
