/* SPDX-License-Identifier: MIT */
/*
 * The fuzzer's calls: the table of the calls Toro implements with the kind of
 * each argument, numbers outside it, and the calls that would end or disarm
 * the fuzzer itself if made at random, made in a tamed form instead:
 *   exit, exit_group    never (the run ends by itself; clone's children exit)
 *   clone               a thread whose child exits at once without touching
 *                       memory, whatever stack and TLS it was given
 *   rt_sigaction        our handler, SIG_IGN, or a bad pointer; ours put back
 *   rt_sigprocmask, sigaltstack   made as generated, then ours put back
 *   arch_prctl          as generated, then the thread's TLS base put back
 *   kill, tkill, tgkill never SIGKILL or SIGSTOP (nothing can catch them)
 *   mmap, munmap, mprotect, madvise, msync, mremap   an address inside the
 *                       program's own memory only in the sandbox or in a
 *                       mapping the fuzzer made (else it moves to the sandbox)
 *   brk                 never below where it was when fuzzing started
 *   rt_sigreturn        a frame of the fuzzer's own (random registers, flags,
 *                       selectors, FPU image; a rip that lands on ud2, on a
 *                       syscall, or anywhere bad): the fault it ends in comes
 *                       back to the loop through the handler
 *   toro_selfcheck      always with TORO_SELFCHECK_QUIET (a line only on failure)
 * Descriptors 1000 (our console) and 1001 (the loopback listener) are never
 * passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <toro/selfcheck.h>
#include <ucontext.h>

#include "sysfuzz.h"

#define C(name, flags, ...) { SYS_##name, #name, { __VA_ARGS__ }, flags }

const struct fz_call fz_calls[] = {
	C(read, 0, K_FD, K_BUF, K_LEN), C(write, 0, K_FD, K_BUF, K_LEN),
	C(open, FZ_NEWFD, K_PATH, K_FLAGS, K_MODE), C(close, 0, K_FD),
	C(stat, 0, K_PATH, K_PTR), C(fstat, 0, K_FD, K_PTR), C(lstat, 0, K_PATH, K_PTR),
	C(poll, 0, K_POLLFD, K_NFDS, K_MS), C(lseek, 0, K_FD, K_OFF, K_WHENCE),
	C(mmap, 0, K_MMADDR, K_MMLEN, K_PROT, K_MAPFLAGS, K_FD, K_OFF),
	C(mprotect, 0, K_MMADDR, K_MMLEN, K_PROT), C(munmap, 0, K_MMADDR, K_MMLEN),
	C(brk, FZ_SPECIAL, K_ANY), C(rt_sigaction, FZ_SPECIAL, K_SIG),
	C(rt_sigprocmask, 0, K_HOW, K_SIGSET, K_PTR, K_SIGSETSZ), C(rt_sigreturn, FZ_SPECIAL, 0),
	C(ioctl, 0, K_FD, K_IOCTL, K_PTR), C(pread64, 0, K_FD, K_BUF, K_LEN, K_OFF),
	C(pwrite64, 0, K_FD, K_BUF, K_LEN, K_OFF), C(readv, 0, K_FD, K_IOV, K_IOVCNT),
	C(writev, 0, K_FD, K_IOV, K_IOVCNT), C(access, 0, K_PATH, K_MODE),
	C(pipe, 0, K_PTR), C(select, 0, K_NFDS, K_FDSET, K_FDSET, K_FDSET, K_TV),
	C(sched_yield, 0, 0), C(mremap, 0, K_MMADDR, K_MMLEN, K_MMLEN, K_FLAGS, K_MMADDR),
	C(msync, 0, K_MMADDR, K_MMLEN, K_FLAGS), C(madvise, 0, K_MMADDR, K_MMLEN, K_SMALL),
	C(dup, FZ_NEWFD, K_FD), C(dup2, FZ_NEWFD, K_FD, K_FD), C(pause, FZ_BLOCKS, 0),
	C(nanosleep, FZ_BLOCKS, K_TS, K_PTR), C(getpid, 0, 0),
	C(sendfile, 0, K_FD, K_FD, K_PTR, K_LEN), C(socket, FZ_NEWFD, K_DOMAIN, K_TYPE, K_PROTO),
	C(connect, FZ_BLOCKS, K_FD, K_SOCKADDR, K_SOCKLEN),
	C(accept, FZ_NEWFD | FZ_BLOCKS, K_FD, K_SOCKADDR, K_SOCKLENP),
	C(sendto, FZ_BLOCKS, K_FD, K_BUF, K_LEN, K_FLAGS, K_SOCKADDR, K_SOCKLEN),
	C(recvfrom, FZ_BLOCKS, K_FD, K_BUF, K_LEN, K_FLAGS, K_SOCKADDR, K_SOCKLENP),
	C(sendmsg, FZ_BLOCKS, K_FD, K_MSGHDR, K_FLAGS), C(recvmsg, FZ_BLOCKS, K_FD, K_MSGHDR, K_FLAGS),
	C(shutdown, 0, K_FD, K_HOW), C(bind, 0, K_FD, K_SOCKADDR, K_SOCKLEN),
	C(listen, 0, K_FD, K_SMALL), C(getsockname, 0, K_FD, K_SOCKADDR, K_SOCKLENP),
	C(getpeername, 0, K_FD, K_SOCKADDR, K_SOCKLENP),
	C(setsockopt, 0, K_FD, K_LEVEL, K_OPTNAME, K_PTR, K_LEN),
	C(getsockopt, 0, K_FD, K_LEVEL, K_OPTNAME, K_PTR, K_SOCKLENP),
	C(clone, FZ_SPECIAL, K_FLAGS), C(kill, 0, K_PID, K_SIG), C(uname, 0, K_PTR),
	C(fcntl, FZ_NEWFD, K_FD, K_FCNTL, K_ANY), C(flock, 0, K_FD, K_SMALL), C(fsync, 0, K_FD),
	C(fdatasync, 0, K_FD), C(truncate, 0, K_PATH, K_OFF), C(ftruncate, 0, K_FD, K_OFF),
	C(getcwd, 0, K_BUF, K_LEN), C(chdir, 0, K_PATH), C(fchdir, 0, K_FD),
	C(rename, 0, K_PATH, K_PATH), C(mkdir, 0, K_PATH, K_MODE), C(rmdir, 0, K_PATH),
	C(creat, FZ_NEWFD, K_PATH, K_MODE), C(link, 0, K_PATH, K_PATH), C(unlink, 0, K_PATH),
	C(symlink, 0, K_PATH, K_PATH), C(readlink, 0, K_PATH, K_BUF, K_LEN),
	C(chmod, 0, K_PATH, K_MODE), C(fchmod, 0, K_FD, K_MODE), C(chown, 0, K_PATH, K_SMALL, K_SMALL),
	C(fchown, 0, K_FD, K_SMALL, K_SMALL), C(lchown, 0, K_PATH, K_SMALL, K_SMALL),
	C(umask, 0, K_MODE), C(gettimeofday, 0, K_PTR, K_PTR), C(getrlimit, 0, K_RES, K_PTR),
	C(sysinfo, 0, K_PTR), C(getuid, 0, 0), C(geteuid, 0, 0), C(getgid, 0, 0), C(getegid, 0, 0),
	C(getppid, 0, 0), C(sigaltstack, FZ_SPECIAL, K_PTR, K_PTR), C(mknod, 0, K_PATH, K_MODE, K_ANY),
	C(statfs, 0, K_PATH, K_PTR), C(fstatfs, 0, K_FD, K_PTR), C(arch_prctl, FZ_SPECIAL, K_ANY),
	C(sync, 0, 0), C(gettid, 0, 0), C(tkill, 0, K_TID, K_SIG), C(time, 0, K_PTR),
	C(futex, FZ_BLOCKS, K_FUTEX, K_FUTEXOP, K_SMALL, K_TS, K_FUTEX, K_SMALL),
	C(sched_setaffinity, 0, K_TID, K_LEN, K_CPUMASK), C(sched_getaffinity, 0, K_TID, K_LEN, K_PTR),
	C(epoll_create, FZ_NEWFD, K_SMALL), C(getdents64, 0, K_FD, K_BUF, K_LEN),
	C(set_tid_address, 0, K_PTR), C(clock_gettime, 0, K_CLOCK, K_PTR),
	C(clock_getres, 0, K_CLOCK, K_PTR), C(clock_nanosleep, FZ_BLOCKS, K_CLOCK, K_SMALL, K_TS, K_PTR),
	C(epoll_wait, FZ_BLOCKS, K_FD, K_PTR, K_SMALL, K_MS),
	C(epoll_ctl, 0, K_FD, K_EPOP, K_FD, K_EPEV), C(tgkill, 0, K_PID, K_TID, K_SIG),
	C(openat, FZ_NEWFD, K_DIRFD, K_PATH, K_FLAGS, K_MODE), C(mkdirat, 0, K_DIRFD, K_PATH, K_MODE),
	C(mknodat, 0, K_DIRFD, K_PATH, K_MODE, K_ANY), C(fchownat, 0, K_DIRFD, K_PATH, K_SMALL, K_SMALL, K_FLAGS),
	C(newfstatat, 0, K_DIRFD, K_PATH, K_PTR, K_FLAGS), C(unlinkat, 0, K_DIRFD, K_PATH, K_FLAGS),
	C(renameat, 0, K_DIRFD, K_PATH, K_DIRFD, K_PATH), C(linkat, 0, K_DIRFD, K_PATH, K_DIRFD, K_PATH, K_FLAGS),
	C(symlinkat, 0, K_PATH, K_DIRFD, K_PATH), C(readlinkat, 0, K_DIRFD, K_PATH, K_BUF, K_LEN),
	C(fchmodat, 0, K_DIRFD, K_PATH, K_MODE, K_FLAGS), C(faccessat, 0, K_DIRFD, K_PATH, K_MODE, K_FLAGS),
	C(pselect6, FZ_BLOCKS, K_NFDS, K_FDSET, K_FDSET, K_FDSET, K_TS, K_PTR),
	C(ppoll, FZ_BLOCKS, K_POLLFD, K_NFDS, K_TS, K_SIGSET, K_SIGSETSZ),
	C(set_robust_list, 0, K_PTR, K_LEN), C(utimensat, 0, K_DIRFD, K_PATH, K_PTR, K_FLAGS),
	C(epoll_pwait, FZ_BLOCKS, K_FD, K_PTR, K_SMALL, K_MS, K_SIGSET, K_SIGSETSZ),
	C(eventfd, FZ_NEWFD, K_SMALL), C(fallocate, 0, K_FD, K_SMALL, K_OFF, K_OFF),
	C(accept4, FZ_NEWFD | FZ_BLOCKS, K_FD, K_SOCKADDR, K_SOCKLENP, K_FLAGS),
	C(eventfd2, FZ_NEWFD, K_SMALL, K_FLAGS), C(epoll_create1, FZ_NEWFD, K_FLAGS),
	C(dup3, FZ_NEWFD, K_FD, K_FD, K_FLAGS), C(pipe2, 0, K_PTR, K_FLAGS),
	C(preadv, 0, K_FD, K_IOV, K_IOVCNT, K_OFF), C(pwritev, 0, K_FD, K_IOV, K_IOVCNT, K_OFF),
	C(prlimit64, 0, K_PID, K_RES, K_PTR, K_PTR), C(syncfs, 0, K_FD),
	C(getcpu, 0, K_PTR, K_PTR, K_PTR), C(renameat2, 0, K_DIRFD, K_PATH, K_DIRFD, K_PATH, K_FLAGS),
	C(getrandom, 0, K_BUF, K_LEN, K_FLAGS), C(statx, 0, K_DIRFD, K_PATH, K_FLAGS, K_FLAGS, K_PTR),
	C(faccessat2, 0, K_DIRFD, K_PATH, K_MODE, K_FLAGS),
	{ 0x7000, "toro_spawn_cpu", { K_CPU }, 0 },
	{ TORO_SYS_SELFCHECK, "toro_selfcheck", { K_NONE }, FZ_SPECIAL },
};
const unsigned fz_ncalls = sizeof(fz_calls) / sizeof(fz_calls[0]);

int fz_slot(long nr)
{
	if (nr >= 0 && nr < 512)
		return (int)nr;
	return nr >= 0x7000 && nr <= 0x70ff ? FZ_SLOT_TORO : FZ_SLOT_OTHER;
}

const char *fz_name(long nr)
{
	if (nr == FZ_NR_REFRESH)
		return "(making a pool descriptor)";
	if (nr == FZ_NR_CLEANUP)
		return "(clean-up: closing, unlinking)";
	for (unsigned i = 0; i < fz_ncalls; i++)
		if (fz_calls[i].nr == nr)
			return fz_calls[i].name;
	return "?";
}

long fz_raw(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	long r;
	register long r10 __asm__("r10") = a3;
	register long r8 __asm__("r8") = a4;
	register long r9 __asm__("r9") = a5;
	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return r;
}

/* ---- signals: a handler for every catchable one ---- */

