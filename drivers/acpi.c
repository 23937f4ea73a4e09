/* SPDX-License-Identifier: MIT */
/*
 * ACPI tables (ACPI 6.0 chapter 5; AML grammar of chapter 20): RSDP scan, XSDT/RSDT
 * walk, FADT, the DSDT's _S5_ package and Generic Event Device, MADT, HPET. No
 * length or offset is trusted:
 * a table is mapped whole and checksummed before any field of it is read, and
 * every field read is inside what was mapped. QEMU microvm's FADT is
 * hardware-reduced: power-off goes through SLEEP_CONTROL_REG there.
 */
#include <k/acpi.h>
#include <k/console.h>
#include <k/errno.h>
#include <k/string.h>

#define HDR_LEN 36                /* System Description Table Header, 5.2.6 */
#define TABLE_MAX_LEN (1u << 20)  /* bigger tables are refused */
#define ROOT_MAX_ENTRIES 64       /* root entries looked at; the rest ignored */
#define SSDT_MAX 8                /* SSDTs searched for _S5_ */

/* RSDP, 5.2.5.3: v1 fields checksummed over 20 bytes, v2 over Length (>= 36). */
#define RSDP_V1_LEN 20
#define RSDP_V2_LEN 36
#define RSDP_MAX_LEN 4096
#define RSDP_REVISION 15
#define RSDP_RSDT 16
#define RSDP_LENGTH 20
#define RSDP_XSDT 24

/* FADT field offsets, 5.2.9. The table grew by revision: a field is read only
 * if the table's Length covers it. */
enum {
	FADT_DSDT = 40,
	FADT_SCI_INT = 46,
	FADT_SMI_CMD = 48,
	FADT_ACPI_ENABLE = 52,
	FADT_PM1A_EVT_BLK = 56,
	FADT_PM1B_EVT_BLK = 60,
	FADT_PM1A_CNT_BLK = 64,
	FADT_PM1B_CNT_BLK = 68,
	FADT_PM_TMR_BLK = 76,
	FADT_PM1_EVT_LEN = 88,
	FADT_PM1_CNT_LEN = 89,
	FADT_PM_TMR_LEN = 91,
	FADT_FLAGS = 112,
	FADT_MIN_LEN = 116,       /* ACPI 1.0 FADT: everything up to Flags */
	FADT_RESET_REG = 116,
	FADT_RESET_VALUE = 128,
	FADT_X_DSDT = 140,
	FADT_X_PM1A_EVT_BLK = 148,
	FADT_X_PM1B_EVT_BLK = 160,
	FADT_X_PM1A_CNT_BLK = 172,
	FADT_X_PM1B_CNT_BLK = 184,
	FADT_X_PM_TMR_BLK = 208,
	FADT_SLEEP_CONTROL_REG = 244,
	FADT_SLEEP_STATUS_REG = 256,
	FADT_V5_LEN = 268,        /* ends after SLEEP_STATUS_REG */
};
#define GAS_LEN 12                /* 5.2.3.2 */

/* MADT, 5.2.12: Local Interrupt Controller Address at 36, Flags at 40, then
 * entries of (Type, Length, ...). Minimum lengths per entry type below. */
#define MADT_ENTRIES 44
#define MADT_LAPIC 0              /* 5.2.12.2, 8 bytes */
#define MADT_IOAPIC 1             /* 5.2.12.3, 12 bytes */
#define MADT_OVERRIDE 2           /* 5.2.12.5, 10 bytes */
#define MADT_LAPIC_ADDR 5         /* 5.2.12.8, 12 bytes */
#define MADT_X2APIC 9             /* 5.2.12.12, 16 bytes */

/* HPET description table (IA-PC HPET spec 1.0a, 3.2.4): base address GAS at 40. */
#define HPET_BASE 40
#define HPET_MIN_LEN 56

/* AML encodings: 20.2.2 (names), 20.2.3 (data objects), 20.2.4 (PkgLength),
 * 20.2.5.1 (DefName), 20.2.5.4 (DefPackage). */
#define AML_ZERO 0x00
#define AML_ONE 0x01
#define AML_NAME 0x08
#define AML_STRING 0x0d
#define AML_BUFFER 0x11
#define AML_EXT 0x5b               /* ExtOpPrefix: then OpRegionOp 0x80, DeviceOp 0x82 */
#define AML_OPREGION 0x80
#define AML_DEVICE 0x82
#define AML_SYSTEM_MEMORY 0x00     /* RegionSpace (19.6.100) */
#define AML_BYTE 0x0a
#define AML_WORD 0x0b
#define AML_DWORD 0x0c
#define AML_QWORD 0x0e
#define AML_PACKAGE 0x12
#define AML_ROOT 0x5c
#define AML_ONES 0xff

