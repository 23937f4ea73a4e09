/* SPDX-License-Identifier: MIT */
/*
 * Exceptions and interrupts. A fault in ring 3 becomes a signal to the
 * faulting thread; a page fault inside a VMA maps a page on demand; a fault in
 * the kernel's user-copy routines resumes at their fixup with -EFAULT; any
 * other kernel fault panics with a crash report.
 */
#include <k/console.h>
#include <k/errno.h>
#include <k/proc.h>
#include <k/irq.h>
#include <k/sched.h>
#include <k/spinlock.h>
#include <k/uvm.h>
#include "x86.h"
#include "trap.h"
#include "timer.h"

extern char copy_user_start[], copy_user_end[], copy_user_fixup[];
extern char copy_user_nofault_start[], copy_user_nofault_end[];
extern char clear_user_start[], clear_user_end[];
extern char strncpy_user_start[], strncpy_user_end[];

static const struct {
	char *start, *end;
} extable[] = {
	{ copy_user_start, copy_user_end },
	{ copy_user_nofault_start, copy_user_nofault_end },
	{ clear_user_start, clear_user_end },
	{ strncpy_user_start, strncpy_user_end },
};

static bool fixup(struct regs *r)
{
	for (unsigned i = 0; i < sizeof(extable) / sizeof(extable[0]); i++) {
		if (r->rip >= (uint64_t)extable[i].start && r->rip <= (uint64_t)extable[i].end) {
			/* Every routine returns -EFAULT from the same fixup. */
			r->rip = (uint64_t)copy_user_fixup;
			return true;
		}
	}
	return false;
}

static const char *const names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow", "bound range",
	"invalid opcode", "device not available", "double fault", "coprocessor overrun",
	"invalid TSS", "segment not present", "stack fault", "general protection",
	"page fault", "reserved", "x87 floating point", "alignment check",
	"machine check", "SIMD floating point", "virtualization", "control protection",
};

const char *trap_name(uint64_t v)
{
	return v < 32 && names[v] ? names[v] : "interrupt";
}

static void user_fault(struct regs *r, uint64_t cr2)
{
	int sig = SIGSEGV, code = 0;
	uint64_t addr = r->rip;

	switch (r->vector) {
	case 0: sig = SIGFPE; code = FPE_INTDIV; break;
	case 16: case 19: sig = SIGFPE; code = FPE_FLTINV; break;
	case 6: sig = SIGILL; code = ILL_ILLOPN; break;
	case 3: case 1: sig = SIGTRAP; code = 1; break;
	case 17: sig = SIGBUS; code = BUS_ADRALN; break;
	case 14:
		sig = SIGSEGV;
		addr = cr2;
		code = (r->error & 1) ? SEGV_ACCERR : SEGV_MAPERR;
		break;
	case 12: case 13: sig = SIGSEGV; addr = 0; code = 0x80; break; /* SI_KERNEL */
	default: sig = SIGSEGV; break;
	}
	signal_fault(r, sig, code, addr);
}

void trap_dispatch(struct regs *r)
{
	bool user = (r->cs & 3) == 3;
	/* An interrupt or a fault inside a user copy (stac) would run its
	 * handler, and any thread it switches to, with SMAP off; iretq gives
	 * the interrupted code its AC back. Under TCG it also saves translating
	 * the fault and wake paths a second time (AC is part of a block's key). */
	clac();
	switch (r->vector) {
	case VEC_TIMER:
	case VEC_IPI_WAKE:
		timer_eoi();
		sched_interrupt(user, r->vector == VEC_TIMER);
		/* A signal another thread sent while this one ran in ring 3. */
		if (user && (thread_current()->pending & ~thread_current()->sigmask))
			signal_deliver_pending(r);
		return;
	case VEC_IPI_TLB:
		timer_eoi();
		smp_poll();
		return;
	case VEC_SPURIOUS:
		return;
	}
	if (r->vector >= IRQ_VEC_FIRST && r->vector <= IRQ_VEC_LAST) {
		irq_dispatch((unsigned)r->vector);
		sched_flush_ipis(); /* wake-ups its handler made */
		/* A handler may have signalled the thread it interrupted (SIGTERM
		 * from the host's shutdown request). */
		if (user && (thread_current()->pending & ~thread_current()->sigmask))
			signal_deliver_pending(r);
		return;
	}
	if (r->vector >= 32) {
		timer_eoi();
		return;
	}
	uint64_t cr2 = r->vector == 14 ? read_cr2() : 0;
	/* The no-fault copy runs under a spinlock: it must not map a page. */
	bool nofault = !user && r->rip >= (uint64_t)copy_user_nofault_start &&
		       r->rip <= (uint64_t)copy_user_nofault_end;
	if (r->vector == 14 && !nofault && uvm_fault(cr2, r->error & 2, r->error & 16) == 0)
		return;
	if ((r->cs & 3) == 3) {
		user_fault(r, cr2);
		return;
	}
	if (r->vector == 14 && fixup(r))
		return;
	crash_report(r, cr2, -1);
	kprintf("toro: kernel panic: %s in kernel mode\n", trap_name(r->vector));
	proc_poweroff(255);
}
