/* SPDX-License-Identifier: MIT */
/*
 * The host's requests to shut down gracefully, each turned into SIGTERM to
 * the program (proc_shutdown_request, docs/reliability.md):
 *  - the ACPI power button as a fixed feature (ACPI 6.4 section 4.8.2.2.1):
 *    PWRBTN_EN in the PM1 enable register, PWRBTN_STS in the PM1 status
 *    register (write 1 to clear), signalled by the SCI. QEMU pc and q35 latch
 *    the status for `system_powerdown` only while the enable bit is set;
 *  - the Generic Event Device of hardware-reduced ACPI (5.6.9): QEMU microvm
 *    with ACPI pulses the GED's interrupt and sets bit 1 of its event
 *    selector, which a read returns and clears;
 *  - Ctrl-Alt-Del on the i8042 (ports 0x60/0x64, ISA IRQ 1), Firecracker's
 *    SendCtrlAltDel and QEMU's `sendkey ctrl-alt-delete` (k/kbd.h).
 * Armed by a kernel thread once the program runs (arch_shutdown_events_start),
 * so reading the ACPI tables and probing the controller cost the boot nothing.
 */
#include <k/acpi.h>
#include <k/arch.h>
#include <k/console.h>
#include <k/irq.h>
#include <k/kbd.h>
#include <k/proc.h>
#include <k/vmm.h>
#include "x86.h"

#define I8042_DATA 0x60
#define I8042_STATUS 0x64
#define I8042_OBF 0x01          /* a byte waits at the data port */
#define I8042_AUX 0x20          /* ... and it is the mouse's */
#define I8042_DRAIN_MAX 32      /* bytes taken per interrupt at most (its buffer is 16) */
#define SCI_EN 0x1              /* PM1 control: the SCI, not an SMI, signals events */
#define ACPI_MODE_POLLS 100000  /* reads of PM1 control after asking for ACPI mode */


static struct acpi_pm1_event pm1[2];
static int npm1;
static volatile uint32_t *ged_sel;
static struct kbd_cad cad;

static uint16_t gas_read16(const struct acpi_gas *g)
{
	if (g->space_id == ACPI_GAS_IO)
		return arch_inw((uint16_t)g->address);
	return *(volatile uint16_t *)(uintptr_t)g->address;
}

static void gas_write16(const struct acpi_gas *g, uint16_t v)
{
	if (g->space_id == ACPI_GAS_IO)
		arch_outw((uint16_t)g->address, v);
	else
		*(volatile uint16_t *)(uintptr_t)g->address = v;
}

static bool gas_map(const struct acpi_gas *g)
{
	return g->space_id == ACPI_GAS_IO || vmm_map_mmio(g->address & ~0xfffull, 0x1000) == 0;
}

/* ---- the fixed-feature power button ---- */

static void sci_intr(void *ctx)
{
	bool pressed = false;
	(void)ctx;
	for (int i = 0; i < npm1; i++) {
		if (gas_read16(&pm1[i].sts) & ACPI_PM1_PWRBTN) {
			gas_write16(&pm1[i].sts, ACPI_PM1_PWRBTN); /* write 1 to clear */
			pressed = true;
		}
	}
	if (pressed)
		proc_shutdown_request("ACPI power button");
}

/* Events reach the SCI only in ACPI mode: firmware that starts in legacy
 * mode switches when ACPI_ENABLE is written to SMI_CMD (4.8.2.1). */
static void acpi_mode(const struct acpi_info *ai)
{
	const struct acpi_gas *cnt = &ai->pm1a_cnt;
	if (cnt->space_id != ACPI_GAS_IO || !cnt->address || cnt->address > 0xffff)
		return;
	if ((arch_inw((uint16_t)cnt->address) & SCI_EN) || !ai->smi_cmd || !ai->acpi_enable ||
	    ai->smi_cmd > 0xffff)
		return;
	arch_outb((uint16_t)ai->smi_cmd, ai->acpi_enable);
	for (int i = 0; i < ACPI_MODE_POLLS && !(arch_inw((uint16_t)cnt->address) & SCI_EN); i++)
		arch_pause();
}

/* The SCI's input: its ISA override if the MADT has one, else level and
 * active low, as ACPI says of the SCI (5.2.9, SCI_INT). */