/* PM1 control register (4.8.3.2.1): SLP_TYPx bits 12:10, SLP_EN bit 13.
 * Sleep control register (4.8.3.7): SLP_TYPx bits 4:2, SLP_EN bit 5. */
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_EN (1u << 13)
#define SLEEP_CTL_TYP_SHIFT 2
#define SLEEP_CTL_SLP_EN (1u << 5)

struct rsdp_view {
	uint8_t revision;
	uint32_t rsdt;
	uint64_t xsdt;
};

struct ssdt_list {
	unsigned n;
	const uint8_t *t[SSDT_MAX];
	uint32_t len[SSDT_MAX];
};

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static uint8_t sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

static void sig_copy(char out[5], const uint8_t *sig)
{
	for (int i = 0; i < 4; i++)
		out[i] = (sig && sig[i] >= 0x20 && sig[i] < 0x7f) ? (char)sig[i] : '?';
	out[4] = 0;
}

static void skip(struct acpi_info *ai, const char sig[5], uint64_t phys, const char *why)
{
	kprintf("acpi: %s at %#llx skipped: %s\n", sig, (unsigned long long)phys, why);
	if (ai->nskips < ACPI_MAX_SKIPS) {
		struct acpi_skip *s = &ai->skips[ai->nskips];

		memcpy(s->sig, sig, 5);
		s->phys = phys;
		s->why = why;
	}
	ai->nskips++;
}

/* 0 and *r filled if a valid RSDP is at phys; -EFAULT if unmapped; else -EINVAL. */
static int rsdp_check(acpi_map_fn map, void *ctx, uint64_t phys, struct rsdp_view *r)
{
	const uint8_t *p = map(ctx, phys, RSDP_V1_LEN);
	uint32_t len;

	if (!p)
		return -EFAULT;
	if (memcmp(p, "RSD PTR ", 8) != 0 || sum8(p, RSDP_V1_LEN) != 0)
		return -EINVAL;
	r->revision = p[RSDP_REVISION];
	r->rsdt = rd32(p + RSDP_RSDT);
	r->xsdt = 0;
	if (r->revision < 2)
		return 0;
	p = map(ctx, phys, RSDP_V2_LEN);
	if (!p)
		return -EFAULT;
	len = rd32(p + RSDP_LENGTH);
	if (len < RSDP_V2_LEN || len > RSDP_MAX_LEN)
		return -EINVAL;
	p = map(ctx, phys, len);
	if (!p)
		return -EFAULT;
	if (sum8(p, len) != 0)
		return -EINVAL;
	r->xsdt = rd64(p + RSDP_XSDT);
	return 0;
}

/* Scan [start, start+len) on 16-byte boundaries, a page at a time so that an
 * unmapped page only hides itself. */
static int rsdp_scan(acpi_map_fn map, void *ctx, uint64_t start, uint64_t len, uint64_t *rsdp)
{
	struct rsdp_view r;

	for (uint64_t off = 0; off < len; off += 4096) {
		uint64_t n = len - off < 4096 ? len - off : 4096;
		const uint8_t *p = map(ctx, start + off, (size_t)n);

		if (!p)
			continue;
		for (uint64_t i = 0; i + 8 <= n; i += 16) {
			if (memcmp(p + i, "RSD PTR ", 8) != 0)
				continue;
			if (rsdp_check(map, ctx, start + off + i, &r) == 0) {
				*rsdp = start + off + i;
				return 0;
			}
		}
	}
	return -ENODEV;
}

int acpi_find_rsdp(acpi_map_fn map, void *ctx, uint64_t *rsdp)
{
	/* The BIOS data area word at 0x40E holds the EBDA's real-mode segment. A
	 * value outside conventional memory (below 640 KiB) is not an EBDA. */
	const uint8_t *p = map(ctx, 0x40e, 2);

	if (p) {
		uint64_t ebda = (uint64_t)rd16(p) << 4;

		if (ebda >= 0x500 && ebda + 1024 <= 0xa0000 &&
		    rsdp_scan(map, ctx, ebda, 1024, rsdp) == 0)
			return 0;
	}
	return rsdp_scan(map, ctx, 0xe0000, 0x20000, rsdp);
}