struct k_sigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};
#define K_SA_RESTORER 0x04000000

static struct k_sigaction ours;		/* the handler every signal gets */
static uint64_t sig_counts[65];
static char altstacks[FZ_MAX_THREADS + 1][32768] __attribute__((aligned(16)));

static bool fault_signal(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP;
}

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	struct fz_thread *t = fz_self();

	if (sig > 0 && sig <= 64)
		__atomic_add_fetch(&sig_counts[sig], 1, __ATOMIC_RELAXED);
	/* A fault signal the kernel raised has a positive si_code; one a thread
	 * sent (kill, tkill) has SI_USER or SI_TKILL and is only counted. */
	if (!fault_signal(sig) || !si || si->si_code <= 0)
		return;
	if (t && t->armed) {
		t->faults++;
		siglongjmp(t->jmp, sig);
	}
	fz_print("sysfuzz: signal %d at %p outside a fuzzing thread's loop\n", sig, si ? si->si_addr : 0);
	fz_raw(SYS_exit_group, 3, 0, 0, 0, 0, 0);
}

static void install(int sig)
{
	if (sig >= 1 && sig <= 64 && sig != SIGKILL && sig != SIGSTOP)
		fz_raw(SYS_rt_sigaction, sig, (long)&ours, 0, 8, 0, 0);
}

