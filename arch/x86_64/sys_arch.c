/* SPDX-License-Identifier: MIT */
/* The system call entry's C half, arch_prctl and rt_sigreturn. */
#include <k/errno.h>
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

static struct regs *cur_regs;

struct regs *syscall_current_regs(void) { return cur_regs; }

void syscall_dispatch(struct regs *r)
{
	cur_regs = r;
	r->rax = (uint64_t)syscall_run((long)r->rax, (long)r->rdi, (long)r->rsi, (long)r->rdx,
				       (long)r->r10, (long)r->r8, (long)r->r9);
	if (thread_current()->pending)
		signal_deliver_pending(r);
}

long sys_rt_sigreturn(SYSARGS) { return signal_return(cur_regs); }

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
		wrmsr(MSR_KERNEL_GS, (uint64_t)a1);
		return 0;
	case ARCH_GET_GS:
		v = rdmsr(MSR_KERNEL_GS);
		return user_copy_out((uint64_t)a1, &v, 8);
	default:
		return -EINVAL;
	}
}

void intr_return_to(struct regs *r) __attribute__((noreturn));
void arch_enter_user(struct regs *r) __attribute__((noreturn));
void cpu_set_kernel_stack(uint64_t top);
void cpu_enable_smap(void);

uint64_t arch_hwcap(void)
{
	uint32_t r[4];
	cpuid(1, 0, r);
	return r[3];
}

void arch_user_start(uint64_t entry, uint64_t sp, uint64_t kstack)
{
	struct regs *r = (struct regs *)(kstack - sizeof(struct regs));
	for (unsigned i = 0; i < sizeof(*r) / 8; i++)
		((uint64_t *)r)[i] = 0;
	r->rip = entry;
	r->cs = SEL_UCODE;
	r->ss = SEL_UDATA;
	r->rsp = sp;
	r->rflags = RFLAGS_IF | 2;
	cpu_set_kernel_stack(kstack);
	cpu_enable_smap();
	arch_enter_user(r);
}
