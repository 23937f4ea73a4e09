/* SPDX-License-Identifier: MIT */
/* The system call table: Linux x86-64 numbers. Handlers up to the highest one Toro has;
 * names (two bytes of number, then the name) only for the log line of
 * an unsupported call, so the table stays small. The calls of optional
 * components (poll, epoll, pipe, eventfd, files, the network's sockets, ...)
 * are in their components' tables, linked per program: see below and
 * docs/kernel.md, "Components". */
#include <k/component.h>
#include <k/syscall.h>
#include "sys.h"

#define H(fn) ((syscall_fn)(fn))

/* The calls every kernel has, as X(number, handler name without sys_). */
#define CORE_CALLS(X) \
	X(0, read) X(1, write) X(3, close) X(5, fstat) X(8, lseek) X(9, mmap) \
	X(11, munmap) X(12, brk) X(14, rt_sigprocmask) \
	X(16, ioctl) X(19, readv) X(20, writev) X(24, sched_yield) \
	X(32, dup) X(33, dup2) X(34, pause) X(35, nanosleep) \
	X(39, getpid) X(60, exit) X(62, kill) X(63, uname) X(72, fcntl) X(74, fsync) \
	X(75, fdatasync) \
	X(95, umask) X(96, gettimeofday) X(97, getrlimit) X(98, getrusage) X(99, sysinfo) X(102, getuid) \
	X(104, getuid) X(107, getuid) X(108, getuid) X(110, getuid) \
	X(158, arch_prctl) X(186, gettid) X(200, tkill) X(201, time) \
	X(203, sched_setaffinity) X(204, sched_getaffinity) X(218, set_tid_address) \
	X(228, clock_gettime) X(229, clock_getres) X(230, clock_nanosleep) X(231, exit_group) \
	X(234, tgkill) X(273, set_robust_list) X(160, setrlimit) X(292, dup3) X(302, prlimit64) \
	X(309, getcpu) X(318, getrandom)
#define ALL_CALLS(X) CORE_CALLS(X)

/* A byte per number (slot + 1; 0: none) and a pointer per handler, instead
 * of a pointer per number: 335 + 8 * ~70 bytes rather than 8 * 335. */
enum {
#define X(nr, fn) SLOT_##nr,
	ALL_CALLS(X)
#undef X
	SLOTS
};
_Static_assert(SLOTS < 255, "syscall_slot holds slot + 1 in a byte");

static const syscall_fn syscall_fns[SLOTS] = {
#define X(nr, fn) H(sys_##fn),
	ALL_CALLS(X)
#undef X
};

static const uint8_t syscall_slot[SYSCALL_HANDLERS] = {
#define X(nr, fn) [nr] = SLOT_##nr + 1,
	ALL_CALLS(X)
#undef X
};

/*
 * Optional groups: each table is linked only when toro-cc names its symbol
 * (-Wl,--require-defined=toro_sysgroup_NAME, chosen from the musl functions a
 * program pulls in), else --gc-sections drops it with every handler only it
 * reaches. A group that is named but missing fails the link. The linker script
 * gathers the linked tables between __toro_sysopt_start and __toro_sysopt_end.
 * Tables may also carry hooks (k/component.h).
 */
SYSGROUP(poll) = {
	SYSOPT_CALL(7, sys_poll), SYSOPT_CALL(23, sys_select), SYSOPT_CALL(270, sys_pselect6),
	SYSOPT_CALL(271, sys_ppoll),
};
SYSGROUP(epoll) = {
	SYSOPT_CALL(213, sys_epoll_create), SYSOPT_CALL(232, sys_epoll_wait), SYSOPT_CALL(233, sys_epoll_ctl),
	SYSOPT_CALL(281, sys_epoll_pwait), SYSOPT_CALL(291, sys_epoll_create1),
	SYSOPT_CALL(441, sys_epoll_pwait2),
};
SYSGROUP(pipe) = { SYSOPT_CALL(22, sys_pipe), SYSOPT_CALL(293, sys_pipe2) };
SYSGROUP(eventfd) = { SYSOPT_CALL(284, sys_eventfd), SYSOPT_CALL(290, sys_eventfd2) };
/* A second thread (clone) and waits on futexes: a single-threaded program's
 * musl locks never wait, so only programs that start threads or wait on
 * purpose (sem_timedwait, pthread_cond_timedwait, ...) link it
 * (tools/components.tab). The kernel's own waits (kwait) and the wake of
 * CLONE_CHILD_CLEARTID at a thread's exit stay in the core. */
