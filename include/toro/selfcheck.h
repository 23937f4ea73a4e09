/* SPDX-License-Identifier: MIT */
/*
 * The kernel's self-check, for tests: compare the kernel's text and read-only
 * data with their checksum at boot, check the image's page protections, and
 * walk the page allocator, every core's kernel heap and the program's
 * mappings. The kernel prints one line, `toro: selfcheck ok: ...`, or a line
 * per problem and `toro: selfcheck FAILED: N problems (above)`.
 *
 *     if (toro_selfcheck(0) != 0) ...     // 0, or -EIO when something is wrong
 *
 * Link the kernel's half with `toro-cc --with=selfcheck` (or --with=all);
 * without it the call returns -ENOSYS and the console says which option
 * links it. Header only.
 */
#ifndef TORO_SELFCHECK_H
#define TORO_SELFCHECK_H

#define TORO_SYS_SELFCHECK 0x7001
/* Print the verdict only when something is wrong. */
#define TORO_SELFCHECK_QUIET 1

/* 0 when the kernel found itself whole, -EIO when not, -ENOSYS when the
 * component is not linked, -EINVAL for unknown flags. */
static inline long toro_selfcheck(unsigned long flags)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"((long)TORO_SYS_SELFCHECK), "D"(flags)
			 : "rcx", "r11", "memory");
	return r;
}

#endif
