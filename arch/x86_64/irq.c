/* SPDX-License-Identifier: MIT */
/*
 * IO-APIC routing (82093AA register layout: IOREGSEL at +0, IOWIN at +0x10,
 * version register 1, redirection entries from 0x10, two registers each) and
 * MSI address/data composition (Intel SDM vol. 3, 11.11.1). IO-APICs and ISA
 * overrides come from the ACPI MADT; without ACPI (microvm with acpi=off) one
 * IO-APIC at 0xfec00000 with GSIs from 0 and ISA IRQs mapped 1:1 edge-high.
 */
#include <k/acpi.h>
#include <k/console.h>
#include <k/errno.h>
#include <k/irq.h>
#include <k/sched.h>
#include <k/spinlock.h>
#include <k/vmm.h>
#include "x86.h"
#include "timer.h"

#define MAX_IOAPICS 8

struct ioapic {
	volatile uint32_t *base;
	unsigned gsi_base, count;
};

static struct ioapic ioapics[MAX_IOAPICS];
static int nioapics;
static bool ready;
static struct spinlock lock = SPINLOCK_INIT;
static struct {
	irq_handler_fn fn;
	void *ctx;
} handlers[IRQ_VEC_LAST - IRQ_VEC_FIRST + 1];
static int next_vector = IRQ_VEC_FIRST;


static uint32_t io_rd(struct ioapic *a, uint32_t reg)
{
	a->base[0] = reg;
	return a->base[4];
}

static void io_wr(struct ioapic *a, uint32_t reg, uint32_t v)
{
	a->base[0] = reg;
	a->base[4] = v;
}

static void add_ioapic(uint64_t addr, unsigned gsi_base)
{
	if (nioapics == MAX_IOAPICS || vmm_map_mmio(addr, 0x1000))
		return;
	struct ioapic *a = &ioapics[nioapics];
	a->base = (volatile uint32_t *)addr;
	a->gsi_base = gsi_base;
	a->count = ((io_rd(a, 1) >> 16) & 0xff) + 1;
	for (unsigned i = 0; i < a->count; i++) {
		io_wr(a, 0x10 + 2 * i, 1u << 16); /* masked */
		io_wr(a, 0x11 + 2 * i, 0);
	}
	nioapics++;
}

static void init(void)
{
	if (ready)
		return;
	const struct acpi_info *ai = arch_acpi();
	if (ai && ai->nioapics)
		for (unsigned i = 0; i < ai->nioapics; i++)
			add_ioapic(ai->ioapics[i].address, ai->ioapics[i].gsi_base);
	else
		add_ioapic(0xfec00000, 0);
	ready = true;
}

static struct ioapic *ioapic_of(unsigned gsi)
{
	for (int i = 0; i < nioapics; i++)
		if (gsi >= ioapics[i].gsi_base && gsi < ioapics[i].gsi_base + ioapics[i].count)
			return &ioapics[i];
	return NULL;
}

static int alloc_vector(irq_handler_fn fn, void *ctx)
{
	if (next_vector > IRQ_VEC_LAST)
		return -ENOSPC;
	int v = next_vector++;
	handlers[v - IRQ_VEC_FIRST].ctx = ctx;
	__atomic_store_n(&handlers[v - IRQ_VEC_FIRST].fn, fn, __ATOMIC_RELEASE);
	return v;
}

int irq_attach_gsi(unsigned gsi, bool level, bool active_low, int cpu, irq_handler_fn fn,
		   void *ctx)
{
	if (cpu < 0 || cpu >= ncpus)
		return -EINVAL;
	spin_lock(&lock);
	init();
	struct ioapic *a = ioapic_of(gsi);
	int v = a ? alloc_vector(fn, ctx) : -ENODEV;
	if (v > 0) {
		unsigned pin = gsi - a->gsi_base;
		io_wr(a, 0x11 + 2 * pin, cpus[cpu].apic_id << 24);
		io_wr(a, 0x10 + 2 * pin,
		      (uint32_t)v | (active_low ? 1u << 13 : 0) | (level ? 1u << 15 : 0));
	}
	spin_unlock(&lock);
	return v;
}

int irq_attach_isa(unsigned irq, int cpu, irq_handler_fn fn, void *ctx)
{
	const struct acpi_info *ai = arch_acpi();
	unsigned gsi = irq;
	bool level = false, low = false;
	if (irq > 15)
		return -EINVAL;
	for (unsigned i = 0; ai && i < ai->noverrides; i++) {
		const struct acpi_override *o = &ai->overrides[i];
		if (o->bus == 0 && o->irq == irq) {
			gsi = o->gsi;
			low = ACPI_INTI_POLARITY(o->flags) == 3;
			level = ACPI_INTI_TRIGGER(o->flags) == 3;
		}
	}
	return irq_attach_gsi(gsi, level, low, cpu, fn, ctx);
}

void irq_mask_gsi(unsigned gsi, bool masked)
{
	spin_lock(&lock);
	struct ioapic *a = ready ? ioapic_of(gsi) : NULL;
	if (a) {
		unsigned reg = 0x10 + 2 * (gsi - a->gsi_base);
		uint32_t v = io_rd(a, reg);
		io_wr(a, reg, masked ? v | (1u << 16) : v & ~(1u << 16));
	}
	spin_unlock(&lock);
}

int irq_alloc_msi(int cpu, irq_handler_fn fn, void *ctx, uint64_t *addr, uint32_t *data)
{
	if (cpu < 0 || cpu >= ncpus)
		return -EINVAL;
	spin_lock(&lock);
	int v = alloc_vector(fn, ctx);
	spin_unlock(&lock);
	if (v < 0)
		return v;
	*addr = 0xfee00000ull | ((uint64_t)cpus[cpu].apic_id << 12);
	*data = (uint32_t)v; /* fixed delivery, edge */
	return v;
}

void irq_dispatch(unsigned vector)
{
	irq_handler_fn fn = __atomic_load_n(&handlers[vector - IRQ_VEC_FIRST].fn, __ATOMIC_ACQUIRE);
	if (fn)
		fn(handlers[vector - IRQ_VEC_FIRST].ctx);
	timer_eoi();
}
