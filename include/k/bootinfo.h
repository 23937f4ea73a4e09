/* SPDX-License-Identifier: MIT */
/*
 * What the boot protocol tells the kernel, copied out of firmware memory before
 * anything is allocated: the memory map, the command line, the RSDP if given.
 * Parses PVH start_info (magic 0x336ec578 at [EBX]) and Multiboot 1 info
 * (EAX 0x2badb002). Bounded: entries beyond BOOT_MAX_MEM are counted, dropped.
 */
#ifndef K_BOOTINFO_H
#define K_BOOTINFO_H

#include <stddef.h>
#include <stdint.h>

#define BOOT_MAX_MEM 64
#define BOOT_CMDLINE_MAX 2048

#define BOOT_MEM_RAM 1
#define BOOT_MEM_RESERVED 2
#define BOOT_MEM_ACPI 3
#define BOOT_MEM_NVS 4

#define PVH_MAGIC 0x336ec578u
#define MULTIBOOT_MAGIC 0x2badb002u

enum boot_proto { BOOT_NONE, BOOT_PVH, BOOT_MULTIBOOT };

struct boot_mem {
	uint64_t base, len;
	uint32_t type;
};

struct boot_info {
	enum boot_proto proto;
	int nmem, nmem_dropped;
	struct boot_mem mem[BOOT_MAX_MEM];
	char cmdline[BOOT_CMDLINE_MAX];
	uint64_t rsdp;
};

/* Returns a pointer to len readable bytes at physical address pa, or NULL. */
typedef const void *(*boot_map_fn)(uint64_t pa, size_t len);

/* 0, or -EINVAL when neither protocol is recognised (bi->proto = BOOT_NONE). */
int bootinfo_parse(struct boot_info *bi, uint32_t eax, uint64_t ebx, boot_map_fn map);
const char *bootinfo_type_name(uint32_t type);

#endif