static int attach_sci(const struct acpi_info *ai)
{
	unsigned gsi = ai->sci_irq;
	bool level = true, low = true;
	for (unsigned i = 0; i < ai->noverrides; i++) {
		const struct acpi_override *o = &ai->overrides[i];
		if (o->bus != 0 || o->irq != ai->sci_irq)
			continue;
		gsi = o->gsi;
		if (ACPI_INTI_POLARITY(o->flags))
			low = ACPI_INTI_POLARITY(o->flags) == 3;
		if (ACPI_INTI_TRIGGER(o->flags))
			level = ACPI_INTI_TRIGGER(o->flags) == 3;
	}
	return irq_attach_gsi(gsi, level, low, 0, sci_intr, NULL);
}

static bool arm_power_button(const struct acpi_info *ai)
{
	for (int i = 0; i < 2; i++)
		if (acpi_pm1_event_regs(ai, i, &pm1[npm1]) == 0 && gas_map(&pm1[npm1].sts) &&
		    gas_map(&pm1[npm1].en))
			npm1++;
	if (npm1 == 0)
		return false;
	acpi_mode(ai);
	for (int i = 0; i < npm1; i++) {
		gas_write16(&pm1[i].sts, ACPI_PM1_PWRBTN); /* a press from before is stale */
		gas_write16(&pm1[i].en, gas_read16(&pm1[i].en) | ACPI_PM1_PWRBTN);
	}
	if (attach_sci(ai) < 0) {
		for (int i = 0; i < npm1; i++)
			gas_write16(&pm1[i].en, gas_read16(&pm1[i].en) & ~ACPI_PM1_PWRBTN);
		npm1 = 0;
		return false;
	}
	return true;
}

/* ---- the Generic Event Device ---- */

static void ged_intr(void *ctx)
{
	(void)ctx;
	if (*ged_sel & ACPI_GED_PWR_DOWN) /* the read also clears the selector */
		proc_shutdown_request("ACPI power button");
}

static bool arm_ged(const struct acpi_info *ai)
{
	if (!ai->have_ged || vmm_map_mmio(ai->ged_evt_sel & ~0xfffull, 0x1000))
		return false;
	ged_sel = (volatile uint32_t *)(uintptr_t)ai->ged_evt_sel;
	if (irq_attach_gsi(ai->ged_gsi, !(ai->ged_irq_flags & ACPI_IRQ_EDGE),
			   ai->ged_irq_flags & ACPI_IRQ_ACTIVE_LOW, 0, ged_intr, NULL) < 0)
		return false;
	/* A request made while the program started left its bit in the selector
	 * (the pulse before the handler was there is lost): take it now. */
	ged_intr(NULL);
	return true;
}

/* ---- Ctrl-Alt-Del on the i8042 ---- */

static void i8042_intr(void *ctx)
{
	uint8_t st;
	(void)ctx;
	for (int i = 0; i < I8042_DRAIN_MAX && ((st = arch_inb(I8042_STATUS)) & I8042_OBF); i++) {
		uint8_t b = arch_inb(I8042_DATA);
		if (!(st & I8042_AUX) && kbd_cad_feed(&cad, b))
			proc_shutdown_request("Ctrl-Alt-Del");
	}
}

static bool arm_i8042(void)
{
	/* No controller: the port floats to all ones. */
	if (arch_inb(I8042_STATUS) == 0xff)
		return false;
	if (irq_attach_isa(1, 0, i8042_intr, NULL) < 0)
		return false;
	/* What came before (firmware leftovers, or a Ctrl-Alt-Del sent while the
	 * program started) is read now: an edge before the handler was lost. */
	i8042_intr(NULL);
	return true;
}

void arch_shutdown_events_start(bool verbose)
{
	const struct acpi_info *ai = arch_acpi();
	bool button = ai && arm_power_button(ai);
	bool ged = ai && arm_ged(ai);
	bool kbd = arm_i8042();
	if (!verbose)
		return;
	if (!button && !ged && !kbd) {
		kprintf("toro: shutdown requests: none (no ACPI power button, no i8042)\n");
		return;
	}
	kprintf("toro: shutdown requests:%s%s%s\n", button ? " ACPI power button (SCI)" : "",
		ged ? " ACPI power button (GED)" : "", kbd ? " Ctrl-Alt-Del (i8042)" : "");
}
