/* SPDX-License-Identifier: MIT */
/* System call handlers, one group per file; the table is in systab.c. */
#ifndef KERNEL_SYS_H
#define KERNEL_SYS_H

#define SYSARGS long a0, long a1, long a2, long a3, long a4, long a5

/* fd.c */
long sys_read(long fd, long buf, long n, long a3, long a4, long a5);
long sys_write(long fd, long buf, long n, long a3, long a4, long a5);
long sys_readv(long fd, long iov, long cnt, long a3, long a4, long a5);
long sys_writev(long fd, long iov, long cnt, long a3, long a4, long a5);
long sys_close(long fd, long a1, long a2, long a3, long a4, long a5);
long sys_lseek(long fd, long off, long whence, long a3, long a4, long a5);
long sys_fstat(long fd, long ust, long a2, long a3, long a4, long a5);
long sys_ioctl(long fd, long req, long arg, long a3, long a4, long a5);
long sys_fcntl(long fd, long cmd, long arg, long a3, long a4, long a5);
long sys_dup(long fd, long a1, long a2, long a3, long a4, long a5);
long sys_dup2(long oldfd, long newfd, long a2, long a3, long a4, long a5);
long sys_dup3(long oldfd, long newfd, long flags, long a3, long a4, long a5);
long sys_fsync(long fd, long a1, long a2, long a3, long a4, long a5);
long sys_fdatasync(long fd, long a1, long a2, long a3, long a4, long a5);

/* sys_mm.c */
long sys_brk(SYSARGS);
long sys_mmap(SYSARGS);
long sys_munmap(SYSARGS);
long sys_mprotect(SYSARGS);
long sys_madvise(SYSARGS);
long sys_mremap(SYSARGS);

/* sys_time.c */
long sys_clock_gettime(SYSARGS);
long sys_clock_getres(SYSARGS);
long sys_gettimeofday(SYSARGS);
long sys_time(SYSARGS);
long sys_nanosleep(SYSARGS);
long sys_clock_nanosleep(SYSARGS);

/* signal.c */
long sys_rt_sigaction(SYSARGS);
long sys_rt_sigprocmask(SYSARGS);
long sys_sigaltstack(SYSARGS);
long sys_kill(SYSARGS);
long sys_tkill(SYSARGS);
long sys_tgkill(SYSARGS);
long sys_pause(SYSARGS);

/* sys_misc.c */
long sys_uname(SYSARGS);
long sys_getrandom(SYSARGS);
long sys_getpid(SYSARGS);
long sys_gettid(SYSARGS);
long sys_getuid(SYSARGS);
long sys_sched_yield(SYSARGS);
long sys_set_tid_address(SYSARGS);
long sys_set_robust_list(SYSARGS);
long sys_exit(SYSARGS);
long sys_exit_group(SYSARGS);
long sys_umask(SYSARGS);
long sys_sysinfo(SYSARGS);
long sys_getrusage(SYSARGS);

/* sys_thread.c, futex.c */
long sys_clone(SYSARGS);
long sys_futex(SYSARGS);
long sys_sched_getaffinity(SYSARGS);
long sys_sched_setaffinity(SYSARGS);
long sys_getcpu(SYSARGS);
long sys_toro_spawn_cpu(SYSARGS);

/* poll.c, pipe.c, eventfd.c */
long sys_poll(SYSARGS);
long sys_ppoll(SYSARGS);
long sys_select(SYSARGS);
long sys_pselect6(SYSARGS);
long sys_epoll_create(SYSARGS);
long sys_epoll_create1(SYSARGS);
long sys_epoll_ctl(SYSARGS);
long sys_epoll_wait(SYSARGS);
long sys_epoll_pwait(SYSARGS);
long sys_epoll_pwait2(SYSARGS);
long sys_pipe(SYSARGS);
long sys_pipe2(SYSARGS);
long sys_eventfd(SYSARGS);
long sys_eventfd2(SYSARGS);

/* net/socket.c (the net component: net/component.c) */
long sys_socket(SYSARGS);
long sys_connect(SYSARGS);
long sys_accept(SYSARGS);
long sys_accept4(SYSARGS);
long sys_sendto(SYSARGS);
long sys_recvfrom(SYSARGS);
long sys_sendmsg(SYSARGS);
long sys_recvmsg(SYSARGS);
long sys_shutdown(SYSARGS);
long sys_bind(SYSARGS);
long sys_listen(SYSARGS);
long sys_getsockname(SYSARGS);
long sys_getpeername(SYSARGS);
long sys_setsockopt(SYSARGS);
long sys_getsockopt(SYSARGS);

/* rlimit.c */
long sys_prlimit64(SYSARGS);
long sys_getrlimit(SYSARGS);
long sys_setrlimit(SYSARGS);

/* sys_ids.c, prctl.c: component procctl */
long sys_setuid(SYSARGS);
long sys_setreuid(SYSARGS);
long sys_setresuid(SYSARGS);
long sys_setfsuid(SYSARGS);
long sys_getresuid(SYSARGS);
long sys_getgroups(SYSARGS);
long sys_setgroups(SYSARGS);
long sys_getpgid(SYSARGS);
long sys_getpgrp(SYSARGS);
long sys_setsid(SYSARGS);
long sys_setpgid(SYSARGS);
long sys_sched_getscheduler(SYSARGS);
long sys_sched_setscheduler(SYSARGS);
long sys_sched_getparam(SYSARGS);
long sys_sched_setparam(SYSARGS);
long sys_sched_get_priority_max(SYSARGS);
long sys_sched_get_priority_min(SYSARGS);
long sys_sched_rr_get_interval(SYSARGS);
long sys_getpriority(SYSARGS);
long sys_setpriority(SYSARGS);
long sys_times(SYSARGS);
long sys_membarrier(SYSARGS);
long sys_prctl(SYSARGS);

/* sys_timer.c, timerfd.c: component timer */
long sys_setitimer(SYSARGS);
long sys_getitimer(SYSARGS);
long sys_alarm(SYSARGS);
long sys_timer_create(SYSARGS);
long sys_timer_settime(SYSARGS);
long sys_timer_gettime(SYSARGS);
long sys_timer_getoverrun(SYSARGS);
long sys_timer_delete(SYSARGS);
long sys_timerfd_create(SYSARGS);
long sys_timerfd_settime(SYSARGS);
long sys_timerfd_gettime(SYSARGS);

/* signalfd.c: component sigwait */
long sys_rt_sigpending(SYSARGS);
long sys_rt_sigtimedwait(SYSARGS);
long sys_rt_sigsuspend(SYSARGS);
long sys_signalfd(SYSARGS);
long sys_signalfd4(SYSARGS);

/* unix.c: component unix */
long sys_socketpair(SYSARGS);
long sys_unix_shutdown(SYSARGS);

/* arch */
long sys_arch_prctl(SYSARGS);
long sys_rt_sigreturn(SYSARGS);

#endif