void fz_signals_install(void)
{
	struct sigaction sa;
	struct k_sigaction got;

	/* musl's sigaction once, to learn its restorer (rt_sigreturn's trampoline). */
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	fz_raw(SYS_rt_sigaction, SIGUSR1, 0, (long)&got, 8, 0, 0);
	ours.handler = (void *)on_signal;
	ours.flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER | K_SA_RESTORER;
	ours.restorer = got.restorer;
	ours.mask = 0;
	for (int sig = 1; sig <= 64; sig++)
		install(sig);
}

/* The calling fuzzing thread's signal state back as the fuzzer needs it. */
void fz_sig_restore(void)
{
	struct fz_thread *t = fz_self();
	uint64_t none = 0;
	struct { void *sp; int flags; size_t size; } ss = { 0, 0, sizeof(altstacks[0]) };

	fz_raw(SYS_rt_sigprocmask, SIG_SETMASK, (long)&none, 0, 8, 0, 0);
	ss.sp = altstacks[t ? t->idx : FZ_MAX_THREADS];
	fz_raw(SYS_sigaltstack, (long)&ss, 0, 0, 0, 0, 0);
}

uint64_t fz_signal_count(int sig) { return sig > 0 && sig <= 64 ? sig_counts[sig] : 0; }

static void count(struct fz_thread *t, long nr, long r)
{
	int s = fz_slot(nr);
	t->calls++;
	t->n_calls[s]++;
	if (r >= 0 || r < -4095) {
		t->ok++;
		t->n_ok[s]++;
	} else if (r == -EFAULT) {
		t->n_efault[s]++;
	} else if (r == -ENOSYS) {
		t->n_enosys[s]++;
	}
}

