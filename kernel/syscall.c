/* SPDX-License-Identifier: MIT */
/* System call dispatch: table lookup, -ENOSYS with one console line per
 * unsupported call, and the fault-safe user copies every handler uses. */
#include <stdbool.h>
#include <k/arch.h>
#include <k/console.h>
#include <k/errno.h>
#include <k/syscall.h>
#include <k/vmm.h>

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

static uint64_t warned[(SYSCALL_MAX + 63) / 64];
bool syscall_trace;

long syscall_run(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	if (nr >= 0 && nr < SYSCALL_MAX && syscall_table[nr].fn) {
		if (!syscall_trace)
			return syscall_table[nr].fn(a0, a1, a2, a3, a4, a5);
		kprintf("toro: strace %s(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx)\n",
			syscall_table[nr].name, a0, a1, a2, a3, a4, a5);
		long r = syscall_table[nr].fn(a0, a1, a2, a3, a4, a5);
		kprintf("toro: strace %s = %ld (%#lx)\n", syscall_table[nr].name, r, r);
		return r;
	}
	if (nr >= 0 && nr < SYSCALL_MAX) {
		if (!(warned[nr / 64] & (1ull << (nr % 64)))) {
			warned[nr / 64] |= 1ull << (nr % 64);
			const char *name = syscall_table[nr].name;
			kprintf("toro: unsupported system call %ld (%s), returning ENOSYS\n", nr,
				name ? name : "unknown");
		}
	} else {
		kprintf("toro: unsupported system call %ld, returning ENOSYS\n", nr);
	}
	return -ENOSYS;
}
