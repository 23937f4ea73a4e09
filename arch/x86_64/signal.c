/* SPDX-License-Identifier: MIT */
/*
 * Signal frames in the Linux x86-64 layout (rt_sigframe: return address, then
 * ucontext with the sigcontext register order of <sys/ucontext.h>, siginfo, and
 * the XSAVE/FXSAVE image 64-byte aligned), so musl's handlers, siglongjmp and
 * rt_sigreturn work unchanged. Also the crash report of an unhandled fault.
 */
#include <k/arch.h>
#include <k/component.h>
#include <k/console.h>
#include <k/errno.h>
#include <k/kheap.h>
#include <k/pmm.h>
#include <k/proc.h>
#include <k/string.h>
#include <k/symtab.h>
#include <k/syscall.h>
#include <k/vmm.h>
#include "x86.h"
#include "trap.h"
#include "../../kernel/sys.h"

struct sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2, fpstate;
	uint64_t reserved[8];
};

struct ucontext {
	uint64_t uc_flags, uc_link;
	uint64_t ss_sp;
	int32_t ss_flags, pad;
	uint64_t ss_size;
	struct sigcontext mc;
	uint64_t sigmask[16];   /* musl's ucontext_t has 128 bytes here */
	uint8_t fpregs_mem[512];
};

struct siginfo {
	int32_t si_signo, si_errno, si_code, pad;
	uint64_t si_addr;
	uint8_t rest[128 - 24];
};

_Static_assert(sizeof(struct sigcontext) == 256, "sigcontext layout");
_Static_assert(__builtin_offsetof(struct ucontext, mc) == 40, "ucontext layout");
_Static_assert(__builtin_offsetof(struct ucontext, sigmask) == 296, "ucontext layout");

/* User-modifiable flags: CF PF AF ZF SF TF DF OF AC ID; IF always on. */
#define RFLAGS_USER 0x254dd5ull

/* iretq to a non-canonical rip faults in the kernel, after swapgs has put
 * the user's GS back (Intel SDM, IRET: #GP(0) before the return happens), so
 * no such rip may reach intr_return. TCG does not check; hardware does. */
static bool canonical_user_rip(uint64_t rip) { return rip < 0x0000800000000000ull; }

/* The thread's own save area holds the live FPU state while it is copied to
 * or from a signal frame (the kernel never touches the FPU itself). */
static uint8_t *fpu_area(void)
{
	return thread_current()->fpu;
}

