/* SPDX-License-Identifier: MIT */
/*
 * The one process of the VM and its threads. Signals are only those the CPU
 * raises (faults) plus what the application sends itself (raise/abort).
 */
#ifndef K_PROC_H
#define K_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <k/sched.h>

#define NSIG 65
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGSEGV 11
#define SIGSTOP 19

#define SA_SIGINFO 0x4
#define SA_ONSTACK 0x08000000
#define SA_RESTORER 0x04000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000

#define SIG_DFL 0
#define SIG_IGN 1

/* si_code values for faults. */
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define FPE_INTDIV 1
#define FPE_FLTINV 7
#define ILL_ILLOPN 2
#define BUS_ADRALN 1
#define SI_USER 0
#define SI_TKILL (-6)
#define SI_KERNEL 0x80

struct k_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

struct process {
	struct k_sigaction act[NSIG];
};

extern struct process proc;

/* Build the Linux process stack and enter the application; never returns. */
__attribute__((noreturn)) void proc_start(const char *const *argv, int argc,
					  const char *const *envp, int envc);
/* Terminate the VM with `status` (prints the status line first). */
__attribute__((noreturn)) void proc_exit(int status);

#endif
