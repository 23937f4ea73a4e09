/* SPDX-License-Identifier: MIT */
/* Faults, signals and crash reports (private to arch). */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#include "x86.h"

const char *trap_name(uint64_t vector);
/* Deliver a fault signal to the current thread, or report and exit. */
void signal_fault(struct regs *r, int sig, int code, uint64_t addr);
/* Deliver one pending, unblocked signal at the end of a system call. */
void signal_deliver_pending(struct regs *r);
/* A new thread's first return to ring 3 (entry.S). */
void signal_thread_start(struct regs *r);
long signal_return(struct regs *r);
/* Print registers and a symbolized backtrace; sig < 0 for a kernel fault. */
void crash_report(const struct regs *r, uint64_t fault_addr, int sig);

#endif