/* ---- the tamed calls ---- */

static uint64_t brk0;

static long tamed_brk(struct fz_thread *t, long *a)
{
	if (brk0 == 0)
		brk0 = (uint64_t)fz_raw(SYS_brk, 0, 0, 0, 0, 0, 0);
	uint64_t cur = (uint64_t)fz_raw(SYS_brk, 0, 0, 0, 0, 0, 0);
	switch (fz_below(t, 5)) {
	case 0: a[0] = (long)(cur + fz_below(t, 64) * FZ_PAGE + fz_below(t, 2) * fz_below(t, 4096)); break;
	case 1: a[0] = (long)(brk0 + fz_below(t, 4) * FZ_PAGE); break;
	case 2: a[0] = (long)(brk0 + (1ull << fz_below(t, 34))); break;
	default: a[0] = (long)fz_gen(t, K_ANY); break;
	}
	/* Below brk0 but inside the heap range would take musl's heap away. */
	if ((uint64_t)a[0] < brk0 && (uint64_t)a[0] >= 0x1000000000ull)
		a[0] = (long)brk0;
	return fz_raw(SYS_brk, a[0], 0, 0, 0, 0, 0);
}

static long tamed_sigaction(struct fz_thread *t, long *a)
{
	static struct k_sigaction acts[FZ_MAX_THREADS];
	struct k_sigaction *act = &acts[t->idx];
	int sig = (int)a[0];

	*act = ours;
	if (fz_chance(t, 30) && sig != SIGUSR1 && !fault_signal(sig))
		act->handler = SIG_IGN;
	act->flags = (fz_rand(t) & (SA_SIGINFO | SA_ONSTACK | SA_RESTART | SA_NODEFER)) | K_SA_RESTORER;
	act->mask = fz_rand(t) & ~((1ull << (SIGUSR1 - 1)) | (1ull << (SIGSEGV - 1)));
	switch (fz_below(t, 4)) {
	case 0: a[1] = 0; break;
	case 1: a[1] = (long)fz_gen(t, K_ANY) | (1ull << 63); break; /* never user memory */
	default: a[1] = (long)act; break;
	}
	a[2] = fz_chance(t, 70) ? 0 : (long)fz_gen(t, K_PTR);
	a[3] = fz_chance(t, 90) ? 8 : (long)fz_gen(t, K_SIGSETSZ);
	long r = fz_raw(SYS_rt_sigaction, a[0], a[1], a[2], a[3], 0, 0);
	install(sig);
	return r;
}

