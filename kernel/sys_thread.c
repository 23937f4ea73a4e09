/* SPDX-License-Identifier: MIT */
/* Thread system calls: clone (threads only: one process per VM), affinity,
 * getcpu and Toro's placement call for the next clone. */
#include <k/errno.h>
#include <k/sched.h>
#include <k/syscall.h>
#include "sys.h"

#define CLONE_VM 0x100
#define CLONE_FS 0x200
#define CLONE_FILES 0x400
#define CLONE_SIGHAND 0x800
#define CLONE_THREAD 0x10000
#define CLONE_SYSVSEM 0x40000
#define CLONE_SETTLS 0x80000
#define CLONE_PARENT_SETTID 0x100000
#define CLONE_CHILD_CLEARTID 0x200000
#define CLONE_DETACHED 0x400000
#define CLONE_CHILD_SETTID 0x1000000

#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD)
#define OK_FLAGS (THREAD_FLAGS | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | \
		  CLONE_CHILD_CLEARTID | CLONE_DETACHED | CLONE_CHILD_SETTID | 0xff)

static uint64_t online_mask(void) { return ncpus >= 64 ? ~0ull : (1ull << ncpus) - 1; }

long sys_clone(SYSARGS)
{
	uint64_t flags = (uint64_t)a0;
	struct thread *cur = thread_current();

	if ((flags & THREAD_FLAGS) != THREAD_FLAGS)
		return -ENOSYS; /* fork, vfork: a Toro VM runs one program */
	if (flags & ~(uint64_t)OK_FLAGS)
		return -EINVAL;
	if ((flags & CLONE_SETTLS) && (uint64_t)a4 >= 0x0000800000000000ull)
		return -EPERM;
	int cpu = cur->spawn_cpu >= 0 ? cur->spawn_cpu : cur->cpu;
	/* The child returns from the same system call with 0, on its stack. */
	struct thread *t = thread_create(syscall_current_regs(), (uint64_t)a1, cpu);
	if (!t)
		return -EAGAIN;
	t->fs_base = (flags & CLONE_SETTLS) ? (uint64_t)a4 : cur->fs_base;
	t->gs_base = cur->gs_base;
	if (flags & CLONE_CHILD_CLEARTID)
		t->clear_child_tid = (uint64_t)a3;
	if (flags & CLONE_PARENT_SETTID)
		user_copy_out((uint64_t)a2, &t->tid, 4);
	if (flags & CLONE_CHILD_SETTID)
		user_copy_out((uint64_t)a3, &t->tid, 4);
	int tid = t->tid;
	sched_wake(t);
	return tid;
}

static struct thread *target(long pid)
{
	if (pid == 0 || pid == thread_current()->tid)
		return thread_current();
	return thread_by_tid((int)pid);
}

long sys_sched_getaffinity(SYSARGS)
{
	struct thread *t = target(a0);
	if (!t)
		return -ESRCH;
	if ((uint64_t)a1 < 8 || (a1 & 7))
		return -EINVAL;
	uint64_t mask = t->affinity & online_mask();
	if (user_copy_out((uint64_t)a2, &mask, 8))
		return -EFAULT;
	return 8;
}

long sys_sched_setaffinity(SYSARGS)
{
	struct thread *t = target(a0);
	uint64_t mask = 0;
	if (!t)
		return -ESRCH;
	if (user_copy_in(&mask, (uint64_t)a2, (uint64_t)a1 < 8 ? (size_t)a1 : 8))
		return -EFAULT;
	mask &= online_mask();
	if (!mask)
		return -EINVAL;
	if (!(mask & (1ull << t->cpu)))
		sched_set_cpu(t, __builtin_ctzll(mask)); /* the one explicit move */
	t->affinity = mask;
	return 0;
}

long sys_getcpu(SYSARGS)
{
	unsigned cpu = (unsigned)this_cpu()->id, node = 0;
	if (a0 && user_copy_out((uint64_t)a0, &cpu, 4))
		return -EFAULT;
	if (a1 && user_copy_out((uint64_t)a1, &node, 4))
		return -EFAULT;
	return 0;
}

/* Toro's own (TORO_SYS_SPAWN_CPU in <toro/thread.h>). */
long sys_toro_spawn_cpu(SYSARGS)
{
	int cpu = (int)a0; /* an int through syscall()'s varargs: upper half undefined */
	if (cpu < -1 || cpu >= ncpus)
		return -EINVAL;
	thread_current()->spawn_cpu = cpu;
	return 0;
}