SYSGROUP(threads) = { SYSOPT_CALL(56, sys_clone), SYSOPT_CALL(202, sys_futex) };
/* Changing mappings after the fact: musl's malloc and free (mallocng) and
 * pthread_create use them; mmap, munmap and brk stay in the core. */
SYSGROUP(mm) = {
	SYSOPT_CALL(10, sys_mprotect), SYSOPT_CALL(25, sys_mremap), SYSOPT_CALL(28, sys_madvise),
};

/* Every optional call and its group, linked or not, for the ENOSYS line. */
static const struct {
	uint16_t nr;
	char group[10];
} sysopt_names[] = {
	{ 7, "poll" }, { 23, "poll" }, { 270, "poll" }, { 271, "poll" },
	{ 213, "epoll" }, { 232, "epoll" }, { 233, "epoll" }, { 281, "epoll" }, { 291, "epoll" },
	{ 22, "pipe" }, { 293, "pipe" }, { 284, "eventfd" }, { 290, "eventfd" }, { 441, "epoll" },
	{ 36, "timer" }, { 37, "timer" }, { 38, "timer" }, { 222, "timer" }, { 223, "timer" },
	{ 224, "timer" }, { 225, "timer" }, { 226, "timer" }, { 283, "timer" }, { 286, "timer" },
	{ 287, "timer" }, { 100, "procctl" }, { 157, "procctl" }, { 324, "procctl" },
	{ 127, "sigwait" }, { 128, "sigwait" }, { 130, "sigwait" }, { 282, "sigwait" }, { 289, "sigwait" },
	{ 53, "unix" }, { 48, "unix" }, { 41, "net" }, { 42, "net" }, { 43, "net" }, { 44, "net" },
	{ 45, "net" }, { 46, "net" }, { 47, "net" }, { 49, "net" }, { 50, "net" }, { 51, "net" },
	{ 52, "net" }, { 54, "net" }, { 55, "net" }, { 288, "net" },
	{ 56, "threads" }, { 202, "threads" }, { 13, "signals" }, { 15, "signals" },
	{ 131, "signals" }, { 10, "mm" }, { 25, "mm" }, { 28, "mm" },
	{ SYS_TORO_SELFCHECK, "selfcheck" },
};

extern const struct syscall_opt __toro_sysopt_start[], __toro_sysopt_end[];

/* The linked components' calls by number (entry index + 1; 0: none), filled
 * once at boot (component_init) so that a socket call does not search the
 * tables. The first linked entry of a number wins, as in sysopt_next. */
static uint16_t sysopt_slot[SYSCALL_HANDLERS];
static bool sysopt_indexed;

static void sysopt_index(void)
{
	for (const struct syscall_opt *o = __toro_sysopt_start; o < __toro_sysopt_end; o++)
		if (o->nr >= 0 && o->nr < SYSCALL_HANDLERS && !sysopt_slot[o->nr])
			sysopt_slot[o->nr] = (uint16_t)(o - __toro_sysopt_start + 1);
	sysopt_indexed = true;
}

