/* SPDX-License-Identifier: MIT */
/*
 * Intel MultiProcessor Specification 1.4 tables: the floating pointer structure
 * and the base configuration table (processors, I/O APICs). The CPU list of
 * firmware without ACPI (Firecracker before 1.8). Portable and bounded like
 * k/acpi.h: all memory is reached through a map callback, nothing touches
 * hardware. Boot-time, single CPU, no locks.
 */
#ifndef K_MPTABLE_H
#define K_MPTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Same contract as acpi_map_fn: len readable bytes at phys, or NULL. */
typedef const void *(*mptable_map_fn)(void *ctx, uint64_t phys, size_t len);

#define MPTABLE_MAX_CPUS 64
#define MPTABLE_MAX_IOAPICS 8

/* mptable_cpu.flags: the processor entry's CPU flags (MP 1.4 section 4.3.1). */
#define MPTABLE_CPU_ENABLED 0x1
#define MPTABLE_CPU_BSP 0x2

/* mptable_ioapic.flags (section 4.3.3). */
#define MPTABLE_IOAPIC_ENABLED 0x1

struct mptable_cpu {
	uint8_t apic_id;
	uint8_t flags;               /* MPTABLE_CPU_* */
};

struct mptable_ioapic {
	uint8_t id;
	uint8_t flags;               /* MPTABLE_IOAPIC_ENABLED */
	uint32_t address;
};

/* Filled by mptable_parse. */
struct mptable_info {
	uint8_t spec_rev;            /* floating pointer: 1 (MP 1.1) or 4 (MP 1.4) */
	uint8_t default_config;      /* feature byte 1: 0 = table, else default type */
	uint64_t table_phys;         /* configuration table, 0 for a default config */
	uint32_t lapic_phys;
	unsigned nentries;           /* entry count the table claims */
	bool count_from_length;      /* count was 0: entries read up to the length */
	unsigned ncpus;              /* every processor entry, enabled or not */
	unsigned cpus_dropped;       /* past MPTABLE_MAX_CPUS */
	struct mptable_cpu cpus[MPTABLE_MAX_CPUS];
	unsigned nioapics;
	unsigned ioapics_dropped;
	struct mptable_ioapic ioapics[MPTABLE_MAX_IOAPICS];
	/* Entries not read: cut by the base table length, or after an entry of
	 * unknown type (whose length the spec does not give); with
	 * count_from_length, 1 if the walk stopped before the length. */
	unsigned bad_entries;
	int unknown_type;            /* type that stopped the walk, -1 if none */
};

/*
 * Find a valid floating pointer structure ("_MP_", checksum over its length)
 * on a 16-byte boundary in the first KiB of the EBDA (segment at 0x40E; the
 * last KiB of base memory, 0x9FC00, when that is 0), then 0xF0000-0xFFFFF
 * (MP 1.4 section 4). 0 and *fps set, or -ENODEV.
 */
int mptable_find(mptable_map_fn map, void *ctx, uint64_t *fps);

/*
 * Parse the floating pointer at fps and its configuration table into *out
 * (zeroed first). A default configuration gives two CPUs, APIC ids 0 (BSP)
 * and 1 (section 5). 0 when the pointer and table header are valid, however
 * the entry walk ended (see bad_entries, unknown_type; logged); -ENODEV if fps
 * is 0, -EFAULT if unmapped, -EINVAL for a bad signature, length or checksum.
 */
int mptable_parse(struct mptable_info *out, uint64_t fps, mptable_map_fn map, void *ctx);

#endif
