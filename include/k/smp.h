/* SPDX-License-Identifier: MIT */
/*
 * Cores: discovery and start-up (arch), the number in use (toro.cpus=N), and
 * cross-core requests. tlb_shootdown returns once no core can still use an
 * old translation of [start, end).
 */
#ifndef K_SMP_H
#define K_SMP_H

#include <stdint.h>

struct cmdline;

/* Find the other cores and start the first of them (they idle until given
 * threads). `want` is toro.cpus (0: all). The boot core goes on at once;
 * ncpus counts the other cores only after smp_wait, which waits for the
 * first (a bounded time) and starts the rest. Call smp_wait once, before
 * anything places work on other cores (devices' interrupts, threads). */
void smp_init(int want);
void smp_wait(void);
void tlb_shootdown(uint64_t start, uint64_t end);
void smp_poll(void);

/* Arch: flush this core's TLB for [start, end) (all of it for big ranges). */
void arch_tlb_flush(uint64_t start, uint64_t end);
#define ARCH_VEC_TLB 0x42

#endif