static long tamed_altstack(struct fz_thread *t, long *a)
{
	struct { uint64_t sp; int flags; uint64_t size; } *ss = (void *)fz_gen(t, K_PTR);
	if (fz_in_buffers((uint64_t)ss, sizeof(*ss)) && fz_chance(t, 70)) {
		ss->sp = fz_gen(t, K_PTR);
		ss->flags = fz_chance(t, 70) ? 0 : (int)fz_gen(t, K_FLAGS);
		ss->size = fz_chance(t, 50) ? 2048 + fz_below(t, 1 << 16) : fz_gen(t, K_LEN);
	}
	a[0] = (long)ss;
	a[1] = (long)fz_gen(t, K_PTR);
	long r = fz_raw(SYS_sigaltstack, a[0], a[1], 0, 0, 0, 0);
	fz_sig_restore();
	return r;
}

static long tamed_arch_prctl(struct fz_thread *t, long *a)
{
	static const long codes[] = { 0x1001, 0x1002, 0x1003, 0x1004, 0x1011, 0x1012, 0x3001, 0x2001 };
	a[0] = fz_chance(t, 85) ? codes[fz_below(t, 8)] : (long)fz_gen(t, K_ANY);
	a[1] = (long)fz_gen(t, fz_chance(t, 50) ? K_PTR : K_ANY);
	long r = fz_raw(SYS_arch_prctl, a[0], a[1], 0, 0, 0, 0);
	fz_raw(SYS_arch_prctl, 0x1002, (long)t->fs_base, 0, 0, 0, 0); /* ARCH_SET_FS */
	fz_raw(SYS_arch_prctl, 0x1001, 0, 0, 0, 0, 0);		     /* ARCH_SET_GS */
	return r;
}

