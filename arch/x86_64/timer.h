/* SPDX-License-Identifier: MIT */
/* Interrupt vectors and the local APIC timer (private to arch). */
#ifndef ARCH_TIMER_H
#define ARCH_TIMER_H

#define VEC_TIMER 0x40
#define VEC_SPURIOUS 0x4f /* low 4 bits set, as older local APICs require */

void timer_init(void);
void timer_eoi(void);

#endif
