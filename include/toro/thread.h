/* SPDX-License-Identifier: MIT */
/*
 * Threads placed on cores. Toro runs each thread on one core, chosen when the
 * thread is created, and never moves it on its own: by default a new thread
 * runs on its creator's core. Spread work by placing threads explicitly, here or
 * with the standard pthread_setaffinity_np/sched_setaffinity (which move a thread
 * once, when called).
 *
 *     pthread_t t;
 *     toro_thread_create_on(&t, 1, worker, arg);   // worker runs on core 1
 *
 * Header only; the system call TORO_SYS_SPAWN_CPU is Toro's own (on Linux it
 * fails with ENOSYS and the thread is created on whatever core Linux picks).
 * The calls are made inline, not through musl's syscall(): a program that links
 * syscall() could make any call, so toro-cc would have to link every optional
 * group of system calls (about 5 KB).
 */
#ifndef TORO_THREAD_H
#define TORO_THREAD_H

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

/* Set the core the calling thread's next clone() lands on; -1 restores the
 * default (the creator's core). */
#define TORO_SYS_SPAWN_CPU 0x7000

#define TORO_SYS_GETCPU 309 /* getcpu on x86-64 */

/* A raw x86-64 system call with up to two arguments: the result or -errno. */
static inline long toro_syscall2(long n, long a, long b)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b) : "rcx", "r11", "memory");
	return r;
}

/* Number of cores the kernel uses (toro.cpus= can lower it). */
static inline int toro_cpu_count(void) { return (int)sysconf(_SC_NPROCESSORS_ONLN); }

/* The core the calling thread runs on. */
static inline int toro_current_cpu(void)
{
	unsigned cpu = 0;
	toro_syscall2(TORO_SYS_GETCPU, (long)&cpu, 0); /* sched_getcpu needs _GNU_SOURCE */
	return (int)cpu;
}

/* pthread_create on core `cpu`: 0, EINVAL for a core that does not exist, or
 * what pthread_create returns. */
static inline int toro_thread_create_on(pthread_t *t, int cpu, void *(*fn)(void *), void *arg)
{
	if (cpu < 0 || cpu >= toro_cpu_count())
		return EINVAL;
	long e = toro_syscall2(TORO_SYS_SPAWN_CPU, cpu, 0);
	if (e != 0 && e != -ENOSYS)
		return (int)-e;
	int r = pthread_create(t, NULL, fn, arg);
	toro_syscall2(TORO_SYS_SPAWN_CPU, -1, 0);
	return r;
}

#endif