/*
 * Map a whole table at phys and check it: header mapped, signature (if want),
 * HDR_LEN <= Length <= TABLE_MAX_LEN, the Length bytes mapped, checksum. On
 * failure *why says which; sig always gets the signature or "????".
 */
static int table_get(acpi_map_fn map, void *ctx, uint64_t phys, const char *want,
		     const uint8_t **tp, uint32_t *lenp, char sig[5], const char **why)
{
	const uint8_t *h;
	uint32_t len;

	sig_copy(sig, NULL);
	*why = NULL;
	if (phys == 0) {
		*why = "null address";
		return -EINVAL;
	}
	h = map(ctx, phys, HDR_LEN);
	if (!h) {
		*why = "header not in mapped memory";
		return -EFAULT;
	}
	sig_copy(sig, h);
	len = rd32(h + 4);
	if (want && memcmp(h, want, 4) != 0)
		*why = "unexpected signature";
	else if (len < HDR_LEN)
		*why = "length shorter than the header";
	else if (len > TABLE_MAX_LEN)
		*why = "length over 1 MiB";
	if (*why)
		return -EINVAL;
	*tp = map(ctx, phys, len);
	if (!*tp) {
		*why = "length runs past mapped memory";
		return -EFAULT;
	}
	if (sum8(*tp, len) != 0) {
		*why = "bad checksum";
		return -EINVAL;
	}
	*lenp = len;
	return 0;
}

static void gas_read(struct acpi_gas *g, const uint8_t *p)
{
	g->space_id = p[0];
	g->bit_width = p[1];
	g->bit_offset = p[2];
	g->access_size = p[3];
	g->address = rd64(p + 4);
}

static bool gas_usable(const struct acpi_gas *g)
{
	return g->address != 0 &&
	       (g->space_id == ACPI_GAS_MEM || g->space_id == ACPI_GAS_IO);
}

/* The FADT's X_ GAS at xoff when present and usable, else its 32-bit I/O port
 * at off32 whose block length in bytes is at lenoff (5.2.9). */
static void fadt_block(struct acpi_gas *g, const uint8_t *t, uint32_t len,
		       uint32_t xoff, uint32_t off32, uint32_t lenoff)
{
	uint32_t port = rd32(t + off32);

	if (xoff + GAS_LEN <= len) {
		gas_read(g, t + xoff);
		if (gas_usable(g))
			return;
	}
	memset(g, 0, sizeof(*g));
	if (port != 0) {
		g->space_id = ACPI_GAS_IO;
		g->bit_width = (uint8_t)(t[lenoff] * 8);
		g->address = port;
	}
}

static void parse_fadt(struct acpi_info *ai, const uint8_t *t, uint32_t len)
{
	ai->have_fadt = true;
	ai->fadt_revision = t[8];
	ai->fadt_flags = rd32(t + FADT_FLAGS);
	ai->hw_reduced = (ai->fadt_flags & ACPI_FADT_HW_REDUCED) != 0;
	ai->sci_irq = rd16(t + FADT_SCI_INT);
	ai->smi_cmd = rd32(t + FADT_SMI_CMD);
	ai->acpi_enable = t[FADT_ACPI_ENABLE];
	ai->dsdt_phys = rd32(t + FADT_DSDT);
	if (FADT_X_DSDT + 8 <= len && rd64(t + FADT_X_DSDT) != 0)
		ai->dsdt_phys = rd64(t + FADT_X_DSDT);
	fadt_block(&ai->pm1a_cnt, t, len, FADT_X_PM1A_CNT_BLK, FADT_PM1A_CNT_BLK, FADT_PM1_CNT_LEN);
	fadt_block(&ai->pm1b_cnt, t, len, FADT_X_PM1B_CNT_BLK, FADT_PM1B_CNT_BLK, FADT_PM1_CNT_LEN);
	fadt_block(&ai->pm_timer, t, len, FADT_X_PM_TMR_BLK, FADT_PM_TMR_BLK, FADT_PM_TMR_LEN);
	fadt_block(&ai->pm1a_evt, t, len, FADT_X_PM1A_EVT_BLK, FADT_PM1A_EVT_BLK, FADT_PM1_EVT_LEN);
	fadt_block(&ai->pm1b_evt, t, len, FADT_X_PM1B_EVT_BLK, FADT_PM1B_EVT_BLK, FADT_PM1_EVT_LEN);
	ai->pm1_evt_len = t[FADT_PM1_EVT_LEN];
	ai->pm_timer_32bit = (ai->fadt_flags & ACPI_FADT_TMR_VAL_EXT) != 0;
	if (FADT_RESET_VALUE < len && (ai->fadt_flags & ACPI_FADT_RESET_REG_SUP)) {
		gas_read(&ai->reset_reg, t + FADT_RESET_REG);
		ai->reset_value = t[FADT_RESET_VALUE];
		ai->have_reset = gas_usable(&ai->reset_reg);
		if (!ai->have_reset)
			memset(&ai->reset_reg, 0, sizeof(ai->reset_reg));
	}
	/* SLEEP_CONTROL_REG/SLEEP_STATUS_REG appeared with FADT revision 5. */
	if (ai->fadt_revision >= 5 && len >= FADT_V5_LEN) {
		gas_read(&ai->sleep_control, t + FADT_SLEEP_CONTROL_REG);
		gas_read(&ai->sleep_status, t + FADT_SLEEP_STATUS_REG);
	}
}

