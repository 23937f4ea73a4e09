/* SPDX-License-Identifier: MIT */
/*
 * Boot protocol information: PVH start_info (xen/arch-x86/hvm/start_info.h
 * layout, memmap from version 1) and Multiboot 1 info (flags bits 2 cmdline,
 * 6 mmap; bit 0 mem_lower/mem_upper as a fallback). Every pointer the firmware
 * gives is read through map() with its length, every count is bounded.
 */
#include <k/bootinfo.h>
#include <k/errno.h>
#include <k/string.h>

static uint32_t rd32(const void *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const void *p) { uint64_t v; memcpy(&v, p, 8); return v; }

void bootinfo_add_mem(struct boot_info *bi, uint64_t base, uint64_t len, uint32_t type)
{
	if (base + len < base)
		len = ~0ull - base;
	if (len == 0)
		return;
	if (bi->nmem == BOOT_MAX_MEM) {
		bi->nmem_dropped++;
		return;
	}
	bi->mem[bi->nmem++] = (struct boot_mem){ base, len, type };
}

void bootinfo_copy_cmdline(struct boot_info *bi, uint64_t pa, size_t max, boot_map_fn map)
{
	bi->cmdline[0] = 0;
	if (pa == 0)
		return;
	if (max == 0 || max > BOOT_CMDLINE_MAX)
		max = BOOT_CMDLINE_MAX;
	/* Map byte by byte growing windows would be slow; the command line sits in
	 * RAM the loader wrote, so ask for the whole maximum and fall back. */
	const char *s = map(pa, max);
	if (!s && max > 256) {
		s = map(pa, 256);
		max = 256;
	}
	if (!s)
		return;
	size_t n = strnlen(s, max - 1);
	memcpy(bi->cmdline, s, n);
	bi->cmdline[n] = 0;
}

static int parse_pvh(struct boot_info *bi, uint64_t info, boot_map_fn map)
{
	const uint8_t *si = map(info, 56);
	if (!si)
		return -EINVAL;
	uint32_t version = rd32(si + 4);
	bi->proto = BOOT_PVH;
	bootinfo_copy_cmdline(bi, rd64(si + 24), BOOT_CMDLINE_MAX, map);
	bi->rsdp = rd64(si + 32);
	if (version < 1)
		return 0;
	uint64_t mm = rd64(si + 40);
	uint32_t n = rd32(si + 48);
	if (n > 4096)
		n = 4096;
	const uint8_t *e = mm ? map(mm, (size_t)n * 24) : NULL;
	for (uint32_t i = 0; e && i < n; i++)
		bootinfo_add_mem(bi, rd64(e + i * 24), rd64(e + i * 24 + 8), rd32(e + i * 24 + 16));
	return 0;
}

/* Flag bit 9: the loader's name at offset 64. GRUB 2 names itself "GRUB 2.06"
 * (and so on) and passes only the words after the file name; QEMU ("qemu")
 * and loaders that give no name put the file name first. */
static bool multiboot_by_grub(uint32_t flags, uint64_t info, boot_map_fn map)
{
	static const char grub[] = "GRUB";
	const uint8_t *mb = (flags & (1u << 9)) ? map(info, 68) : NULL;
	const char *name = mb && rd32(mb + 64) ? map(rd32(mb + 64), sizeof(grub) - 1) : NULL;
	return name && memcmp(name, grub, sizeof(grub) - 1) == 0;
}

static int parse_multiboot(struct boot_info *bi, uint64_t info, boot_map_fn map)
{
	const uint8_t *mb = map(info, 52);
	if (!mb)
		return -EINVAL;
	uint32_t flags = rd32(mb);
	bi->proto = BOOT_MULTIBOOT;
	if (flags & (1u << 2))
		bootinfo_copy_cmdline(bi, rd32(mb + 16), BOOT_CMDLINE_MAX, map);
	bi->cmdline_has_name = !multiboot_by_grub(flags, info, map);
	if (flags & (1u << 6)) {
		uint32_t len = rd32(mb + 44);
		if (len > 64 * 1024)
			len = 64 * 1024;
		const uint8_t *m = map(rd32(mb + 48), len);
		/* 64-bit offset: a size field near 2^32 must end the walk, not wrap
		 * the offset back into the buffer. */
		for (uint64_t off = 0; m && off + 24 <= len;) {
			uint32_t size = rd32(m + off);
			if (size < 20)
				break;
			bootinfo_add_mem(bi, rd64(m + off + 4), rd64(m + off + 12), rd32(m + off + 20));
			off += (uint64_t)size + 4;
		}
	}
	if (bi->nmem == 0 && (flags & 1)) {
		bootinfo_add_mem(bi, 0, (uint64_t)rd32(mb + 4) * 1024, BOOT_MEM_RAM);
		bootinfo_add_mem(bi, 0x100000, (uint64_t)rd32(mb + 8) * 1024, BOOT_MEM_RAM);
	}
	return 0;
}

int bootinfo_parse(struct boot_info *bi, uint32_t eax, uint64_t ebx, boot_map_fn map)
{
	memset(bi, 0, sizeof(*bi));
	const uint32_t *magic = map(ebx, 4);
	if (magic && rd32(magic) == PVH_MAGIC)
		return parse_pvh(bi, ebx, map);
	if (eax == MULTIBOOT_MAGIC)
		return parse_multiboot(bi, ebx, map);
	if (eax == LINUX64_MAGIC)
		return bootinfo_parse_linux(bi, ebx, map);
	return -EINVAL;
}

const char *bootinfo_type_name(uint32_t type)
{
	switch (type) {
	case BOOT_MEM_RAM: return "usable";
	case BOOT_MEM_RESERVED: return "reserved";
	case BOOT_MEM_ACPI: return "ACPI data";
	case BOOT_MEM_NVS: return "ACPI NVS";
	case 5: return "unusable";
	default: return "other";
	}
}
