/* SPDX-License-Identifier: MIT */
/* Per-CPU data, reached through %gs in the kernel. The first three fields are
 * used by entry.S at fixed offsets. */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#include <stdint.h>

struct thread;

struct percpu {
	struct percpu *self;     /* 0 */
	uint64_t kernel_rsp;     /* 8: top of the current thread's kernel stack */
	uint64_t user_rsp;       /* 16: scratch for the syscall entry */
	struct thread *current;
	int cpu_id;
};

extern struct percpu percpu0;
void cpu_enable_smap(void);

#endif
