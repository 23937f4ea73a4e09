/* SPDX-License-Identifier: MIT */
/*
 * lwIP's operating-system types on Toro's kernel primitives (net/sys_arch.c):
 * semaphores on ksem, the core lock on a sleeping mutex built from kwait, the
 * message boxes as bounded rings of pointers with kwait, threads as kernel
 * threads. lwIP names these types itself (sys_sem_t ...), hence the typedefs.
 */
#ifndef TORO_LWIP_ARCH_SYS_ARCH_H
#define TORO_LWIP_ARCH_SYS_ARCH_H

#include <stdbool.h>
#include <k/wait.h>

struct net_sem {
	struct ksem ks;
	bool valid;
};

/* Sleeping mutex: waiters block in kwait on `held`. */
struct net_mutex {
	struct spinlock lock;     /* orders sleepers against the releaser */
	volatile int held;        /* taken and released with atomics */
	bool valid;
	int waiters;
	const void *owner;       /* the holder's thread, for the core-lock check */
	unsigned long acquired, contended; /* locks taken, of them found held (stats) */
};

/* Bounded ring of messages; getters wait on `slots`, putters on `size`. */
struct net_mbox {
	struct spinlock lock;
	unsigned head, count, size;
	int getters, putters;    /* threads waiting */
	void **slots;
};

typedef struct net_sem sys_sem_t;
typedef struct net_mutex sys_mutex_t;
typedef struct net_mbox *sys_mbox_t;
typedef struct thread *sys_thread_t;
typedef int sys_prot_t;

#define SYS_MBOX_NULL NULL
#define SYS_SEM_NULL  NULL

/* Is the calling thread the holder of m? (The core-lock assertion.) */
bool net_mutex_held(const struct net_mutex *m);

#endif
