/* SPDX-License-Identifier: MIT */
/*
 * Power off with a status: isa-debug-exit (QEMU exits with (v << 1) | 1), then
 * ACPI S5 (PM1 control or the hardware-reduced sleep control register), then
 * the i8042 reset line, then a triple fault (the reset first under the
 * Linux 64-bit entry: power_reset_first). The exact status is printed first
 * because isa-debug-exit carries only 7 bits of it.
 */
#include <k/arch.h>
#include <k/acpi.h>
#include <k/console.h>
#include <k/string.h>
#include <k/vmm.h>
#include "x86.h"

uint64_t boot_rsdp;

/* Firmware tables (ACPI, MP) by physical address. The BIOS data area word at
 * 0x40E lies in page 0, which stays unmapped to catch null pointers: bytes
 * there are copied out through a mapping held only for the copy (the caller
 * reads them at once). Other pages are identity-mapped on demand. */
const void *arch_map_firmware(void *ctx, uint64_t pa, size_t len)
{
	static uint8_t low[16];
	(void)ctx;
	if (len == 0 || pa + len < pa || pa + len > 0x100000000ull)
		return NULL;
	if (pa < 0x1000) {
		if (len > sizeof(low) || pa + len > 0x1000)
			return NULL;
		bool mapped = vmm_lookup(0, NULL, NULL);
		if (!mapped && vmm_map(0, 0, 0))
			return NULL;
		memcpy(low, (const void *)(uintptr_t)pa, len);
		if (!mapped)
			vmm_unmap(0);
		return low;
	}
	for (uint64_t p = pa & ~0xfffull; p < pa + len; p += 0x1000)
		if (!vmm_lookup(p, NULL, NULL) && vmm_map(p, p, 0))
			return NULL;
	return (const void *)(uintptr_t)pa;
}

static uint32_t reg_read(const struct acpi_reg_write *w)
{
	if (w->space_id == ACPI_GAS_IO)
		return w->width <= 8 ? arch_inb((uint16_t)w->address)
		       : w->width <= 16 ? arch_inw((uint16_t)w->address)
					: arch_inl((uint16_t)w->address);
	if (!arch_map_firmware(NULL, w->address, 4))
		return 0;
	return w->width <= 8 ? *(volatile uint8_t *)w->address
	       : w->width <= 16 ? *(volatile uint16_t *)w->address
				: *(volatile uint32_t *)w->address;
}

static void reg_write(const struct acpi_reg_write *w)
{
	uint32_t v = w->keep ? (reg_read(w) & w->keep) | w->value : w->value;
	if (w->space_id == ACPI_GAS_IO) {
		if (w->width <= 8)
			arch_outb((uint16_t)w->address, (uint8_t)v);
		else if (w->width <= 16)
			arch_outw((uint16_t)w->address, (uint16_t)v);
		else
			arch_outl((uint16_t)w->address, v);
	} else if (w->space_id == ACPI_GAS_MEM &&
		   vmm_map_mmio(w->address & ~0xfffull, 0x1000) == 0) {
		/* Writable and uncached: the firmware window (arch_map_firmware)
		 * is read-only, and the GED's page is mapped writable only once the
		 * shutdown events are armed, which a short program may outrun. */
		if (w->width <= 8)
			*(volatile uint8_t *)w->address = (uint8_t)v;
		else if (w->width <= 16)
			*(volatile uint16_t *)w->address = (uint16_t)v;
		else
			*(volatile uint32_t *)w->address = v;
	}
}

/* The ACPI tables, parsed the first time someone needs them (power-off, CPU
 * discovery, interrupt routing); NULL when there are none. Boot core only
 * until the other cores are up. */
const struct acpi_info *arch_acpi(void)
{
	static struct acpi_info ai;
	static int state; /* 0 not tried, 1 parsed, -1 none */
	if (state == 0) {
		uint64_t rsdp = boot_rsdp;
		state = -1;
		if ((rsdp || acpi_find_rsdp(arch_map_firmware, NULL, &rsdp) == 0) &&
		    acpi_parse(&ai, rsdp, arch_map_firmware, NULL) == 0)
			state = 1;
	}
	return state == 1 ? &ai : NULL;
}

static void acpi_off(void)
{
	struct acpi_s5_write w;
	const struct acpi_info *ai = arch_acpi();
	if (!ai || acpi_s5_plan(ai, &w))
		return;
	for (unsigned i = 0; i < w.count; i++)
		reg_write(&w.w[i]);
}

/* Set at boot by the Linux 64-bit entry: Firecracker ends the VM on the
 * i8042 reset and has no ACPI S5, so the reset comes first there. */
bool power_reset_first;

static void i8042_reset(void)
{
	for (int i = 0; i < 100000 && (arch_inb(0x64) & 2); i++)
		arch_pause();
	arch_outb(0x64, 0xfe);
}

void arch_poweroff(int status)
{
	arch_irq_disable();
	if (power_reset_first)
		i8042_reset();
	arch_outl(0xf4, (uint32_t)status);
	acpi_off();
	i8042_reset();
	/* Triple fault: an empty IDT and an exception. */
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { 0, 0 };
	__asm__ volatile("lidt %0; int3" ::"m"(idtr));
	for (;;)
		__asm__ volatile("hlt");
}
