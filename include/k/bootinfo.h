/* SPDX-License-Identifier: MIT */
/*
 * What the boot protocol tells the kernel, copied out of firmware memory before
 * anything is allocated: the memory map, the command line, the RSDP if given.
 * Parses PVH start_info (magic 0x336ec578 at [EBX]), Multiboot 1 info
 * (EAX 0x2badb002) and the Linux boot_params the 64-bit entry passes on
 * (EAX LINUX64_MAGIC, set by toro_entry64, not by the VMM; kernel/bootinfo_linux.c).
 * Bounded: entries beyond BOOT_MAX_MEM are counted, dropped.
 */
#ifndef K_BOOTINFO_H
#define K_BOOTINFO_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#define BOOT_MAX_MEM 64
#define BOOT_CMDLINE_MAX 2048

#define BOOT_MEM_RAM 1
#define BOOT_MEM_RESERVED 2
#define BOOT_MEM_ACPI 3
#define BOOT_MEM_NVS 4

#define PVH_MAGIC 0x336ec578u
#define MULTIBOOT_MAGIC 0x2badb002u
#define LINUX64_MAGIC 0x53726448u /* "HdrS": arch/x86_64/boot.S toro_entry64 */

enum boot_proto { BOOT_NONE, BOOT_PVH, BOOT_MULTIBOOT, BOOT_LINUX64 };

struct boot_mem {
	uint64_t base, len;
	uint32_t type;
};

struct boot_info {
	enum boot_proto proto;
	int nmem, nmem_dropped;
	struct boot_mem mem[BOOT_MAX_MEM];
	char cmdline[BOOT_CMDLINE_MAX];
	/* The command line's first word is the kernel's file name, not an
	 * argument: QEMU's Multiboot puts it there, GRUB 2's does not. */
	bool cmdline_has_name;
	uint64_t rsdp;
	/* Why parsing failed, for the console (bootinfo_parse returned -EINVAL). */
	char error[96];
};

/* Returns a pointer to len readable bytes at physical address pa, or NULL. */
typedef const void *(*boot_map_fn)(uint64_t pa, size_t len);

/* 0, or -EINVAL when no protocol is recognised or its information is unusable
 * (bi->proto = BOOT_NONE, bi->error says why). */
int bootinfo_parse(struct boot_info *bi, uint32_t eax, uint64_t ebx, boot_map_fn map);
/* The Linux boot_params at pa (kernel/bootinfo_linux.c): the e820 map, the
 * command line, the RSDP. -EINVAL with bi->error set when a part the kernel
 * needs is missing or points outside RAM. Called by bootinfo_parse. */
int bootinfo_parse_linux(struct boot_info *bi, uint64_t pa, boot_map_fn map);
/* Shared with bootinfo_linux.c: one map entry (dropped past BOOT_MAX_MEM) and
 * the command line copy (at most max bytes, NUL-terminated). */
void bootinfo_add_mem(struct boot_info *bi, uint64_t base, uint64_t len, uint32_t type);
void bootinfo_copy_cmdline(struct boot_info *bi, uint64_t pa, size_t max, boot_map_fn map);
const char *bootinfo_type_name(uint32_t type);

#endif
