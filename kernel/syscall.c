/* SPDX-License-Identifier: MIT */
/* System call dispatch: table lookup, -ENOSYS with one console line per
 * unsupported call, and the user-memory choke point (k/syscall.h): the only
 * code that checks a user range and hands a user address to the copy
 * routines. */
#include <stdbool.h>
#include <k/arch.h>
#include <k/console.h>
#include <k/errno.h>
#include <k/string.h>
#include <k/syscall.h>
#include <k/vmm.h>
#include "sys.h"

int user_copy_in(void *dst, uint64_t usrc, size_t n)
{
	if (n == 0)
		return 0;
	if (!vmm_user_range_ok(usrc, n))
		return -EFAULT;
	return arch_copy_from_user(dst, (const void *)usrc, n);
}

int user_copy_out(uint64_t udst, const void *src, size_t n)
{
	if (n == 0)
		return 0;
	if (!vmm_user_range_ok(udst, n))
		return -EFAULT;
	return arch_copy_to_user((void *)udst, src, n);
}

int user_copy_in_nofault(void *dst, uint64_t usrc, size_t n)
{
	if (n == 0)
		return 0;
	if (!vmm_user_range_ok(usrc, n))
		return -EFAULT;
	return arch_copy_from_user_nofault(dst, (const void *)usrc, n);
}

bool user_access_ok(uint64_t u, size_t n)
{
	return n == 0 || vmm_user_range_ok(u, n);
}

long user_string_in(char *dst, uint64_t usrc, size_t n)
{
	if (!vmm_user_range_ok(usrc, 1))
		return -EFAULT;
	/* Clamp to the end of the user range the string starts in. */
	size_t max = n;
	while (max > 1 && !vmm_user_range_ok(usrc, max))
		max /= 2;
	long r = arch_strncpy_from_user(dst, (const char *)usrc, max);
	if (r == -ENAMETOOLONG && max < n)
		return -EFAULT;
	return r;
}

const char *syscall_name(long nr)
{
	const unsigned char *p = (const unsigned char *)syscall_names;
	while (!(p[0] == 0xff && p[1] == 0xff)) {
		long n = p[0] << 8 | p[1];
		if (n == nr)
			return (const char *)p + 2;
		p += 2 + strlen((const char *)p + 2) + 1;
	}
	return "unknown";
}

static uint64_t warned[1024 / 64];
static bool warned_other;
bool syscall_trace;

long syscall_run(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	const char *group;
	syscall_fn fn = syscall_handler(nr, &group);
	if (nr == SYS_TORO_SPAWN_CPU)
		fn = sys_toro_spawn_cpu;
	if (fn && !syscall_trace)
		return fn(a0, a1, a2, a3, a4, a5);
	if (fn) {
		kprintf("toro: strace %s(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx)\n", syscall_name(nr),
			a0, a1, a2, a3, a4, a5);
		long r = fn(a0, a1, a2, a3, a4, a5);
		kprintf("toro: strace %s = %ld\n", syscall_name(nr), r);
		return r;
	}
	if (nr >= 0 && nr < 1024) {
		if (warned[nr / 64] & (1ull << (nr % 64)))
			return -ENOSYS;
		warned[nr / 64] |= 1ull << (nr % 64);
	} else {
		/* Numbers no kernel has: said once for all of them. */
		if (warned_other)
			return -ENOSYS;
		warned_other = true;
	}
	if (group && nr >= SYS_TORO_FIRST)
		kprintf("toro: unsupported system call %#lx (%s), returning ENOSYS: group %s is "
			"not linked into this image (toro-cc --with=%s links it)\n",
			nr, syscall_name(nr), group, group);
	else if (group)
		kprintf("toro: unsupported system call %ld (%s), returning ENOSYS: group %s "
			"is not linked into this image (toro-cc links it when the program "
			"calls musl's %s functions; toro-cc --with=%s forces it)\n",
			nr, syscall_name(nr), group, group, group);
	else
		kprintf("toro: unsupported system call %ld (%s), returning ENOSYS\n", nr,
			syscall_name(nr));
	return -ENOSYS;
}
