/* SPDX-License-Identifier: MIT */
/* Interrupt vectors and the local APIC timer (private to arch). */
#ifndef ARCH_TIMER_H
#define ARCH_TIMER_H

#define VEC_TIMER 0x40
#define VEC_IPI_WAKE 0x41 /* mailbox arrivals, affinity moves */
#define VEC_IPI_TLB 0x42  /* TLB shootdown */
#define VEC_SPURIOUS 0x4f /* low 4 bits set, as older local APICs require */

void timer_init(void);
void timer_eoi(void);
/* Local APIC of a core started after the boot core. */
void lapic_init_ap(void);
uint32_t lapic_id(void);
/* Send an IPI: fixed vector, or the INIT/SIPI start-up sequence. */
void lapic_send(uint32_t apic_id, uint32_t icr_low);

#endif