syscall_fn syscall_handler(long nr, const char **group)
{
	*group = NULL;
	if (nr < 0 || (nr >= SYSCALL_MAX && (nr < SYS_TORO_FIRST || nr > SYS_TORO_LAST)))
		return NULL;
	if (nr < SYSCALL_HANDLERS && syscall_slot[nr])
		return syscall_fns[syscall_slot[nr] - 1];
	if (nr < SYSCALL_HANDLERS && sysopt_indexed && sysopt_slot[nr])
		return __toro_sysopt_start[sysopt_slot[nr] - 1].fn;
	const struct syscall_opt *o = sysopt_next(NULL, nr);
	if (o)
		return o->fn;
	for (size_t i = 0; i < sizeof(sysopt_names) / sizeof(sysopt_names[0]); i++) {
		if (sysopt_names[i].nr == nr)
			*group = sysopt_names[i].group;
	}
	return NULL;
}

const struct syscall_opt *sysopt_next(const struct syscall_opt *prev, long kind)
{
	for (const struct syscall_opt *o = prev ? prev + 1 : __toro_sysopt_start;
	     o < __toro_sysopt_end; o++)
		if (o->nr == kind)
			return o;
	return NULL;
}

typedef void (*init_hook_fn)(const struct cmdline *);
typedef int (*sync_hook_fn)(void);
typedef void (*exit_hook_fn)(int);

void component_probe(const struct cmdline *cl)
{
	for (const struct syscall_opt *o = NULL; (o = sysopt_next(o, SYSOPT_PROBE)) != NULL;)
		((init_hook_fn)o->p)(cl);
}

const struct devfs_provider *component_devfs(const char *path)
{
	for (const struct syscall_opt *o = NULL; (o = sysopt_next(o, SYSOPT_DEVFS)) != NULL;) {
		const struct devfs_provider *d = o->p;
		if (d->owns(path))
			return d;
	}
	return NULL;
}

void component_init(const struct cmdline *cl)
{
	sysopt_index();
	for (const struct syscall_opt *o = NULL; (o = sysopt_next(o, SYSOPT_INIT)) != NULL;)
		((init_hook_fn)o->p)(cl);
}

void component_start(const struct cmdline *cl)
{
	for (const struct syscall_opt *o = NULL; (o = sysopt_next(o, SYSOPT_START)) != NULL;)
		((init_hook_fn)o->p)(cl);
}

int component_sync(void)
{
	int first = 0;
	for (const struct syscall_opt *o = NULL; (o = sysopt_next(o, SYSOPT_SYNC)) != NULL;) {
		int r = ((sync_hook_fn)o->p)();
		if (r && !first)
			first = r;
	}
	return first;
}

void component_exit(int status)
{
	for (const struct syscall_opt *o = NULL; (o = sysopt_next(o, SYSOPT_EXIT)) != NULL;)
		((exit_hook_fn)o->p)(status);
}

