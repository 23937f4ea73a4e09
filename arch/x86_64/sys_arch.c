/* SPDX-License-Identifier: MIT */
/* The system call entry's C half, arch_prctl and rt_sigreturn. */
#include <k/errno.h>
#include <k/sched.h>
#include <k/string.h>
#include <k/proc.h>
#include <k/syscall.h>
#include <k/vmm.h>
#include "../../kernel/sys.h"
#include "trap.h"
#include "x86.h"

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

struct regs *syscall_current_regs(void) { return this_cpu()->syscall_regs; }

uint64_t syscall_user_sp(void) { return this_cpu()->syscall_regs->rsp; }

void syscall_dispatch(struct regs *r)
{
	this_cpu()->syscall_regs = r;
	r->rax = (uint64_t)syscall_run((long)r->rax, (long)r->rdi, (long)r->rsi, (long)r->rdx,
				       (long)r->r10, (long)r->r8, (long)r->r9);
	/* A thread switched out in the call comes back on this stack, maybe on
	 * another core: the frame is r, not the per-core pointer. */
	sched_flush_ipis(); /* the wake-ups of the call, its locks released */
	struct thread *t = thread_current();
	if (t->pending)
		signal_deliver_pending(r);
	if (t->has_saved_mask) { /* nothing was delivered with the wait's mask */
		t->sigmask = t->saved_sigmask;
		t->has_saved_mask = false;
	}
}

long sys_rt_sigreturn(SYSARGS) { return signal_return(syscall_current_regs()); }

static bool canonical_user(uint64_t a) { return a < 0x0000800000000000ull; }

long sys_arch_prctl(SYSARGS)
{
	struct thread *t = thread_current();
	uint64_t v;
	switch (a0) {
	case ARCH_SET_FS:
		if (!canonical_user((uint64_t)a1))
			return -EPERM;
		t->fs_base = (uint64_t)a1;
		wrmsr(MSR_FS_BASE, t->fs_base);
		return 0;
	case ARCH_GET_FS:
		return user_copy_out((uint64_t)a1, &t->fs_base, 8);
	case ARCH_SET_GS:
		/* The user's GS base sits in KERNEL_GS while the kernel runs. */
		if (!canonical_user((uint64_t)a1))
			return -EPERM;
		t->gs_base = (uint64_t)a1;
		wrmsr(MSR_KERNEL_GS, (uint64_t)a1);
		return 0;
	case ARCH_GET_GS:
		v = rdmsr(MSR_KERNEL_GS);
		return user_copy_out((uint64_t)a1, &v, 8);
	default:
		return -EINVAL;
	}
}

void cpu_set_kernel_stack(uint64_t top);
void fpu_init_area(void *area);
void thread_entry(void);
void switch_stacks(uint64_t *save, uint64_t load);

uint64_t arch_hwcap(void)
{
	uint32_t r[4];
	cpuid(1, 0, r);
	return r[3];
}

/* The first user frame of the main thread. */
void arch_user_regs(struct regs **out, uint64_t entry, uint64_t sp)
{
	static struct regs r;
	memset(&r, 0, sizeof(r));
	r.rip = entry;
	r.rsp = sp;
	*out = &r;
}


/* A new thread's kernel stack: its user frame at the top, and below it what
 * switch_stacks pops: six callee-saved registers and a return into
 * thread_entry, which finishes the switch and returns to ring 3. */
bool arch_thread_init(struct thread *t, const struct regs *regs, uint64_t sp)
{
	struct regs *r = (struct regs *)(t->kstack_top - sizeof(struct regs));
	*r = *regs;
	r->rax = 0;
	if (sp)
		r->rsp = sp;
	r->cs = SEL_UCODE;
	r->ss = SEL_UDATA;
	r->rflags = (regs->rflags & 0x254dd5ull) | RFLAGS_IF | 2;
	uint64_t *k = (uint64_t *)r;
	*--k = (uint64_t)thread_entry;
	for (int i = 0; i < 6; i++)
		*--k = 0;
	t->ksp = (uint64_t)k;
	if (t->fpu)
		fpu_init_area(t->fpu);
	return true;
}

void kthread_entry(void);

void arch_kthread_init(struct thread *t)
{
	uint64_t *k = (uint64_t *)(t->kstack_top - 16);
	*--k = (uint64_t)kthread_entry;
	/* switch_stacks pops r15 r14 r13 r12 rbx rbp: r12 carries t */
	*--k = 0;              /* rbp */
	*--k = 0;              /* rbx */
	*--k = (uint64_t)t;    /* r12 */
	*--k = 0;              /* r13 */
	*--k = 0;              /* r14 */
	*--k = 0;              /* r15 */
	t->ksp = (uint64_t)k;
}

void arch_switch(struct thread *prev, struct thread *next)
{
	if (!prev->kernel_only) {
		fpu_save(prev->fpu);
		prev->gs_base = rdmsr(MSR_KERNEL_GS);
	}
	if (!next->kernel_only) {
		fpu_restore(next->fpu);
		wrmsr(MSR_FS_BASE, next->fs_base);
		wrmsr(MSR_KERNEL_GS, next->gs_base);
		cpu_set_kernel_stack(next->kstack_top);
	}
	switch_stacks(&prev->ksp, next->ksp);
}
