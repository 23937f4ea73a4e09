/* SPDX-License-Identifier: MIT */
/*
 * ACPI table parser: finds the RSDP, walks the XSDT/RSDT and extracts what the
 * kernel needs (FADT registers, the DSDT's _S5_ package, MADT, HPET). Portable
 * and bounded: every length and offset is checked against what was mapped, all
 * memory is reached through an acpi_map_fn, so the same code runs on the host
 * over byte buffers. Nothing here touches hardware; docs/acpi.md has the rules.
 */
#ifndef K_ACPI_H
#define K_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Returns a pointer to len readable bytes at physical address phys, or NULL if
 * that range is not RAM or firmware. Pointers returned must stay valid until the
 * acpi_* call that asked for them returns (Toro's identity map does this). The
 * callback must itself refuse ranges whose end wraps around.
 */
typedef const void *(*acpi_map_fn)(void *ctx, uint64_t phys, size_t len);

/* Generic Address Structure (ACPI 6.0 section 5.2.3.2), unpacked. */
struct acpi_gas {
	uint8_t space_id;    /* ACPI_GAS_MEM, ACPI_GAS_IO, ... */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size; /* 0 undefined, 1 byte, 2 word, 3 dword, 4 qword */
	uint64_t address;    /* 0: register not present */
};

#define ACPI_GAS_MEM 0
#define ACPI_GAS_IO 1

#define ACPI_MAX_CPUS 64
#define ACPI_MAX_IOAPICS 8
#define ACPI_MAX_OVERRIDES 16
#define ACPI_MAX_SKIPS 8     /* skipped tables remembered (all are counted) */

/* acpi_cpu.flags: MADT Local APIC flags (ACPI 6.3 section 5.2.12.2). */
#define ACPI_CPU_ENABLED 0x1
#define ACPI_CPU_ONLINE_CAPABLE 0x2

struct acpi_cpu {
	uint32_t apic_id;
	uint32_t uid;        /* ACPI processor UID */
	uint8_t flags;       /* ACPI_CPU_*: enabled now, or may be brought online */
	bool x2apic;         /* from a Processor Local x2APIC entry (type 9) */
};

struct acpi_ioapic {
	uint8_t id;
	uint32_t address;
	uint32_t gsi_base;
};

/* Interrupt Source Override (MADT type 2). flags are the MPS INTI flags:
 * bits 1:0 polarity (0 bus default, 1 high, 3 low), bits 3:2 trigger
 * (0 bus default, 1 edge, 3 level). */
struct acpi_override {
	uint8_t bus;         /* 0: ISA */
	uint8_t irq;         /* bus-relative source */
	uint32_t gsi;
	uint16_t flags;
};

#define ACPI_INTI_POLARITY(f) ((f) & 3u)
#define ACPI_INTI_TRIGGER(f) (((f) >> 2) & 3u)

/* A table acpi_parse refused; it was logged and never used. */
struct acpi_skip {
	char sig[5];         /* signature, NUL-terminated, '?' if unreadable */
	uint64_t phys;
	const char *why;     /* static string */
};

/* FADT Flags bits (ACPI 6.0 section 5.2.9, fixed feature flags). */
#define ACPI_FADT_PWR_BUTTON (1u << 4)   /* set: no fixed-feature power button */
#define ACPI_FADT_TMR_VAL_EXT (1u << 8)
#define ACPI_FADT_RESET_REG_SUP (1u << 10)
#define ACPI_FADT_HW_REDUCED (1u << 20)

/* Filled by acpi_parse; every field is 0/false when its table was absent. */
struct acpi_info {
	uint8_t rsdp_revision;
	bool root_is_xsdt;
	uint64_t root_phys;
	unsigned ntables;            /* entries in the root table */
	unsigned nskips;             /* tables refused (skips[] holds the first) */
	struct acpi_skip skips[ACPI_MAX_SKIPS];

	/* FADT ("FACP") */
	bool have_fadt;
	uint8_t fadt_revision;
	uint32_t fadt_flags;         /* ACPI_FADT_* */
	bool hw_reduced;
	uint16_t sci_irq;
	uint32_t smi_cmd;            /* 0: no SMI command port (already ACPI mode) */
	uint8_t acpi_enable;         /* value to write to smi_cmd to enter ACPI mode */
	uint64_t dsdt_phys;          /* X_DSDT when nonzero, else DSDT */
	struct acpi_gas pm1a_cnt;    /* X_PM1a_CNT_BLK when usable, else PM1a_CNT_BLK */
	struct acpi_gas pm1b_cnt;
	struct acpi_gas pm1a_evt;    /* X_PM1a_EVT_BLK or PM1a_EVT_BLK: status, then enable */
	struct acpi_gas pm1b_evt;
	uint8_t pm1_evt_len;         /* PM1_EVT_LEN: bytes of status + enable (4 or more) */
	struct acpi_gas pm_timer;    /* X_PM_TMR_BLK or PM_TMR_BLK */
	bool pm_timer_32bit;         /* TMR_VAL_EXT: 32-bit counter, else 24-bit */
	struct acpi_gas sleep_control; /* FADT revision >= 5 only */
	struct acpi_gas sleep_status;
	bool have_reset;             /* RESET_REG_SUP and a nonzero RESET_REG */
	struct acpi_gas reset_reg;
	uint8_t reset_value;

	/* _S5_ from the DSDT (or an SSDT when the DSDT has none) */
	bool have_s5;
	uint8_t slp_typa;            /* low 8 bits of the package's integers */
	uint8_t slp_typb;

	/* MADT ("APIC") */
	bool have_madt;
	uint32_t madt_flags;         /* bit 0: PCAT_COMPAT (8259s present) */
	uint64_t lapic_phys;         /* type 5 override wins over the header field */
	unsigned ncpus;              /* usable: enabled or online-capable */
	unsigned cpus_ignored;       /* neither flag set, or a duplicate APIC id */
	unsigned cpus_dropped;       /* usable but past ACPI_MAX_CPUS */
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	unsigned nioapics;
	unsigned ioapics_dropped;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	unsigned noverrides;
	unsigned overrides_dropped;
	struct acpi_override overrides[ACPI_MAX_OVERRIDES];
	unsigned madt_bad_entries;   /* too short for their type, or the walk stopped */

	/* The Generic Event Device (ACPI 6.4 section 5.6.9; hardware-reduced
	 * platforms such as QEMU microvm signal the power button through it),
	 * found in the DSDT by a bounded scan: a Device with _HID "ACPI0013", the
	 * first Extended Interrupt descriptor of its _CRS and its first
	 * SystemMemory OperationRegion (the event selector register). */
	bool have_ged;
	uint32_t ged_gsi;            /* its interrupt */
	uint8_t ged_irq_flags;       /* ACPI_IRQ_* */
	uint64_t ged_evt_sel;        /* physical address of the 32-bit selector */

	/* HPET */
	bool have_hpet;
	uint64_t hpet_table_phys;
	struct acpi_gas hpet_base;   /* event timer block registers */
};

/* Extended Interrupt descriptor flags (ACPI 6.4 section 6.4.3.6). */
#define ACPI_IRQ_EDGE 0x02
#define ACPI_IRQ_ACTIVE_LOW 0x04

/* How the OS takes the power button: the PM1 status and enable registers'
 * PWRBTN bit (fixed hardware, 4.8.3.1), or the GED's selector bit. */
#define ACPI_PM1_PWRBTN (1u << 8)
#define ACPI_GED_PWR_DOWN 0x2        /* the selector bit QEMU sets (its ACPI_GED_PWR_DOWN_EVT) */
struct acpi_pm1_event {
	struct acpi_gas sts, en;     /* 16-bit registers; address 0 when absent */
};
/* The PM1a (i = 0) or PM1b (i = 1) status and enable registers when the
 * power button is a fixed feature there: 0, or -ENODEV. */
int acpi_pm1_event_regs(const struct acpi_info *ai, int i, struct acpi_pm1_event *ev);

/* One register write of the power-off sequence (done by arch code, in order). */
struct acpi_reg_write {
	uint8_t space_id;    /* ACPI_GAS_IO or ACPI_GAS_MEM */
	uint8_t width;       /* access width in bits: 8, 16 or 32 */
	uint64_t address;    /* I/O port (<= 0xffff) or physical address */
	uint32_t value;
	/* Bits of the current register value to keep: nonzero means read, and
	 * write (old & keep) | value; 0 means write value as is. */
	uint32_t keep;
};

struct acpi_s5_write {
	unsigned count;      /* 1 or 2 */
	struct acpi_reg_write w[2];
};

/* Scan the first KiB of the EBDA and 0xE0000-0xFFFFF for a valid RSDP
 * (ACPI 6.0 section 5.2.5.1). 0 and *rsdp set, or -ENODEV. */
int acpi_find_rsdp(acpi_map_fn map, void *ctx, uint64_t *rsdp);

/*
 * Parse everything reachable from the RSDP at rsdp into *out (zeroed first).
 * 0 when the RSDP and the root table are valid, whatever happened to the tables
 * they list (refused ones are in out->skips and logged); -ENODEV if rsdp is 0,
 * -EFAULT if the RSDP or root table cannot be mapped, -EINVAL if either is bad.
 * Boot-time, single CPU, no locks.
 */
int acpi_parse(struct acpi_info *out, uint64_t rsdp, acpi_map_fn map, void *ctx);

/* How to enter S5: PM1a (then PM1b) control writes of SLP_TYPx | SLP_EN, or on
 * hardware-reduced ACPI one byte write to SLEEP_CONTROL_REG. 0, or -ENODEV when
 * there is no _S5_ or no usable register. */
int acpi_s5_plan(const struct acpi_info *ai, struct acpi_s5_write *w);

#endif