/* clone(flags, stack, ptid, ctid, tls): a child returns 0 and exits at once
 * without a memory access, so any stack or TLS it got is harmless. */
static long raw_clone(long flags, long stack, long ptid, long ctid, long tls)
{
	long r;
	register long r10 __asm__("r10") = ctid;
	register long r8 __asm__("r8") = tls;
	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "mov $60, %%eax\n\t"
			 "xor %%edi, %%edi\n\t"
			 "syscall\n\t"
			 "ud2\n"
			 "1:"
			 : "=a"(r)
			 : "a"((long)SYS_clone), "D"(flags), "S"(stack), "d"(ptid), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return r;
}

static long tamed_clone(struct fz_thread *t, long *a)
{
	static const long thread = 0x100 | 0x200 | 0x400 | 0x800 | 0x10000; /* VM FS FILES SIGHAND THREAD */
	static const long extra[] = { 0x40000, 0x80000, 0x100000, 0x200000, 0x400000, 0x1000000 };
	long flags = fz_chance(t, 70) ? thread : (long)fz_gen(t, K_FLAGS);
	for (int i = 0; i < 3; i++)
		if (fz_chance(t, 40))
			flags |= extra[fz_below(t, 6)];
	a[0] = flags;
	a[1] = fz_chance(t, 70) ? (long)(t->clone_stack[fz_below(t, 4)] + 4096) : (long)fz_gen(t, K_ANY);
	a[2] = (long)fz_gen(t, K_PTR);
	a[3] = (long)fz_gen(t, K_PTR);
	a[4] = (long)fz_gen(t, K_ANY);
	/* The child inherits the mask: with every signal blocked, one sent to
	 * it (a fuzzed tkill finds new tids) waits until it is gone instead of
	 * needing a frame on a stack that may be garbage (that would end the
	 * program, as on Linux). */
	uint64_t all = ~0ull;
	fz_raw(SYS_rt_sigprocmask, SIG_SETMASK, (long)&all, 0, 8, 0, 0);
	long r = raw_clone(a[0], a[1], a[2], a[3], a[4]);
	fz_sig_restore();
	return r;
}

/* Landing places for rt_sigreturn, and the jump that makes it on a stack
 * of the fuzzer's own choosing. */
void fz_land_ud2(void), fz_land_nops(void), fz_land_syscall(void);
__attribute__((noreturn)) void fz_sigreturn_jump(void *frame);
__asm__(".text\n"
	"fz_land_ud2: ud2\n"
	"fz_land_nops: nop; nop; nop; nop; ud2\n"
	"fz_land_syscall: syscall; ud2\n"
	"fz_sigreturn_jump: mov %rdi, %rsp; mov $15, %eax; syscall; ud2\n");

static uint64_t sigreturn_rip(struct fz_thread *t)
{
	switch (fz_below(t, 10)) {
	case 0: case 1: case 2: return (uint64_t)(uintptr_t)fz_land_ud2;
	case 3: return (uint64_t)(uintptr_t)fz_land_nops;
	case 4: case 5: case 6: return (uint64_t)(uintptr_t)fz_land_syscall;
	default: return fz_gen(t, K_ANY) | (fz_chance(t, 50) ? 1ull << 47 : 0);
	}
}

/* Calls the syscall landing may make with whatever else the frame holds. */
static long harmless_number(struct fz_thread *t)
{
	static const long nr[] = { SYS_getpid, SYS_gettid, SYS_sched_yield, SYS_getuid, SYS_getppid,
				   SYS_uname, SYS_time, SYS_clock_gettime, SYS_getcpu };
	return nr[fz_below(t, sizeof(nr) / sizeof(nr[0]))];
}

