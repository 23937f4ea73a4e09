/* SPDX-License-Identifier: MIT */
/* Memory system calls: thin checks in front of kernel/uvm.c. */
#include <k/errno.h>
#include <k/uvm.h>
#include "sys.h"

long sys_brk(SYSARGS) { return uvm_brk((uint64_t)a0); }

long sys_mmap(SYSARGS)
{
	return uvm_mmap((uint64_t)a0, (uint64_t)a1, (int)a2, (int)a3, (int)a4, (uint64_t)a5);
}

long sys_munmap(SYSARGS) { return uvm_munmap((uint64_t)a0, (uint64_t)a1); }
long sys_mprotect(SYSARGS) { return uvm_mprotect((uint64_t)a0, (uint64_t)a1, (int)a2); }

/* Advice only: accepted and ignored (MADV_DONTNEED's zeroing is not needed by
 * musl's allocator, which never relies on it). */
long sys_madvise(SYSARGS)
{
	if (a0 & 0xfff)
		return -EINVAL;
	return 0;
}

/* No in-place growth: musl falls back to mmap + copy + munmap. */
long sys_mremap(SYSARGS) { return -ENOMEM; }