/* "nr name" pairs of the calls Linux has, for the unsupported-call message. */
const char syscall_names[] =
	"\000\000read\0"
	"\000\001write\0"
	"\000\002open\0"
	"\000\003close\0"
	"\000\004stat\0"
	"\000\005fstat\0"
	"\000\006lstat\0"
	"\000\007poll\0"
	"\000\010lseek\0"
	"\000\011mmap\0"
	"\000\012mprotect\0"
	"\000\013munmap\0"
	"\000\014brk\0"
	"\000\015rt_sigaction\0"
	"\000\016rt_sigprocmask\0"
	"\000\017rt_sigreturn\0"
	"\000\020ioctl\0"
	"\000\021pread64\0"
	"\000\022pwrite64\0"
	"\000\023readv\0"
	"\000\024writev\0"
	"\000\025access\0"
	"\000\026pipe\0"
	"\000\027select\0"
	"\000\030sched_yield\0"
	"\000\031mremap\0"
	"\000\032msync\0"
	"\000\033mincore\0"
	"\000\034madvise\0"
	"\000\040dup\0"
	"\000\041dup2\0"
	"\000\042pause\0"
	"\000\043nanosleep\0"
	"\000\044getitimer\0"
	"\000\045alarm\0"
	"\000\046setitimer\0"
	"\000\047getpid\0"
	"\000\050sendfile\0"
	"\000\051socket\0"
	"\000\052connect\0"
	"\000\053accept\0"
	"\000\054sendto\0"
	"\000\055recvfrom\0"
	"\000\056sendmsg\0"
	"\000\057recvmsg\0"
	"\000\060shutdown\0"
	"\000\061bind\0"
	"\000\062listen\0"
	"\000\063getsockname\0"
	"\000\064getpeername\0"
	"\000\065socketpair\0"
	"\000\066setsockopt\0"
	"\000\067getsockopt\0"
	"\000\070clone\0"
	"\000\071fork\0"
	"\000\072vfork\0"
	"\000\073execve\0"
	"\000\074exit\0"
	"\000\075wait4\0"
	"\000\076kill\0"
	"\000\077uname\0"
	"\000\110fcntl\0"
	"\000\111flock\0"
	"\000\112fsync\0"
	"\000\113fdatasync\0"
	"\000\114truncate\0"
	"\000\115ftruncate\0"
	"\000\116getdents\0"
	"\000\117getcwd\0"
	"\000\120chdir\0"
	"\000\121fchdir\0"
	"\000\122rename\0"
	"\000\123mkdir\0"
	"\000\124rmdir\0"
	"\000\125creat\0"
	"\000\126link\0"
	"\000\127unlink\0"
	"\000\130symlink\0"
	"\000\131readlink\0"
	"\000\132chmod\0"
	"\000\133fchmod\0"
	"\000\134chown\0"
	"\000\137umask\0"
	"\000\140gettimeofday\0"
	"\000\141getrlimit\0"
	"\000\142getrusage\0"
	"\000\143sysinfo\0"
	"\000\144times\0"
	"\000\146getuid\0"
	"\000\150getgid\0"
	"\000\153geteuid\0"
	"\000\154getegid\0"
	"\000\155setpgid\0"
	"\000\156getppid\0"
	"\000\157getpgrp\0"
	"\000\160setsid\0"
	"\000\203sigaltstack\0"
	"\000\211statfs\0"
	"\000\212fstatfs\0"
	"\000\235prctl\0"
	"\000\236arch_prctl\0"
	"\000\240setrlimit\0"
	"\000\242sync\0"
	"\000\245mount\0"
	"\000\252sethostname\0"
	"\000\272gettid\0"
	"\000\310tkill\0"
	"\000\311time\0"
	"\000\312futex\0"
	"\000\313sched_setaffinity\0"
	"\000\314sched_getaffinity\0"
	"\000\325epoll_create\0"
	"\000\331getdents64\0"
	"\000\332set_tid_address\0"
	"\000\343clock_settime\0"
	"\000\344clock_gettime\0"
	"\000\345clock_getres\0"
	"\000\346clock_nanosleep\0"
	"\000\347exit_group\0"
	"\000\350epoll_wait\0"
	"\000\351epoll_ctl\0"
	"\000\352tgkill\0"
	"\001\001openat\0"
	"\001\002mkdirat\0"
	"\001\006newfstatat\0"
	"\001\007unlinkat\0"
	"\001\013readlinkat\0"
	"\001\015faccessat\0"
	"\001\016pselect6\0"
	"\001\017ppoll\0"
	"\001\021set_robust_list\0"
	"\001\031epoll_pwait\0"
	"\001\034eventfd\0"
	"\001\040accept4\0"
	"\001\042eventfd2\0"
	"\001\043epoll_create1\0"
	"\001\044dup3\0"
	"\001\045pipe2\0"
	"\001\053recvmmsg\0"
	"\001\056prlimit64\0"
	"\001\063sendmmsg\0"
	"\001\065getcpu\0"
	"\001\076getrandom\0"
	"\001\114statx\0"
	"\001\116rseq\0"
	"\001\263clone3\0"
	"\001\267faccessat2\0"
	"\160\000toro_spawn_cpu\0"
	"\160\001toro_selfcheck\0"
	"\377\377";
