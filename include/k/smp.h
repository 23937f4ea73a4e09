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

/* Find the other cores and start them (they idle until given threads).
 * `want` is toro.cpus (0: all). */
void smp_init(int want);
void tlb_shootdown(uint64_t start, uint64_t end);
void smp_poll(void);

/* Arch: flush this core's TLB for [start, end) (all of it for big ranges). */
void arch_tlb_flush(uint64_t start, uint64_t end);
#define ARCH_VEC_TLB 0x42

#endif