/* PkgLength at *pos (20.2.4): lead byte bits 7:6 count the bytes that follow;
 * alone, bits 5:0 are the length; else bits 3:0 are its low nibble (bits 5:4
 * must be 0) and each following byte adds 8 more bits. The length counts from
 * the lead byte. Sets *end to the package's end, checked against limit. */
static int pkg_length(const uint8_t *a, size_t limit, size_t *pos, size_t *end)
{
	size_t p = *pos, nb, v;

	if (p >= limit)
		return -EINVAL;
	nb = a[p] >> 6;
	if (nb == 0) {
		v = a[p] & 0x3f;
	} else {
		if ((a[p] & 0x30) != 0 || limit - p <= nb)
			return -EINVAL;
		v = a[p] & 0x0f;
		for (size_t i = 0; i < nb; i++)
			v |= (size_t)a[p + 1 + i] << (4 + 8 * i);
	}
	if (v < nb + 1 || v > limit - p)
		return -EINVAL;
	*end = p + v;
	*pos = p + 1 + nb;
	return 0;
}

/* An integer data object (20.2.3): ZeroOp, OneOp, OnesOp, Byte/Word/DWord/
 * QWordPrefix + data. A bare byte 2-7 is taken as its own value: no valid AML
 * object starts with one inside a package, and some firmware writes it. */
static int aml_integer(const uint8_t *a, size_t end, size_t *pos, uint64_t *v)
{
	size_t p = *pos, n;

	if (p >= end)
		return -EINVAL;
	switch (a[p]) {
	case AML_ZERO: *v = 0; n = 0; break;
	case AML_ONE: *v = 1; n = 0; break;
	case AML_ONES: *v = ~0ull; n = 0; break;
	case AML_BYTE: n = 1; break;
	case AML_WORD: n = 2; break;
	case AML_DWORD: n = 4; break;
	case AML_QWORD: n = 8; break;
	default:
		if (a[p] > 7)
			return -EINVAL;
		*v = a[p];
		n = 0;
		break;
	}
	if (end - p - 1 < n)
		return -EINVAL;
	if (n) {
		*v = 0;
		for (size_t i = 0; i < n; i++)
			*v |= (uint64_t)a[p + 1 + i] << (8 * i);
	}
	*pos = p + 1 + n;
	return 0;
}

/* Is "_S5_" at a[i] the name of Name(_S5_, Package(){SLP_TYPa, SLP_TYPb, ...})? */
static bool s5_at(const uint8_t *a, size_t n, size_t i, struct acpi_info *ai)
{
	size_t p = i + 4, end;
	uint64_t va, vb;
	uint8_t count;

	if (!(i >= 1 && a[i - 1] == AML_NAME) &&
	    !(i >= 2 && a[i - 1] == AML_ROOT && a[i - 2] == AML_NAME))
		return false;
	if (p >= n || a[p] != AML_PACKAGE)
		return false;
	p++;
	if (pkg_length(a, n, &p, &end) != 0 || p >= end)
		return false;
	count = a[p++];
	if (count == 0 || aml_integer(a, end, &p, &va) != 0)
		return false;
	/* A one-element package: our choice is to use it for both registers. */
	vb = va;
	if (count >= 2 && aml_integer(a, end, &p, &vb) != 0)
		return false;
	ai->have_s5 = true;
	ai->slp_typa = (uint8_t)va;
	ai->slp_typb = (uint8_t)vb;
	return true;
}

/* Look for _S5_ in a definition block's AML: a linear scan, no interpretation. */
static void find_s5(struct acpi_info *ai, const uint8_t *t, uint32_t len)
{
	const uint8_t *a = t + HDR_LEN;
	size_t n = len - HDR_LEN;

	for (size_t i = 0; i + 4 <= n; i++) {
		if (a[i] == '_' && memcmp(a + i, "_S5_", 4) == 0 && s5_at(a, n, i, ai))
			return;
	}
}

