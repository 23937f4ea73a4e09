/* SPDX-License-Identifier: MIT */
/*
 * Intel MultiProcessor Specification 1.4: floating pointer scan (section 4),
 * configuration table header and base entries (4.2, 4.3), default
 * configurations (5). No length is trusted: a structure is mapped whole and
 * checksummed before its fields are read. Firecracker before 1.8 describes its
 * vCPUs only this way; QEMU's SeaBIOS writes one next to its ACPI tables.
 */
#include <k/console.h>
#include <k/errno.h>
#include <k/mptable.h>
#include <k/string.h>

/* Floating pointer structure, 4.1: 16 bytes, Length counted in 16-byte units. */
#define FPS_LEN 16
#define FPS_TABLE 4
#define FPS_LENGTH 8
#define FPS_REV 9
#define FPS_FEATURE1 11

/* Configuration table header, 4.2: 44 bytes, entries follow. */
#define HDR_LEN 44
#define HDR_BASE_LEN 4
#define HDR_ENTRY_COUNT 34
#define HDR_LAPIC 36

/* Base table entries, 4.3: the type byte first; only these five are defined. */
#define ENT_CPU 0            /* 20 bytes */
#define ENT_BUS 1            /* 8 bytes */
#define ENT_IOAPIC 2         /* 8 bytes */
#define ENT_IOINT 3          /* 8 bytes */
#define ENT_LINT 4           /* 8 bytes */

#define DEFAULT_MAX 7        /* default configuration types 1-7 (5.1) */
#define DEFAULT_LAPIC 0xfee00000u

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint8_t sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

/* The floating pointer at phys, checksummed over its Length; NULL if bad. */
static const uint8_t *fps_get(mptable_map_fn map, void *ctx, uint64_t phys, int *err)
{
	const uint8_t *p = map(ctx, phys, FPS_LEN);
	size_t len;

	*err = -EFAULT;
	if (!p)
		return NULL;
	*err = -EINVAL;
	if (memcmp(p, "_MP_", 4) != 0 || p[FPS_LENGTH] == 0)
		return NULL;
	len = (size_t)p[FPS_LENGTH] * 16;
	p = map(ctx, phys, len);
	if (!p) {
		*err = -EFAULT;
		return NULL;
	}
	return sum8(p, len) == 0 ? p : NULL;
}

/* Scan [start, start+len) on 16-byte boundaries, a page at a time so that an
 * unmapped page only hides itself. */
static int fps_scan(mptable_map_fn map, void *ctx, uint64_t start, uint64_t len, uint64_t *fps)
{
	for (uint64_t off = 0; off < len; off += 4096) {
		uint64_t n = len - off < 4096 ? len - off : 4096;
		const uint8_t *p = map(ctx, start + off, (size_t)n);
		int err;

		if (!p)
			continue;
		for (uint64_t i = 0; i + FPS_LEN <= n; i += 16) {
			if (memcmp(p + i, "_MP_", 4) != 0)
				continue;
			if (fps_get(map, ctx, start + off + i, &err)) {
				*fps = start + off + i;
				return 0;
			}
		}
	}
	return -ENODEV;
}

int mptable_find(mptable_map_fn map, void *ctx, uint64_t *fps)
{
	/* The BIOS data area word at 0x40E holds the EBDA's real-mode segment;
	 * without a usable one the spec says the last KiB of base memory. */
	const uint8_t *p = map(ctx, 0x40e, 2);
	uint64_t ebda = p ? (uint64_t)rd16(p) << 4 : 0;

	if (ebda < 0x500 || ebda + 1024 > 0xa0000)
		ebda = 0x9fc00;
	if (fps_scan(map, ctx, ebda, 1024, fps) == 0)
		return 0;
	return fps_scan(map, ctx, 0xf0000, 0x10000, fps);
}

static void add_cpu(struct mptable_info *out, uint8_t apic_id, uint8_t flags)
{
	if (out->ncpus >= MPTABLE_MAX_CPUS) {
		out->cpus_dropped++;
		return;
	}
	out->cpus[out->ncpus].apic_id = apic_id;
	out->cpus[out->ncpus].flags = flags & (MPTABLE_CPU_ENABLED | MPTABLE_CPU_BSP);
	out->ncpus++;
}

