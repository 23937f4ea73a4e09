/* SPDX-License-Identifier: MIT */
/* Signal dispositions, masks, the alternate stack, and signals the program
 * sends itself (raise, abort). Faults are raised by arch code. */
#include <k/errno.h>
#include <k/proc.h>
#include <k/string.h>
#include <k/syscall.h>
#include "sys.h"

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#define SS_ONSTACK 1
#define SS_DISABLE 2
#define MINSIGSTKSZ 2048
#define UNBLOCKABLE ((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)))

long sys_rt_sigaction(SYSARGS)
{
	int sig = (int)a0;
	struct k_sigaction act;
	if (sig < 1 || sig >= NSIG || a3 != 8)
		return -EINVAL;
	if (a1 && user_copy_in(&act, (uint64_t)a1, sizeof(act)))
		return -EFAULT;
	if (a1 && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	if (a2 && user_copy_out((uint64_t)a2, &proc.act[sig], sizeof(act)))
		return -EFAULT;
	if (a1) {
		act.mask &= ~UNBLOCKABLE;
		proc.act[sig] = act;
	}
	return 0;
}

long sys_rt_sigprocmask(SYSARGS)
{
	struct thread *t = thread_current();
	uint64_t set, old = t->sigmask;
	if (a3 != 8)
		return -EINVAL;
	if (a1) {
		if (user_copy_in(&set, (uint64_t)a1, 8))
			return -EFAULT;
		switch (a0) {
		case SIG_BLOCK: t->sigmask |= set; break;
		case SIG_UNBLOCK: t->sigmask &= ~set; break;
		case SIG_SETMASK: t->sigmask = set; break;
		default: return -EINVAL;
		}
		t->sigmask &= ~UNBLOCKABLE;
	}
	if (a2 && user_copy_out((uint64_t)a2, &old, 8)) {
		t->sigmask = old;
		return -EFAULT;
	}
	return 0;
}

struct kstack_t {
	uint64_t sp;
	int32_t flags, pad;
	uint64_t size;
};

long sys_sigaltstack(SYSARGS)
{
	struct thread *t = thread_current();
	uint64_t sp = syscall_user_sp();
	/* Running on it (in a handler that took it): SS_ONSTACK, as on Linux.
	 * Linux also refuses a change meanwhile (EPERM); Toro allows it, so a
	 * program (the system call fuzzer) that left a handler by longjmp can
	 * always put its own stack back. */
	bool on = t->altstack_size && sp - t->altstack_sp < t->altstack_size;
	struct kstack_t ss, old = { t->altstack_sp,
				     on ? SS_ONSTACK : t->altstack_size ? 0 : SS_DISABLE, 0,
				     t->altstack_size };
	if (a0) {
		if (user_copy_in(&ss, (uint64_t)a0, sizeof(ss)))
			return -EFAULT;
		if (ss.flags & ~SS_DISABLE)
			return -EINVAL;
		if (ss.flags & SS_DISABLE) {
			t->altstack_sp = 0;
			t->altstack_size = 0;
		} else {
			if (ss.size < MINSIGSTKSZ)
				return -ENOMEM;
			t->altstack_sp = ss.sp;
			t->altstack_size = ss.size;
		}
	}
	if (a1 && user_copy_out((uint64_t)a1, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

long sys_tkill(SYSARGS)
{
	int sig = (int)a1;
	if (sig < 0 || sig >= NSIG)
		return -EINVAL;
	if (sig == 0)
		return thread_by_tid((int)a0) ? 0 : -ESRCH;
	return thread_signal((int)a0, sig);
}

long sys_tgkill(SYSARGS)
{
	if (a0 != 1)
		return -ESRCH;
	return sys_tkill(a1, a2, 0, 0, 0, 0);
}

long sys_kill(SYSARGS)
{
	if (a0 != 1 && a0 != 0 && a0 != -1)
		return -ESRCH;
	return sys_tkill(thread_current()->tid, a1, 0, 0, 0, 0);
}