static __attribute__((noreturn)) void tamed_sigreturn(struct fz_thread *t)
{
	static char stacks[FZ_MAX_THREADS][16384] __attribute__((aligned(64)));
	char *stack = stacks[t->idx];
	ucontext_t *uc = (ucontext_t *)(stack + sizeof(stacks[0]) / 2);
	greg_t *g = uc->uc_mcontext.gregs;

	memset(uc, 0, sizeof(*uc));
	for (unsigned i = 0; i < NGREG; i++)
		g[i] = (greg_t)fz_gen(t, K_ANY);
	g[REG_RIP] = (greg_t)sigreturn_rip(t);
	g[REG_RSP] = (greg_t)(fz_chance(t, 75) ? (uint64_t)(uintptr_t)(stack + 4096) : fz_gen(t, K_ANY));
	g[REG_EFL] = (greg_t)(fz_chance(t, 60) ? (0x202 | (fz_rand(t) & (0x100 | 0x400 | 0x40000 | 0x3000 | 0xcd5)))
					       : fz_rand(t));
	g[REG_RAX] = harmless_number(t);
	g[REG_CSGSFS] = fz_chance(t, 50) ? 0x33 : (greg_t)fz_rand(t);
	switch (fz_below(t, 4)) {
	case 0: uc->uc_mcontext.fpregs = NULL; break;
	case 1: uc->uc_mcontext.fpregs = (void *)fz_gen(t, K_ANY); break;
	default: {
		uint64_t p = fz_gen(t, K_PTR);
		uc->uc_mcontext.fpregs = (void *)(fz_chance(t, 80) ? p & ~63ull : p);
		if (fz_in_buffers(p & ~63ull, 1024))
			for (int i = 0; i < 128; i++)
				((uint64_t *)(p & ~63ull))[i] = fz_chance(t, 50) ? 0 : fz_rand(t);
		break;
	}
	}
	/* The fault signals must stay open, or the program would be ended. */
	memset(&uc->uc_sigmask, 0, sizeof(uc->uc_sigmask));
	if (fz_chance(t, 30))
		*(uint64_t *)&uc->uc_sigmask = fz_rand(t) & ~((1ull << (SIGSEGV - 1)) | (1ull << (SIGBUS - 1)) |
							      (1ull << (SIGILL - 1)) | (1ull << (SIGFPE - 1)) |
							      (1ull << (SIGTRAP - 1)));
	fz_sigreturn_jump(uc);
}

static long tamed(struct fz_thread *t, long nr, long *a)
{
	switch (nr) {
	case SYS_brk: return tamed_brk(t, a);
	case SYS_rt_sigaction: return tamed_sigaction(t, a);
	case SYS_sigaltstack: return tamed_altstack(t, a);
	case SYS_arch_prctl: return tamed_arch_prctl(t, a);
	case SYS_clone: return tamed_clone(t, a);
	case SYS_rt_sigreturn:
		count(t, nr, 0);
		tamed_sigreturn(t);
	case TORO_SYS_SELFCHECK:
		a[0] = TORO_SELFCHECK_QUIET | (fz_chance(t, 10) ? (long)fz_gen(t, K_FLAGS) : 0);
		return fz_raw(nr, a[0], 0, 0, 0, 0, 0);
	}
	return -ENOSYS;
}

/* An address the memory calls may take: not the program's own memory,
 * except the sandbox and the fuzzer's own mappings. */
static long mm_safe(long addr)
{
	uint64_t a = (uint64_t)addr;
	if (a < 0x1000000000ull || a >= 0x700000000000ull || fz_in_sandbox(a))
		return addr;
	return (long)(fz_sandbox_base() + (a % fz_sandbox_size() & ~(FZ_PAGE - 1)));
}

static void tame_args(long nr, long *a)
{
	for (int i = 0; i < 6; i++)
		if (a[i] == FZ_CONSOLE_FD || a[i] == FZ_CONSOLE_FD + 1)
			a[i] = 3;
	switch (nr) {
	case SYS_mmap:
		if (a[3] & (0x10 | 0x100000)) /* MAP_FIXED, MAP_FIXED_NOREPLACE */
			a[0] = mm_safe(a[0]);
		break;
	case SYS_munmap: case SYS_mprotect: case SYS_madvise: case SYS_msync:
		a[0] = mm_safe(a[0]);
		break;
	case SYS_mremap:
		a[0] = mm_safe(a[0]);
		a[4] = mm_safe(a[4]);
		break;
	case SYS_kill: case SYS_tkill:
		if (a[1] == SIGKILL || a[1] == SIGSTOP)
			a[1] = SIGUSR2;
		break;
	case SYS_tgkill:
		if (a[2] == SIGKILL || a[2] == SIGSTOP)
			a[2] = SIGUSR2;
		break;
	}
}

