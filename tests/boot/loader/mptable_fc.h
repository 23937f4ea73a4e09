/* SPDX-License-Identifier: MIT */
/* The MP table of the loader test image (mptable_fc.c). */
#ifndef MPTABLE_FC_H
#define MPTABLE_FC_H
#include <stdint.h>

/* Writes an MP floating pointer at `at` and its configuration table right
 * after it: ncpus processors (APIC ids 0..ncpus-1, the first the BSP), an ISA
 * bus, one IO-APIC at 0xfec00000 with IRQs 0-23 routed 1:1, ExtINT on LINT0
 * and NMI on LINT1; the layout a VMM without ACPI gives (MP spec 1.4). */
void mp_write(uint32_t at, int ncpus);

#endif
