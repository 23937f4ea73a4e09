/* SPDX-License-Identifier: MIT */
/* The system call table: Linux x86-64 numbers. Entries with a name and no
 * handler are known calls Toro does not offer (they log once, return ENOSYS). */
#include <k/syscall.h>
#include "sys.h"

#define S(nr, n) [nr] = { #n, (syscall_fn)sys_##n }
#define N(nr, n) [nr] = { #n, 0 }

const struct syscall_entry syscall_table[SYSCALL_MAX] = {
	S(0, read), S(1, write), S(2, open), S(3, close), N(4, stat), S(5, fstat),
	N(6, lstat), N(7, poll), S(8, lseek), S(9, mmap), S(10, mprotect), S(11, munmap),
	S(12, brk), S(13, rt_sigaction), S(14, rt_sigprocmask), S(15, rt_sigreturn),
	S(16, ioctl), N(17, pread64), N(18, pwrite64), S(19, readv), S(20, writev),
	N(21, access), N(22, pipe), N(23, select), S(24, sched_yield), S(25, mremap),
	N(26, msync), N(27, mincore), S(28, madvise), S(32, dup), S(33, dup2), S(34, pause),
	S(35, nanosleep), N(36, getitimer), N(37, alarm), N(38, setitimer), S(39, getpid),
	N(40, sendfile), N(41, socket), N(42, connect), N(43, accept), N(44, sendto),
	N(45, recvfrom), N(46, sendmsg), N(47, recvmsg), N(48, shutdown), N(49, bind),
	N(50, listen), N(51, getsockname), N(52, getpeername), N(53, socketpair),
	N(54, setsockopt), N(55, getsockopt), N(56, clone), N(57, fork), N(58, vfork),
	N(59, execve), S(60, exit), N(61, wait4), S(62, kill), S(63, uname), S(72, fcntl),
	N(73, flock), N(74, fsync), N(75, fdatasync), N(76, truncate), N(77, ftruncate),
	N(78, getdents), S(79, getcwd), N(80, chdir), N(81, fchdir), N(82, rename),
	N(83, mkdir), N(84, rmdir), N(85, creat), N(86, link), N(87, unlink),
	N(88, symlink), N(89, readlink), N(90, chmod), N(91, fchmod), N(92, chown),
	S(95, umask), S(96, gettimeofday), S(97, getrlimit), N(98, getrusage),
	S(99, sysinfo), N(100, times), [102] = { "getuid", (syscall_fn)sys_getuid },
	[104] = { "getgid", (syscall_fn)sys_getuid }, [107] = { "geteuid", (syscall_fn)sys_getuid },
	[108] = { "getegid", (syscall_fn)sys_getuid }, N(109, setpgid),
	[110] = { "getppid", (syscall_fn)sys_getuid }, N(111, getpgrp), N(112, setsid),
	S(131, sigaltstack), N(137, statfs), N(138, fstatfs), N(157, prctl),
	S(158, arch_prctl), N(160, setrlimit), N(162, sync), N(165, mount),
	N(170, sethostname), S(186, gettid), S(200, tkill), S(201, time), N(202, futex),
	N(203, sched_setaffinity), N(204, sched_getaffinity), N(213, epoll_create),
	N(217, getdents64), S(218, set_tid_address), N(228 - 1, clock_settime),
	S(228, clock_gettime), S(229, clock_getres), S(230, clock_nanosleep),
	S(231, exit_group), N(232, epoll_wait), N(233, epoll_ctl), S(234, tgkill),
	S(257, openat), N(258, mkdirat), N(262, newfstatat), N(263, unlinkat),
	N(267, readlinkat), N(269, faccessat), N(270, pselect6), N(271, ppoll),
	S(273, set_robust_list), N(281, epoll_pwait), N(284, eventfd), N(288, accept4),
	N(290, eventfd2), N(291, epoll_create1), S(292, dup3), N(293, pipe2),
	S(302, prlimit64), N(309, getcpu), S(318, getrandom), N(332, statx), N(334, rseq),
	N(435, clone3), N(439, faccessat2),
};
