/* SPDX-License-Identifier: MIT */
/*
 * The one process of the VM and its threads. Signals are those the CPU
 * raises (faults), what the application sends itself (raise, abort, kill)
 * and SIGTERM for a shutdown request from the host. The way out is one path
 * (kernel/exit.c, docs/reliability.md).
 */
#ifndef K_PROC_H
#define K_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <k/sched.h>

#define NSIG 65
#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
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
extern bool proc_debug;  /* toro.debug (set by kmain) */

/* Build the Linux process stack and enter the application; never returns. */
__attribute__((noreturn)) void proc_start(const char *const *argv, int argc,
					  const char *const *envp, int envc);

/*
 * The way out, from a thread of the program (kernel/exit.c). proc_exit: exit,
 * exit_group, main returning, a signal whose default action terminates: stop
 * the other threads, close every descriptor, write the caches back
 * (component_sync), run the exit hooks (component_exit: the network lets
 * closed connections finish, bounded by toro.linger), print "toro: exit
 * status N" last and power off. proc_crash_exit: a crash or abort() (after
 * its report): the same without the exit hooks, so it powers off at once but
 * loses no written file. A second thread arriving while one exits parks.
 */
__attribute__((noreturn)) void proc_exit(int status);
__attribute__((noreturn)) void proc_crash_exit(int status);
/* Print the status and power off now, from any context (kernel panic). */
__attribute__((noreturn)) void proc_poweroff(int status);
/* True once a thread has begun the exit and t is not that thread: t must
 * not run the program's code again (it parks on its way to ring 3). */
bool proc_exit_stops(const struct thread *t);
/* A shutdown request from the host (ACPI power button, Ctrl-Alt-Del, the
 * virtio-console port): SIGTERM to the program, with a console line naming
 * `source`; ignored once the program exits. Any context, interrupt handlers
 * included. */
void proc_shutdown_request(const char *source);

#endif