static void add_ioapic(struct mptable_info *out, const uint8_t *e)
{
	struct mptable_ioapic *io;

	if (out->nioapics >= MPTABLE_MAX_IOAPICS) {
		out->ioapics_dropped++;
		return;
	}
	io = &out->ioapics[out->nioapics++];
	io->id = e[1];
	io->flags = e[3] & MPTABLE_IOAPIC_ENABLED;
	io->address = rd32(e + 4);
}

static uint32_t entry_size(uint8_t type)
{
	switch (type) {
	case ENT_CPU: return 20;
	case ENT_BUS:
	case ENT_IOAPIC:
	case ENT_IOINT:
	case ENT_LINT: return 8;
	default: break;
	}
	return 0;
}

/*
 * Walk the entries of a checksummed table of len bytes, never past len. qboot
 * (QEMU microvm's firmware) writes its entries but leaves the entry count 0:
 * a count of 0 walks to the table's length instead.
 */
static void walk(struct mptable_info *out, const uint8_t *t, uint32_t len)
{
	bool by_len = out->nentries == 0;
	uint32_t off = HDR_LEN;
	unsigned i;

	for (i = 0; (by_len || i < out->nentries) && off < len; i++) {
		const uint8_t *e = t + off;
		uint32_t size = entry_size(e[0]);

		if (size == 0) {
			out->unknown_type = e[0];
			kprintf("mptable: entry %u has unknown type %u, the rest are ignored\n",
				i, e[0]);
			break;
		}
		if (size > len - off)
			break;
		if (e[0] == ENT_CPU)
			add_cpu(out, e[1], e[3]);
		else if (e[0] == ENT_IOAPIC)
			add_ioapic(out, e);
		off += size;
	}
	out->count_from_length = by_len;
	if (by_len)
		out->bad_entries = off < len ? 1 : 0;
	else
		out->bad_entries = out->nentries - i;
	if (out->bad_entries && out->unknown_type < 0)
		kprintf("mptable: %u of %u entries lie past the table's length\n",
			out->bad_entries, by_len ? i + 1 : out->nentries);
}

static int table_parse(struct mptable_info *out, mptable_map_fn map, void *ctx)
{
	const uint8_t *t = map(ctx, out->table_phys, HDR_LEN);
	uint32_t len;

	if (!t)
		return -EFAULT;
	len = rd16(t + HDR_BASE_LEN);
	if (memcmp(t, "PCMP", 4) != 0 || len < HDR_LEN)
		return -EINVAL;
	t = map(ctx, out->table_phys, len);
	if (!t)
		return -EFAULT;
	if (sum8(t, len) != 0)
		return -EINVAL;
	out->nentries = rd16(t + HDR_ENTRY_COUNT);
	out->lapic_phys = rd32(t + HDR_LAPIC);
	walk(out, t, len);
	return 0;
}

int mptable_parse(struct mptable_info *out, uint64_t fps, mptable_map_fn map, void *ctx)
{
	const uint8_t *p;
	int err;

	memset(out, 0, sizeof(*out));
	out->unknown_type = -1;
	if (fps == 0)
		return -ENODEV;
	p = fps_get(map, ctx, fps, &err);
	if (!p)
		return err;
	out->spec_rev = p[FPS_REV];
	out->default_config = p[FPS_FEATURE1];
	if (out->default_config == 0) {
		out->table_phys = rd32(p + FPS_TABLE);
		if (out->table_phys == 0)
			return -EINVAL;
		return table_parse(out, map, ctx);
	}
	if (out->default_config > DEFAULT_MAX)
		return -EINVAL;
	/* Every default configuration has two processors, local APIC ids 0 and 1,
	 * at the standard local APIC address (5.1). */
	out->lapic_phys = DEFAULT_LAPIC;
	add_cpu(out, 0, MPTABLE_CPU_ENABLED | MPTABLE_CPU_BSP);
	add_cpu(out, 1, MPTABLE_CPU_ENABLED);
	return 0;
}
