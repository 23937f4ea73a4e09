/* SPDX-License-Identifier: MIT */
/* Memory system calls: thin checks in front of kernel/uvm.c. */
#include <k/app.h>
#include <k/component.h>
#include <k/errno.h>
#include <k/uvm.h>
#include "sys.h"

long sys_brk(SYSARGS) { return uvm_brk((uint64_t)a0); }

/* File mappings are the files component's, when it is linked. */
static const struct filemap_ops *filemap(void)
{
	const struct syscall_opt *o = sysopt_next(NULL, SYSOPT_FILEMAP);
	return o ? o->p : NULL;
}

long sys_mmap(SYSARGS)
{
	const struct filemap_ops *fm = filemap();
	if (fm && (a3 & MAP_FIXED))
		fm->unmap((uint64_t)a0, (uint64_t)a1); /* what it replaces */
	if (!(a3 & MAP_ANONYMOUS)) {
		if (!fm)
			return -ENODEV;
		return fm->mmap((uint64_t)a0, (uint64_t)a1, (int)a2, (int)a3, (int)a4, (uint64_t)a5);
	}
	return uvm_mmap((uint64_t)a0, (uint64_t)a1, (int)a2, (int)a3, (int)a4, (uint64_t)a5);
}

long sys_munmap(SYSARGS)
{
	const struct filemap_ops *fm = filemap();
	if (fm)
		fm->unmap((uint64_t)a0, (uint64_t)a1);
	return uvm_munmap((uint64_t)a0, (uint64_t)a1);
}
long sys_mprotect(SYSARGS)
{
	if (app && app_range_ok((uint64_t)a0, 1)) /* a packed program's own pages */
		return app_mprotect((uint64_t)a0, (uint64_t)a1, (int)a2);
	return uvm_mprotect((uint64_t)a0, (uint64_t)a1, (int)a2);
}

/* MADV_DONTNEED and MADV_FREE drop the pages (they read back as zeros, as on
 * Linux for private anonymous memory); other advice is accepted and ignored. */
long sys_madvise(SYSARGS)
{
	if (a0 & 0xfff)
		return -EINVAL;
	if (a2 == 4 || a2 == 8)
		return uvm_discard((uint64_t)a0, (uint64_t)a1);
	return 0;
}

/* Anonymous memory (and private file mappings, which are that) shrinks,
 * grows in place or moves its pages (kernel/uvm.c). A shared file mapping is
 * kept coherent with its file by address: it is not remapped (EINVAL), nor
 * is anything with MREMAP_FIXED or MREMAP_DONTUNMAP. */
long sys_mremap(SYSARGS)
{
	const struct filemap_ops *fm = filemap();
	if (fm && fm->shared && a1 && fm->shared((uint64_t)a0, (uint64_t)a1))
		return -EINVAL;
	return uvm_mremap((uint64_t)a0, (uint64_t)a1, (uint64_t)a2, (int)a3);
}