static const char *const signames[] = {
	[SIGHUP] = "SIGHUP", [SIGINT] = "SIGINT", [SIGQUIT] = "SIGQUIT",
	[SIGILL] = "SIGILL", [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",
	[SIGBUS] = "SIGBUS", [SIGFPE] = "SIGFPE", [SIGKILL] = "SIGKILL",
	[SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
	[SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM",
};

static const char *signame(int sig)
{
	if (sig > 0 && sig < (int)(sizeof(signames) / sizeof(signames[0])) && signames[sig])
		return signames[sig];
	return "signal";
}

extern char toro_symtab[], toro_symtab_end[];

static void print_addr(const char *prefix, uint64_t a)
{
	uint64_t off;
	char buf[SYMTAB_NAME_MAX + 1];
	const char *name = symtab_lookup(toro_symtab, (size_t)(toro_symtab_end - toro_symtab),
					 a, buf, &off);
	if (name)
		kprintf("%s%#018lx %s+%#lx\n", prefix, a, name, off);
	else
		kprintf("%s%#018lx\n", prefix, a);
}

static bool read_frame(uint64_t fp, bool user, uint64_t out[2])
{
	if (fp & 7)
		return false;
	if (user) {
		return user_copy_in(out, fp, 16) == 0;
	}
	uint64_t pa;
	unsigned fl;
	if (!vmm_lookup(fp, &pa, &fl) || !vmm_lookup(fp + 8, &pa, &fl) || (fl & VMM_U))
		return false;
	memcpy(out, (void *)fp, 16);
	return true;
}

static bool read_bytes(uint64_t a, bool user, void *out, size_t n)
{
	if (user)
		return user_copy_in(out, a, n) == 0;
	unsigned fl;
	if (!vmm_lookup(a, NULL, &fl) || !vmm_lookup(a + n - 1, NULL, &fl) || (fl & VMM_U))
		return false;
	memcpy(out, (void *)a, n);
	return true;
}

/* The return address of the function at rip when it has no frame of its own:
 * gcc sets up no frame in a function that calls nothing and uses no stack, so
 * the rbp chain skips its caller; the return address is then at [rsp] (or one
 * slot up, between `push %rbp` and `mov %rsp,%rbp`). */
static bool frameless_return(const struct regs *r, bool user, uint64_t *ret)
{
	uint64_t off;
	char buf[SYMTAB_NAME_MAX + 1];
	if (!symtab_lookup(toro_symtab, (size_t)(toro_symtab_end - toro_symtab), r->rip, buf, &off))
		return false;
	uint8_t c[8];
	uint64_t fn = r->rip - off;
	if (!read_bytes(fn, user, c, sizeof(c)))
		return false;
	unsigned p = (c[0] == 0xf3 && c[1] == 0x0f && c[2] == 0x1e && c[3] == 0xfa) ? 4 : 0;
	bool prologue = c[p] == 0x55 && c[p + 1] == 0x48 && c[p + 2] == 0x89 && c[p + 3] == 0xe5;
	if (prologue && off >= p + 4)
		return false;
	uint64_t sp = r->rsp + (prologue && off > p ? 8 : 0);
	if (!read_bytes(sp, user, ret, 8))
		return false;
	uint64_t o2;
	return symtab_lookup(toro_symtab, (size_t)(toro_symtab_end - toro_symtab), *ret, buf, &o2);
}

void crash_report(const struct regs *r, uint64_t addr, int sig)
{
	bool user = (r->cs & 3) == 3;
	if (sig > 0)
		kprintf("toro: fatal signal %d (%s): %s at %#lx, address %#lx\n", sig,
			signame(sig), trap_name(r->vector), r->rip, addr);
	else
		kprintf("toro: kernel fault: %s at %#lx, address %#lx, error %#lx\n",
			trap_name(r->vector), r->rip, addr, r->error);
	kprintf("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", r->rax, r->rbx, r->rcx, r->rdx);
	kprintf("  rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n", r->rsi, r->rdi, r->rbp, r->rsp);
	kprintf("  r8  %016lx r9  %016lx r10 %016lx r11 %016lx\n", r->r8, r->r9, r->r10, r->r11);
	kprintf("  r12 %016lx r13 %016lx r14 %016lx r15 %016lx\n", r->r12, r->r13, r->r14, r->r15);
	kprintf("  rip %016lx rflags %08lx cs %lx ss %lx error %lx\n", r->rip, r->rflags, r->cs,
		r->ss, r->error);
	kprintf("backtrace:\n");
	print_addr("  #0 ", r->rip);
	uint64_t fp = r->rbp, frame[2], ret;
	int i = 1;
	if (frameless_return(r, user, &ret)) {
		print_addr("  #1 ", ret);
		i++;
	}
	for (; i < 16 && fp && read_frame(fp, user, frame); i++) {
		if (frame[1] == 0)
			break;
		char prefix[8] = "  #  ";
		prefix[3] = (char)('0' + i % 10);
		if (i >= 10) {
			prefix[3] = '1';
			prefix[4] = (char)('0' + i % 10);
		}
		print_addr(prefix, frame[1]);
		if (frame[0] <= fp)
			break; /* frames must move up the stack */
		fp = frame[0];
	}
}

/* A crash: the report, then the exit that writes the caches back and powers
 * off at once (no waiting for connections: the program's state is suspect). */
static void die(struct regs *r, int sig, uint64_t addr)
{
	struct thread *t = thread_current();
	if (!t->in_signal_report) {
		t->in_signal_report = true;
		crash_report(r, addr, sig);
	}
	proc_crash_exit(128 + sig);
}

/* Build the frame and point the thread at the handler of sig. */
static void push_frame(struct regs *r, int sig, int code, uint64_t addr)
{
	struct thread *t = thread_current();
	struct k_sigaction *act = &proc.act[sig];
	uint64_t sp = r->rsp;
	if (!canonical_user_rip(act->handler)) {
		kprintf("toro: signal %d has a handler at a non-canonical address %#lx\n", sig,
			act->handler);
		die(r, SIGSEGV, act->handler); /* Linux: a bad return, then SIGSEGV */
	}
	bool on_alt = t->altstack_size && sp >= t->altstack_sp &&
		      sp < t->altstack_sp + t->altstack_size;
	if ((act->flags & SA_ONSTACK) && t->altstack_size && !on_alt)
		sp = t->altstack_sp + t->altstack_size;
	sp -= 128; /* the interrupted code's red zone */
	uint64_t fsize = cpu_feat.xsave_size;
	uint64_t fpaddr = (sp - fsize) & ~63ull;
	uint64_t frame = (fpaddr - sizeof(struct ucontext) - sizeof(struct siginfo)) & ~15ull;
	frame -= 8; /* as after a call: rsp + 8 is 16-byte aligned */
	uint64_t uc_addr = frame + 8, si_addr = uc_addr + sizeof(struct ucontext);

	struct ucontext uc;
	struct siginfo si;
	memset(&uc, 0, sizeof(uc));
	memset(&si, 0, sizeof(si));
	si.si_signo = sig;
	si.si_code = code;
	si.si_addr = addr;
	uc.ss_sp = t->altstack_sp;
	uc.ss_size = t->altstack_size;
	uc.ss_flags = on_alt ? 1 : (t->altstack_size ? 0 : 2);
	struct sigcontext *mc = &uc.mc;
	mc->r8 = r->r8; mc->r9 = r->r9; mc->r10 = r->r10; mc->r11 = r->r11;
	mc->r12 = r->r12; mc->r13 = r->r13; mc->r14 = r->r14; mc->r15 = r->r15;
	mc->rdi = r->rdi; mc->rsi = r->rsi; mc->rbp = r->rbp; mc->rbx = r->rbx;
	mc->rdx = r->rdx; mc->rax = r->rax; mc->rcx = r->rcx; mc->rsp = r->rsp;
	mc->rip = r->rip; mc->eflags = r->rflags; mc->cs = (uint16_t)r->cs;
	mc->ss = (uint16_t)r->ss;
	mc->err = r->error; mc->trapno = r->vector; mc->cr2 = addr;
	/* The mask to go back to: the one ppoll/pselect6/epoll_pwait replaced
	 * for their wait, if they left it for this delivery. */
	uint64_t oldmask = t->has_saved_mask ? t->saved_sigmask : t->sigmask;
	t->has_saved_mask = false;
	mc->oldmask = oldmask;
	mc->fpstate = fpaddr;
	uc.sigmask[0] = oldmask;

	uint8_t *fp = fpu_area();
	if (!fp)
		die(r, sig, addr);
	fpu_save(fp);
	uint64_t ret = act->restorer;
	if (!user_access_ok(frame, fpaddr + fsize - frame) || user_copy_out(fpaddr, fp, fsize) ||
	    user_copy_out(uc_addr, &uc, sizeof(uc)) || user_copy_out(si_addr, &si, sizeof(si)) ||
	    user_copy_out(frame, &ret, 8)) {
		kprintf("toro: cannot write the signal frame for %s (stack overflow?)\n",
			signame(sig));
		die(r, sig, addr);
	}

	t->sigmask |= act->mask;
	if (!(act->flags & SA_NODEFER))
		t->sigmask |= 1ull << (sig - 1);
	if (act->flags & SA_RESETHAND)
		act->handler = SIG_DFL;
	r->rsp = frame;
	r->rip = act->handler;
	r->rdi = (uint64_t)sig;
	r->rsi = si_addr;
	r->rdx = uc_addr;
	r->rax = 0;
	r->rflags &= ~(RFLAGS_DF | RFLAGS_TF | RFLAGS_AC);
	r->cs = SEL_UCODE;
	r->ss = SEL_UDATA;
	/* The handler starts with a clean FPU (as Linux does). */
	__asm__ volatile("fninit");
	uint32_t mxcsr = 0x1f80;
	__asm__ volatile("ldmxcsr %0" ::"m"(mxcsr));
}

/* A handler's frame is built by the signals component (push_frame, listed
 * in its table below): a program without it cannot have set a handler
 * (rt_sigaction is in it too), so the fallback only guards the table. */
typedef void (*sigframe_fn)(struct regs *r, int sig, int code, uint64_t addr);
static void run_handler(struct regs *r, int sig, int code, uint64_t addr)
{
	const struct syscall_opt *o = sysopt_next(NULL, SYSOPT_SIGFRAME);
	if (!o)
		die(r, sig, addr);
	((sigframe_fn)o->p)(r, sig, code, addr);
}

void signal_fault(struct regs *r, int sig, int code, uint64_t addr)
{
	struct thread *t = thread_current();
	struct k_sigaction *act = &proc.act[sig];
	bool blocked = t->sigmask & (1ull << (sig - 1));

	/* A blocked or ignored fault signal cannot be resumed from: Linux kills. */
	if (act->handler == SIG_DFL || act->handler == SIG_IGN || blocked ||
	    !(act->flags & SA_RESTORER))
		die(r, sig, addr);
	run_handler(r, sig, code, addr);
}

static bool ignored_by_default(int sig)
{
	return sig == 17 || sig == 18 || sig == 23 || sig == 28; /* CHLD CONT URG WINCH */
}

/* Signals whose default action dumps core on Linux: Toro prints the crash
 * report instead and powers off at once (proc_crash_exit). */
static bool core_by_default(int sig)
{
	return sig == SIGQUIT || sig == SIGILL || sig == SIGTRAP || sig == SIGABRT ||
	       sig == SIGBUS || sig == SIGFPE || sig == SIGSEGV || sig == 24 || sig == 25 ||
	       sig == 31; /* XCPU XFSZ SYS */
}

void signal_deliver_pending(struct regs *r)
{
	struct thread *t = thread_current();
	if (proc_exit_stops(t))
		thread_park(); /* another thread is ending the program */
	uint64_t ready = t->pending & ~t->sigmask;
	if (!ready)
		return;
	int sig = __builtin_ctzll(ready) + 1;
	t->pending &= ~(1ull << (sig - 1));
	struct k_sigaction *act = &proc.act[sig];
	if (act->handler == SIG_IGN || (act->handler == SIG_DFL && ignored_by_default(sig)))
		return;
	if (act->handler == SIG_DFL || !(act->flags & SA_RESTORER)) {
		kprintf("toro: terminated by signal %d (%s)\n", sig, signame(sig));
		if (core_by_default(sig))
			die(r, sig, 0);
		proc_exit(128 + sig); /* TERM, INT, PIPE...: the whole way out */
	}
	run_handler(r, sig, SI_TKILL, 0);
}

/* A new thread's first way to ring 3 (entry.S thread_entry): a signal sent
 * before it ever ran, or the exit's stop, is taken here. */
void signal_thread_start(struct regs *r)
{
	sched_finish_switch();
	struct thread *t = thread_current();
	if (t->pending & ~t->sigmask)
		signal_deliver_pending(r);
}

/*
 * The FPU image of a frame, read aside and checked before it is loaded: a
 * copy straight into the thread's save area that faulted half way would
 * leave bytes there that XSAVE never rewrites (the header's reserved ones)
 * and the next XRSTOR, at a context switch, would raise #GP in the kernel.
 * Reserved bits that would make FXRSTOR/XRSTOR fault are cleared: MXCSR's
 * beyond the CPU's MXCSR_MASK, XSTATE_BV beyond XCR0, compaction, the rest
 * of the header. false: no image, or one that cannot be read.
 */
static bool restore_fpu_image(uint64_t ufp)
{
	uint8_t *fp = fpu_area();
	uint64_t fsize = cpu_feat.xsave_size;
	if (!fp || !ufp || (ufp & 63))
		return false;
	uint8_t *img = kmalloc(fsize);
	if (!img || user_copy_in(img, ufp, fsize)) {
		kfree(img);
		return false;
	}
	/* The save area was last written by FXSAVE/XSAVE: its MXCSR_MASK is the
	 * CPU's (0 means the default, 0xffbf). */
	uint32_t mask = *(uint32_t *)(fp + 28);
	*(uint32_t *)(img + 24) &= mask ? mask : 0xffbf;
	if (cpu_feat.xsave) {
		uint64_t *hdr = (uint64_t *)(img + 512);
		hdr[0] &= cpu_feat.xcr0;
		for (int i = 1; i < 8; i++)
			hdr[i] = 0;
	}
	memcpy(fp, img, fsize);
	kfree(img);
	fpu_restore(fp);
	return true;
}

/* rt_sigreturn: the handler returned into the restorer, so rsp points at the
 * ucontext. Every value taken back is sanitised: a bad frame kills with SIGSEGV. */
long signal_return(struct regs *r)
{
	struct thread *t = thread_current();
	struct ucontext uc;
	uint64_t uc_addr = r->rsp;

	if (user_copy_in(&uc, uc_addr, sizeof(uc)))
		die(r, SIGSEGV, uc_addr);
	struct sigcontext *mc = &uc.mc;
	r->r8 = mc->r8; r->r9 = mc->r9; r->r10 = mc->r10; r->r11 = mc->r11;
	r->r12 = mc->r12; r->r13 = mc->r13; r->r14 = mc->r14; r->r15 = mc->r15;
	r->rdi = mc->rdi; r->rsi = mc->rsi; r->rbp = mc->rbp; r->rbx = mc->rbx;
	r->rdx = mc->rdx; r->rax = mc->rax; r->rcx = mc->rcx; r->rsp = mc->rsp;
	r->rip = mc->rip;
	r->rflags = (mc->eflags & RFLAGS_USER) | RFLAGS_IF | 2;
	r->cs = SEL_UCODE;
	r->ss = SEL_UDATA;
	t->sigmask = uc.sigmask[0] & ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)));

	if (!restore_fpu_image(mc->fpstate))
		__asm__ volatile("fninit");
	if (!canonical_user_rip(r->rip))
		signal_fault(r, SIGSEGV, SI_KERNEL, 0); /* as Linux after its bad iret */
	return (long)r->rax;
}

/* The signals component (tools/components.tab): handlers, their frames and
 * rt_sigreturn, the alternate stack. Linked when the program pulls in musl's
 * sigaction (signal() uses it) or abort; without it every signal takes its
 * default action (the crash report of a fault stays in the core). */
SYSGROUP(signals) = {
	SYSOPT_CALL(13, sys_rt_sigaction), SYSOPT_CALL(15, sys_rt_sigreturn),
	SYSOPT_CALL(131, sys_sigaltstack), SYSOPT_HOOK(SYSOPT_SIGFRAME, push_frame),
};