/* A number outside the table: any below 512 (most are not Toro's), beyond
 * it, Toro's range, negative, huge, the x32 bit. Never exit or exit_group,
 * nor a number the table tames. */
static long odd_number(struct fz_thread *t)
{
	long nr;
	switch (fz_below(t, 6)) {
	case 0: case 1: case 2: nr = (long)fz_below(t, 512); break;
	case 3: nr = 512 + (long)fz_below(t, 512); break;
	case 4: nr = 0x7000 + (long)fz_below(t, 0x100); break;
	default: nr = (long)fz_gen(t, K_ANY); if (fz_chance(t, 30)) nr = 0x40000000 | (nr & 0x1ff); break;
	}
	for (unsigned i = 0; i < fz_ncalls; i++)
		if (fz_calls[i].nr == nr && (fz_calls[i].flags & FZ_SPECIAL))
			return SYS_getpid;
	if (nr == SYS_exit || nr == SYS_exit_group || nr == SYS_rt_sigreturn ||
	    nr == SYS_rt_sigaction || nr == SYS_sigaltstack || nr == SYS_arch_prctl ||
	    (nr & 0x1ff) == SYS_rt_sigreturn)
		return SYS_getpid;
	return nr;
}

/* After a call: new descriptors into the pool, new mappings remembered. */
static void after(struct fz_thread *t, const struct fz_call *c, long nr, const long *a, long r)
{
	if (c && (c->flags & FZ_NEWFD) && r >= 0 && r < 1024)
		fz_pool_add(t, (int)r);
	if ((nr == SYS_pipe || nr == SYS_pipe2) && r == 0 && fz_in_buffers((uint64_t)a[0], 8)) {
		int fds[2];
		memcpy(fds, (void *)a[0], sizeof(fds));
		fz_pool_add(t, fds[0]);
		fz_pool_add(t, fds[1]);
	}
	if (nr == SYS_mmap && r > 0 && !fz_in_sandbox((uint64_t)r) && a[1] > 0 && (uint64_t)a[1] < (1ull << 40))
		fz_note_mapping((uint64_t)r, (uint64_t)a[1]);
	if (nr == SYS_rt_sigprocmask)
		fz_sig_restore();
}

void fz_one_call(struct fz_thread *t)
{
	const struct fz_call *c = NULL;
	long nr, a[6], r;

	if (fz_chance(t, 92)) {
		c = &fz_calls[fz_below(t, fz_ncalls)];
		nr = c->nr;
	} else {
		nr = odd_number(t);
	}
	t->last_ptr = 0;
	t->last_len = 16;
	t->last_count = 1;
	for (int i = 0; i < 6; i++)
		a[i] = (long)fz_gen(t, c ? (enum fz_kind)c->arg[i] : K_ANY);
	tame_args(nr, a);
	t->cur_nr = nr;
	for (int i = 0; i < 6; i++)
		t->cur_arg[i] = a[i];
	if (fz_opt.trace)
		fz_print("T%d %s(%ld) %lx %lx %lx %lx %lx %lx\n", t->idx, fz_name(nr), nr,
			 a[0], a[1], a[2], a[3], a[4], a[5]);
	t->kicks = 0;
	t->call_ns = fz_now_ns();
	__atomic_store_n(&t->in_call, 1, __ATOMIC_RELEASE);
	if (c && (c->flags & FZ_SPECIAL))
		r = tamed(t, nr, a);
	else
		r = fz_raw(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	__atomic_store_n(&t->in_call, 0, __ATOMIC_RELEASE);
	if (fz_opt.trace)
		fz_print("T%d = %ld\n", t->idx, r);
	count(t, nr, r);
	after(t, c, nr, a, r);
}