/* ---- the Generic Event Device (5.6.9), by a bounded scan ---- */

#define DEVICE_BACK 32            /* how far before its _HID a Device op may start */
#define RES_EXT_IRQ 0x89          /* Extended Interrupt descriptor (6.4.3.6) */
#define RES_END_TAG 0xf           /* small item End Tag (6.4.2.9) */

/* The end of the Device (ExtOp DeviceOp PkgLength NameString TermList) whose
 * body holds position `at`: the closest one starting shortly before it. */
static bool device_end(const uint8_t *a, size_t n, size_t at, size_t *end)
{
	for (size_t back = 3; back <= DEVICE_BACK && back <= at; back++) {
		size_t p = at - back, e;
		if (a[p] != AML_EXT || a[p + 1] != AML_DEVICE)
			continue;
		p += 2;
		if (pkg_length(a, n, &p, &e) == 0 && e > at) {
			*end = e;
			return true;
		}
	}
	return false;
}

/* The first Extended Interrupt descriptor with at least one interrupt in a
 * resource template of n bytes (6.4): its first GSI and flags. */
static bool res_interrupt(const uint8_t *r, size_t n, uint32_t *gsi, uint8_t *flags)
{
	size_t i = 0;
	while (i < n) {
		if (!(r[i] & 0x80)) {     /* small item: tag and length in one byte */
			if (((r[i] >> 3) & 0xf) == RES_END_TAG)
				return false;
			i += 1 + (r[i] & 7u);
			continue;
		}
		if (n - i < 3)             /* large item: tag, le16 length, data */
			return false;
		size_t len = rd16(r + i + 1);
		if (len > n - i - 3)
			return false;
		if (r[i] == RES_EXT_IRQ && len >= 6 && r[i + 4] >= 1) {
			*flags = r[i + 3];
			*gsi = rd32(r + i + 5);
			return true;
		}
		i += 3 + len;
	}
	return false;
}

/* Name(_CRS, Buffer(){...}) with "_CRS" at a[i]: its interrupt. */
static bool ged_crs(const uint8_t *a, size_t end, size_t i, struct acpi_info *ai)
{
	size_t p = i + 4, bend;
	uint64_t size;

	if (p >= end || a[p] != AML_BUFFER)
		return false;
	p++;
	if (pkg_length(a, end, &p, &bend) != 0 || aml_integer(a, bend, &p, &size) != 0)
		return false;
	/* The initializer may be shorter than BufferSize (the rest is zeros). */
	size_t have = bend - p < size ? bend - p : (size_t)size;
	return res_interrupt(a + p, have, &ai->ged_gsi, &ai->ged_irq_flags);
}

/* OperationRegion(NAME, SystemMemory, Offset, Length) at a[i] (ExtOp): the
 * address of a region of at least 4 bytes. */
static bool ged_region(const uint8_t *a, size_t end, size_t i, uint64_t *addr)
{
	size_t p = i + 2 + 4;      /* ExtOp OpRegionOp NameSeg */
	uint64_t off, len;

	if (p >= end || a[i + 1] != AML_OPREGION || a[p] != AML_SYSTEM_MEMORY)
		return false;
	p++;
	if (aml_integer(a, end, &p, &off) != 0 || aml_integer(a, end, &p, &len) != 0)
		return false;
	if (off == 0 || (off & 3) || len < 4 || off > UINT64_MAX - 4)
		return false;
	*addr = off;
	return true;
}

/* Name(_HID, "ACPI0013") at a[i] (the NameOp): the GED's interrupt and event
 * selector from the rest of its Device. */
static bool ged_at(const uint8_t *a, size_t n, size_t i, struct acpi_info *ai)
{
	static const uint8_t hid[] = { AML_NAME, '_', 'H', 'I', 'D', AML_STRING,
				       'A', 'C', 'P', 'I', '0', '0', '1', '3', 0 };
	size_t end;
	bool irq = false, reg = false;

	if (n - i < sizeof(hid) || memcmp(a + i, hid, sizeof(hid)) != 0 || !device_end(a, n, i, &end))
		return false;
	for (size_t p = i + sizeof(hid); p + 6 <= end && !(irq && reg); p++) {
		if (!irq && a[p] == AML_NAME && memcmp(a + p + 1, "_CRS", 4) == 0)
			irq = ged_crs(a, end, p + 1, ai);
		else if (!reg && a[p] == AML_EXT)
			reg = ged_region(a, end, p, &ai->ged_evt_sel);
	}
	ai->have_ged = irq && reg;
	return ai->have_ged;
}

