/* SPDX-License-Identifier: MIT */
/*
 * Device interrupts. A driver attaches a handler to a legacy ISA IRQ or an
 * IO-APIC input (GSI), or takes an MSI/MSI-X vector and programs the returned
 * address/data pair into its device; either way the interrupt is delivered to
 * the core the driver names (the core that owns the device). Handlers run
 * with interrupts off on that core, end-of-interrupt is sent after they
 * return. Vectors 0x50-0x7f are for devices.
 */
#ifndef K_IRQ_H
#define K_IRQ_H

#include <stdbool.h>
#include <stdint.h>

typedef void (*irq_handler_fn)(void *ctx);

#define IRQ_VEC_FIRST 0x50
#define IRQ_VEC_LAST 0x7f

/* ISA IRQ (0-15), with the MADT's source overrides applied: the vector, or
 * -ENOSPC (no vector left), -ENODEV (no IO-APIC input for it). */
int irq_attach_isa(unsigned irq, int cpu, irq_handler_fn fn, void *ctx);
/* An IO-APIC input by GSI, level/edge and polarity as the device needs. */
int irq_attach_gsi(unsigned gsi, bool level, bool active_low, int cpu, irq_handler_fn fn,
		   void *ctx);
/* A vector on `cpu` for an MSI or MSI-X message: the vector, and the address
 * and data the device must write (Intel SDM vol. 3, 11.11). */
int irq_alloc_msi(int cpu, irq_handler_fn fn, void *ctx, uint64_t *addr, uint32_t *data);
/* Mask or unmask an attached IO-APIC input. */
void irq_mask_gsi(unsigned gsi, bool masked);

/* Called by the trap code for device vectors. */
void irq_dispatch(unsigned vector);

#endif
