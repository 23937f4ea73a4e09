/* SPDX-License-Identifier: MIT */
/*
 * The Linux x86 boot protocol's boot_params ("zero page", Documentation/arch/
 * x86/zero-page.rst and boot.rst of the protocol), as a VMM that boots an ELF
 * through its 64-bit entry fills it (Firecracker: at 0x7000, command line at
 * 0x20000, RSDP at 0xe0000). Only what Toro needs is read:
 *   0x070 acpi_rsdp_addr (u64)      0x0c8 ext_cmd_line_ptr (u32, bits 32-63)
 *   0x1e8 e820_entries (u8)         0x1fe boot_flag (u16, 0xaa55)
 *   0x202 header (u32, "HdrS")      0x228 cmd_line_ptr (u32)
 *   0x238 cmdline_size (u32)        0x2d0 e820_table[128] (u64 addr, u64 size, u32 type)
 * The page comes from the VMM, so each field is checked before use: a missing
 * header, an empty or oversized e820 map, a command line outside RAM each
 * give bi->error a sentence for the console instead of a kernel that runs on
 * a memory map it invented.
 */
#include <stdbool.h>

#include <k/bootinfo.h>
#include <k/errno.h>
#include <k/string.h>

#define BP_SIZE 4096
#define BP_RSDP 0x070
#define BP_EXT_CMDLINE 0x0c8
#define BP_E820_COUNT 0x1e8
#define BP_BOOT_FLAG 0x1fe
#define BP_HEADER 0x202
#define BP_CMDLINE 0x228
#define BP_CMDLINE_SIZE 0x238
#define BP_E820 0x2d0
#define BP_E820_MAX 128
#define E820_ENTRY 20
#define BOOT_FLAG 0xaa55
#define HDRS 0x53726448u

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* bi->error = what, then " 0x<value>" when has_value; always NUL-terminated. */
static int fail(struct boot_info *bi, const char *what, bool has_value, uint64_t value)
{
	size_t n = strnlen(what, sizeof(bi->error) - 20);
	memcpy(bi->error, what, n);
	if (has_value) {
		static const char hex[] = "0123456789abcdef";
		char digits[16];
		int k = 0;
		do {
			digits[k++] = hex[value & 15];
			value >>= 4;
		} while (value);
		bi->error[n++] = ' ';
		bi->error[n++] = '0';
		bi->error[n++] = 'x';
		while (k)
			bi->error[n++] = digits[--k];
	}
	bi->error[n] = 0;
	bi->proto = BOOT_NONE;
	bi->nmem = 0;
	bi->nmem_dropped = 0;
	bi->cmdline[0] = 0;
	return -EINVAL;
}

/* Bytes of RAM (per the e820 map) from pa on, within one entry; 0 if none. */
static uint64_t ram_from(const struct boot_info *bi, uint64_t pa)
{
	uint64_t best = 0;
	for (int i = 0; i < bi->nmem; i++) {
		const struct boot_mem *m = &bi->mem[i];
		if (m->type == BOOT_MEM_RAM && pa >= m->base && pa - m->base < m->len &&
		    m->len - (pa - m->base) > best)
			best = m->len - (pa - m->base);
	}
	return best;
}

static int read_e820(struct boot_info *bi, const uint8_t *bp)
{
	unsigned n = bp[BP_E820_COUNT];
	if (n == 0)
		return fail(bi, "boot_params: the e820 memory map is empty (e820_entries 0)", false, 0);
	if (n > BP_E820_MAX)
		return fail(bi, "boot_params: e820_entries over 128:", true, n);
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *e = bp + BP_E820 + i * E820_ENTRY;
		bootinfo_add_mem(bi, rd64(e), rd64(e + 8), rd32(e + 16));
	}
	for (int i = 0; i < bi->nmem; i++)
		if (bi->mem[i].type == BOOT_MEM_RAM)
			return 0;
	return fail(bi, "boot_params: the e820 memory map has no usable RAM", false, 0);
}

static int read_cmdline(struct boot_info *bi, const uint8_t *bp, boot_map_fn map)
{
	uint64_t pa = rd32(bp + BP_CMDLINE) | (uint64_t)rd32(bp + BP_EXT_CMDLINE) << 32;
	uint32_t size = rd32(bp + BP_CMDLINE_SIZE);
	if (pa == 0)
		return 0; /* no command line: the program gets no arguments */
	/* cmdline_size counts the NUL (0: unknown, read up to the maximum). */
	size_t max = size == 0 || size > BOOT_CMDLINE_MAX ? BOOT_CMDLINE_MAX : size;
	uint64_t left = ram_from(bi, pa);
	if (left == 0)
		return fail(bi, "boot_params: the command line pointer is not in RAM (e820):", true, pa);
	if (max > left)
		max = (size_t)left;
	if (!map(pa, max))
		return fail(bi, "boot_params: the command line is unreadable at", true, pa);
	bootinfo_copy_cmdline(bi, pa, max, map);
	return 0;
}

int bootinfo_parse_linux(struct boot_info *bi, uint64_t pa, boot_map_fn map)
{
	const uint8_t *bp = map(pa, BP_SIZE);
	bi->proto = BOOT_LINUX64;
	if (!bp)
		return fail(bi, "boot_params unreadable at", true, pa);
	if (rd16(bp + BP_BOOT_FLAG) != BOOT_FLAG || rd32(bp + BP_HEADER) != HDRS)
		return fail(bi, "boot_params: no setup header (boot_flag 0xaa55, \"HdrS\") at", true, pa);
	int r = read_e820(bi, bp);
	if (r == 0)
		r = read_cmdline(bi, bp, map);
	if (r == 0)
		bi->rsdp = rd64(bp + BP_RSDP);
	return r;
}