static void find_ged(struct acpi_info *ai, const uint8_t *t, uint32_t len)
{
	const uint8_t *a = t + HDR_LEN;
	size_t n = len - HDR_LEN;

	for (size_t i = 0; i + 15 <= n; i++) {
		if (a[i] == AML_NAME && a[i + 5] == AML_STRING && ged_at(a, n, i, ai))
			return;
	}
	ai->ged_gsi = 0;
	ai->ged_irq_flags = 0;
	ai->ged_evt_sel = 0;
}

static void madt_cpu(struct acpi_info *ai, uint32_t apic_id, uint32_t uid,
		     uint32_t flags, bool x2apic)
{
	struct acpi_cpu *c;

	/* Neither enabled nor online-capable: OSPM must ignore it (5.2.12.2). A
	 * CPU listed both as xAPIC and x2APIC is counted once. */
	flags &= ACPI_CPU_ENABLED | ACPI_CPU_ONLINE_CAPABLE;
	if (flags == 0) {
		ai->cpus_ignored++;
		return;
	}
	for (unsigned i = 0; i < ai->ncpus; i++) {
		if (ai->cpus[i].apic_id == apic_id) {
			ai->cpus_ignored++;
			return;
		}
	}
	if (ai->ncpus == ACPI_MAX_CPUS) {
		ai->cpus_dropped++;
		return;
	}
	c = &ai->cpus[ai->ncpus++];
	c->apic_id = apic_id;
	c->uid = uid;
	c->flags = (uint8_t)flags;
	c->x2apic = x2apic;
}

static void madt_ioapic(struct acpi_info *ai, const uint8_t *e)
{
	struct acpi_ioapic *io;

	if (ai->nioapics == ACPI_MAX_IOAPICS) {
		ai->ioapics_dropped++;
		return;
	}
	io = &ai->ioapics[ai->nioapics++];
	io->id = e[2];
	io->address = rd32(e + 4);
	io->gsi_base = rd32(e + 8);
}

static void madt_override(struct acpi_info *ai, const uint8_t *e)
{
	struct acpi_override *o;

	if (ai->noverrides == ACPI_MAX_OVERRIDES) {
		ai->overrides_dropped++;
		return;
	}
	o = &ai->overrides[ai->noverrides++];
	o->bus = e[2];
	o->irq = e[3];
	o->gsi = rd32(e + 4);
	o->flags = rd16(e + 8);
}

/* One MADT entry whose Length (>= 2) fits the table; false if too short. */
static bool madt_entry(struct acpi_info *ai, const uint8_t *e)
{
	uint8_t elen = e[1];

	switch (e[0]) {
	case MADT_LAPIC:
		if (elen < 8)
			return false;
		madt_cpu(ai, e[3], e[2], rd32(e + 4), false);
		break;
	case MADT_IOAPIC:
		if (elen < 12)
			return false;
		madt_ioapic(ai, e);
		break;
	case MADT_OVERRIDE:
		if (elen < 10)
			return false;
		madt_override(ai, e);
		break;
	case MADT_LAPIC_ADDR:
		if (elen < 12)
			return false;
		if (rd64(e + 4) != 0)
			ai->lapic_phys = rd64(e + 4);
		break;
	case MADT_X2APIC:
		if (elen < 16)
			return false;
		madt_cpu(ai, rd32(e + 4), rd32(e + 12), rd32(e + 8), true);
		break;
	default:
		break;
	}
	return true;
}

static void parse_madt(struct acpi_info *ai, const uint8_t *t, uint32_t len)
{
	uint32_t off;

	ai->have_madt = true;
	ai->lapic_phys = rd32(t + 36);
	ai->madt_flags = rd32(t + 40);
	for (off = MADT_ENTRIES; off < len; off += t[off + 1]) {
		/* A Length below 2 would never advance; past the end is a lie. */
		if (len - off < 2 || t[off + 1] < 2 || t[off + 1] > len - off) {
			ai->madt_bad_entries++;
			kprintf("acpi: MADT entry at offset %u is malformed, walk stopped\n", off);
			break;
		}
		if (!madt_entry(ai, t + off)) {
			ai->madt_bad_entries++;
			kprintf("acpi: MADT entry type %u at offset %u too short\n", t[off], off);
		}
	}
	if (ai->cpus_dropped || ai->ioapics_dropped || ai->overrides_dropped)
		kprintf("acpi: MADT over our limits: %u CPUs, %u IO-APICs, %u overrides not kept\n",
			ai->cpus_dropped, ai->ioapics_dropped, ai->overrides_dropped);
}

static void parse_hpet(struct acpi_info *ai, const uint8_t *t, uint32_t len, uint64_t phys)
{
	struct acpi_gas base;

	if (len < HPET_MIN_LEN) {
		skip(ai, "HPET", phys, "HPET too short");
		return;
	}
	gas_read(&base, t + HPET_BASE);
	if (base.space_id != ACPI_GAS_MEM || base.address == 0) {
		skip(ai, "HPET", phys, "HPET base not in memory space");
		return;
	}
	ai->have_hpet = true;
	ai->hpet_table_phys = phys;
	ai->hpet_base = base;
}

static void table_one(struct acpi_info *ai, struct ssdt_list *ss, const uint8_t *t,
		      uint32_t len, uint64_t phys, const char sig[5])
{
	if (memcmp(sig, "FACP", 4) == 0) {
		if (ai->have_fadt)
			skip(ai, sig, phys, "second FADT");
		else if (len < FADT_MIN_LEN)
			skip(ai, sig, phys, "FADT too short");
		else
			parse_fadt(ai, t, len);
	} else if (memcmp(sig, "APIC", 4) == 0) {
		if (ai->have_madt)
			skip(ai, sig, phys, "second MADT");
		else if (len < MADT_ENTRIES)
			skip(ai, sig, phys, "MADT too short");
		else
			parse_madt(ai, t, len);
	} else if (memcmp(sig, "HPET", 4) == 0) {
		if (!ai->have_hpet)
			parse_hpet(ai, t, len, phys);
	} else if (memcmp(sig, "SSDT", 4) == 0 && ss->n < SSDT_MAX) {
		ss->t[ss->n] = t;
		ss->len[ss->n++] = len;
	}
}

/* The XSDT when the RSDP offers one and it is valid, else the RSDT. */
static int root_get(struct acpi_info *ai, const struct rsdp_view *r, acpi_map_fn map,
		    void *ctx, const uint8_t **tp, uint32_t *lenp)
{
	const char *why;
	char sig[5];
	int rc = -EINVAL;

	if (r->revision >= 2 && r->xsdt != 0) {
		rc = table_get(map, ctx, r->xsdt, "XSDT", tp, lenp, sig, &why);
		if (rc == 0) {
			ai->root_is_xsdt = true;
			ai->root_phys = r->xsdt;
			return 0;
		}
		skip(ai, sig, r->xsdt, why);
	}
	if (r->rsdt != 0) {
		rc = table_get(map, ctx, r->rsdt, "RSDT", tp, lenp, sig, &why);
		if (rc == 0) {
			ai->root_phys = r->rsdt;
			return 0;
		}
		skip(ai, sig, r->rsdt, why);
	}
	return rc;
}

/* _S5_ and the GED: in the DSDT, else in the first SSDTs. */
static void dsdt_scan(struct acpi_info *ai, const struct ssdt_list *ss, acpi_map_fn map, void *ctx)
{
	const uint8_t *t;
	const char *why;
	uint32_t len;
	char sig[5];

	if (ai->dsdt_phys != 0) {
		if (table_get(map, ctx, ai->dsdt_phys, "DSDT", &t, &len, sig, &why) == 0) {
			find_s5(ai, t, len);
			find_ged(ai, t, len);
		} else {
			skip(ai, sig, ai->dsdt_phys, why);
		}
	}
	for (unsigned i = 0; i < ss->n && !ai->have_s5; i++)
		find_s5(ai, ss->t[i], ss->len[i]);
	for (unsigned i = 0; i < ss->n && !ai->have_ged; i++)
		find_ged(ai, ss->t[i], ss->len[i]);
}

int acpi_parse(struct acpi_info *out, uint64_t rsdp, acpi_map_fn map, void *ctx)
{
	struct ssdt_list ss = { 0 };
	struct rsdp_view r;
	const uint8_t *root;
	uint32_t rlen, esz, n;
	int rc;

	memset(out, 0, sizeof(*out));
	if (rsdp == 0)
		return -ENODEV;
	rc = rsdp_check(map, ctx, rsdp, &r);
	if (rc != 0) {
		kprintf("acpi: no valid RSDP at %#llx\n", (unsigned long long)rsdp);
		return rc;
	}
	out->rsdp_revision = r.revision;
	rc = root_get(out, &r, map, ctx, &root, &rlen);
	if (rc != 0)
		return rc;
	esz = out->root_is_xsdt ? 8 : 4;
	n = (rlen - HDR_LEN) / esz;
	out->ntables = n;
	if (n > ROOT_MAX_ENTRIES) {
		kprintf("acpi: %u tables listed, only the first %u read\n", n, ROOT_MAX_ENTRIES);
		n = ROOT_MAX_ENTRIES;
	}
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = root + HDR_LEN + i * esz;
		uint64_t phys = esz == 8 ? rd64(e) : rd32(e);
		const uint8_t *t;
		const char *why;
		uint32_t len;
		char sig[5];

		if (table_get(map, ctx, phys, NULL, &t, &len, sig, &why) != 0)
			skip(out, sig, phys, why);
		else
			table_one(out, &ss, t, len, phys, sig);
	}
	if (out->have_fadt)
		dsdt_scan(out, &ss, map, ctx);
	return 0;
}

static uint8_t gas_access_bits(const struct acpi_gas *g)
{
	switch (g->access_size) {
	case 1: return 8;
	case 2: return 16;
	case 3: return 32;
	default: break;
	}
	return g->bit_width;
}

/* A register the arch code can write: I/O port in the 16-bit port space, or memory. */
static bool reg_ok(const struct acpi_gas *g)
{
	if (g->address == 0)
		return false;
	if (g->space_id == ACPI_GAS_IO)
		return g->address <= 0xffff;
	return g->space_id == ACPI_GAS_MEM;
}

static void pm1_write(struct acpi_reg_write *w, const struct acpi_gas *g, uint8_t slp_typ)
{
	/* PM1x_CNT takes byte and word accesses (4.8.3.2.1): SLP_EN is bit 13,
	 * so a word unless the firmware asks for a dword. OSPM preserves the other
	 * bits (SCI_EN in particular): read-modify-write. */
	w->space_id = g->space_id;
	w->width = gas_access_bits(g) == 32 ? 32 : 16;
	w->address = g->address;
	w->value = (uint32_t)(slp_typ & 7) << PM1_SLP_TYP_SHIFT | PM1_SLP_EN;
	w->keep = (w->width == 32 ? 0xffffffffu : 0xffffu) &
		  ~((7u << PM1_SLP_TYP_SHIFT) | PM1_SLP_EN);
}

int acpi_pm1_event_regs(const struct acpi_info *ai, int i, struct acpi_pm1_event *ev)
{
	const struct acpi_gas *g = i ? &ai->pm1b_evt : &ai->pm1a_evt;
	unsigned half = ai->pm1_evt_len / 2u;

	memset(ev, 0, sizeof(*ev));
	if (!ai->have_fadt || ai->hw_reduced || (ai->fadt_flags & ACPI_FADT_PWR_BUTTON))
		return -ENODEV;
	/* Status and enable are each PM1_EVT_LEN / 2 bytes, at least 2 (4.8.3.1),
	 * in the port space or in the first 4 GiB (where firmware registers are). */
	uint64_t limit = g->space_id == ACPI_GAS_IO ? 0x10000 : 0x100000000ull;
	if (!reg_ok(g) || half < 2 || g->address > limit || limit - g->address < 2 * half)
		return -ENODEV;
	ev->sts = *g;
	ev->sts.bit_width = 16;
	ev->sts.access_size = 2;
	ev->en = ev->sts;
	ev->en.address = g->address + half;
	return 0;
}

int acpi_s5_plan(const struct acpi_info *ai, struct acpi_s5_write *w)
{
	memset(w, 0, sizeof(*w));
	if (!ai->have_fadt || !ai->have_s5)
		return -ENODEV;
	if (!ai->hw_reduced && reg_ok(&ai->pm1a_cnt)) {
		pm1_write(&w->w[0], &ai->pm1a_cnt, ai->slp_typa);
		w->count = 1;
		if (reg_ok(&ai->pm1b_cnt)) {
			pm1_write(&w->w[1], &ai->pm1b_cnt, ai->slp_typb);
			w->count = 2;
		}
		return 0;
	}
	if (reg_ok(&ai->sleep_control)) {
		w->w[0].space_id = ai->sleep_control.space_id;
		w->w[0].width = 8;
		w->w[0].address = ai->sleep_control.address;
		w->w[0].value = (uint32_t)(ai->slp_typa & 7) << SLEEP_CTL_TYP_SHIFT | SLEEP_CTL_SLP_EN;
		w->count = 1;
		return 0;
	}
	return -ENODEV;
}
