/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for kernel/bootinfo.c over a fake physical memory: PVH start_info
 * (versions 0 and 1) and Multiboot 1 info. Every map call returns a fresh heap
 * copy of exactly the bytes asked for, so ASan catches any read past them.
 */
#include <k/bootinfo.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <k/errno.h>

#define MEM_SIZE 0x40000u /* fake physical memory: 256 KiB at address 0 */
#define INFO 0x1000u      /* where the tests put start_info / multiboot info */
#define CMDLINE 0x2000u
#define MMAP 0x4000u
#define OUTSIDE 0x80000000u

static uint8_t *mem;
static void **copies;
static size_t ncopies, capcopies;
static unsigned nmaps;

static const void *fake_map(uint64_t pa, size_t len)
{
	void *c;

	nmaps++;
	if (len == 0 || pa > MEM_SIZE || len > MEM_SIZE - pa)
		return NULL;
	if (ncopies == capcopies) {
		capcopies = capcopies ? 2 * capcopies : 64;
		copies = realloc(copies, capcopies * sizeof(void *));
		assert_non_null(copies);
	}
	c = malloc(len);
	assert_non_null(c);
	memcpy(c, mem + pa, len);
	copies[ncopies++] = c;
	return c;
}

static int setup(void **state)
{
	mem = calloc(1, MEM_SIZE);
	ncopies = 0;
	nmaps = 0;
	return mem ? 0 : -1;
}

static int teardown(void **state)
{
	for (size_t i = 0; i < ncopies; i++)
		free(copies[i]);
	free(copies);
	copies = NULL;
	capcopies = ncopies = 0;
	free(mem);
	return 0;
}

static void w32(uint64_t pa, uint32_t v) { memcpy(mem + pa, &v, 4); }
static void w64(uint64_t pa, uint64_t v) { memcpy(mem + pa, &v, 8); }

/* PVH start_info: magic, version, flags, nr_modules, modlist, cmdline, rsdp,
 * memmap_paddr, memmap_entries, reserved (56 bytes). */
static void pvh_info(uint32_t version, uint64_t cmdline, uint64_t rsdp,
		     uint64_t memmap, uint32_t entries)
{
	w32(INFO, PVH_MAGIC);
	w32(INFO + 4, version);
	w64(INFO + 24, cmdline);
	w64(INFO + 32, rsdp);
	w64(INFO + 40, memmap);
	w32(INFO + 48, entries);
}

static void pvh_entry(unsigned i, uint64_t base, uint64_t len, uint32_t type)
{
	w64(MMAP + i * 24, base);
	w64(MMAP + i * 24 + 8, len);
	w32(MMAP + i * 24 + 16, type);
	w32(MMAP + i * 24 + 20, 0);
}

/* Multiboot info: flags, mem_lower, mem_upper, ..., cmdline at 16,
 * mmap_length at 44, mmap_addr at 48. */
static void mb_info(uint32_t flags, uint32_t lower, uint32_t upper, uint32_t cmdline,
		    uint32_t mmap_len, uint32_t mmap_addr)
{
	w32(INFO, flags);
	w32(INFO + 4, lower);
	w32(INFO + 8, upper);
	w32(INFO + 16, cmdline);
	w32(INFO + 44, mmap_len);
	w32(INFO + 48, mmap_addr);
}

/* A Multiboot mmap entry with the given size field at off; returns the next off. */
static uint32_t mb_entry(uint32_t off, uint32_t size, uint64_t base, uint64_t len,
			 uint32_t type)
{
	w32(MMAP + off, size);
	w64(MMAP + off + 4, base);
	w64(MMAP + off + 12, len);
	w32(MMAP + off + 20, type);
	return off + size + 4;
}

static void assert_mem(const struct boot_info *bi, int i, uint64_t base, uint64_t len,
		       uint32_t type)
{
	assert_true(i < bi->nmem);
	assert_int_equal(bi->mem[i].base, base);
	assert_int_equal(bi->mem[i].len, len);
	assert_int_equal(bi->mem[i].type, type);
}

static struct boot_info bi; /* 3 KiB: not on the test's stack */

static void test_pvh_v0(void **state)
{
	strcpy((char *)mem + CMDLINE, "console=ttyS0 -- hello world");
	/* version 0 has no memmap fields: whatever sits there is ignored */
	pvh_info(0, CMDLINE, 0xf5a30, MMAP, 3);
	pvh_entry(0, 0, 0x9fc00, BOOT_MEM_RAM);

	assert_int_equal(bootinfo_parse(&bi, 0, INFO, fake_map), 0);
	assert_int_equal(bi.proto, BOOT_PVH);
	assert_string_equal(bi.cmdline, "console=ttyS0 -- hello world");
	assert_int_equal(bi.rsdp, 0xf5a30);
	assert_int_equal(bi.nmem, 0);
	assert_int_equal(bi.nmem_dropped, 0);
}

static void test_pvh_v1_memmap(void **state)
{
	strcpy((char *)mem + CMDLINE, "x");
	pvh_info(1, CMDLINE, 0, MMAP, 6);
	pvh_entry(0, 0, 0x9fc00, BOOT_MEM_RAM);
	pvh_entry(1, 0x9fc00, 0x400, BOOT_MEM_RESERVED);
	pvh_entry(2, 0x100000, 0x7ee0000, BOOT_MEM_RAM);
	pvh_entry(3, 0x7fe0000, 0x20000, BOOT_MEM_ACPI);
	pvh_entry(4, 0xfeffc000, 0, BOOT_MEM_RESERVED); /* empty: skipped */
	pvh_entry(5, 0xfffc0000, 0x40000, BOOT_MEM_NVS);
	memset(&bi, 0xa5, sizeof(bi)); /* parse must clear everything */

	assert_int_equal(bootinfo_parse(&bi, 0x12345678, INFO, fake_map), 0);
	assert_int_equal(bi.proto, BOOT_PVH);
	assert_string_equal(bi.cmdline, "x");
	assert_int_equal(bi.rsdp, 0);
	assert_int_equal(bi.nmem, 5);
	assert_int_equal(bi.nmem_dropped, 0);
	assert_mem(&bi, 0, 0, 0x9fc00, BOOT_MEM_RAM);
	assert_mem(&bi, 1, 0x9fc00, 0x400, BOOT_MEM_RESERVED);
	assert_mem(&bi, 2, 0x100000, 0x7ee0000, BOOT_MEM_RAM);
	assert_mem(&bi, 3, 0x7fe0000, 0x20000, BOOT_MEM_ACPI);
	assert_mem(&bi, 4, 0xfffc0000, 0x40000, BOOT_MEM_NVS);
	assert_string_equal(bootinfo_type_name(bi.mem[0].type), "usable");
	assert_string_equal(bootinfo_type_name(bi.mem[1].type), "reserved");
	assert_string_equal(bootinfo_type_name(bi.mem[3].type), "ACPI data");
	assert_string_equal(bootinfo_type_name(bi.mem[4].type), "ACPI NVS");
	assert_string_equal(bootinfo_type_name(5), "unusable");
	assert_string_equal(bootinfo_type_name(0x1234), "other");
}

/* PVH is recognised by the magic at [EBX] even when EAX says Multiboot. */
static void test_pvh_magic_wins(void **state)
{
	pvh_info(1, 0, 0xe0000, 0, 0);
	assert_int_equal(bootinfo_parse(&bi, MULTIBOOT_MAGIC, INFO, fake_map), 0);
	assert_int_equal(bi.proto, BOOT_PVH);
	assert_int_equal(bi.rsdp, 0xe0000);
	assert_string_equal(bi.cmdline, "");
	assert_int_equal(bi.nmem, 0);
}

static void test_pvh_too_many_entries(void **state)
{
	const unsigned n = BOOT_MAX_MEM + 7;

	pvh_info(1, 0, 0, MMAP, n);
	for (unsigned i = 0; i < n; i++)
		pvh_entry(i, (uint64_t)i << 20, 0x1000, BOOT_MEM_RAM);
	assert_int_equal(bootinfo_parse(&bi, 0, INFO, fake_map), 0);
	assert_int_equal(bi.nmem, BOOT_MAX_MEM);
	assert_int_equal(bi.nmem_dropped, 7);
	assert_mem(&bi, BOOT_MAX_MEM - 1, (uint64_t)(BOOT_MAX_MEM - 1) << 20, 0x1000,
		   BOOT_MEM_RAM);
}

/* An entry running past 2^64 is clipped, not wrapped. */
static void test_pvh_entry_wraps(void **state)
{
	pvh_info(1, 0, 0, MMAP, 1);
	pvh_entry(0, 0xfffffffffffff000ull, 0x10000, BOOT_MEM_RESERVED);
	assert_int_equal(bootinfo_parse(&bi, 0, INFO, fake_map), 0);
	assert_int_equal(bi.nmem, 1);
	assert_int_equal(bi.mem[0].base, 0xfffffffffffff000ull);
	assert_true(bi.mem[0].base + bi.mem[0].len >= bi.mem[0].base);

	/* clipped to nothing: dropped, not kept as an empty entry */
	pvh_info(1, 0, 0, MMAP, 2);
	pvh_entry(0, ~0ull, 1, BOOT_MEM_RAM);
	pvh_entry(1, ~0ull, ~0ull, BOOT_MEM_RAM);
	assert_int_equal(bootinfo_parse(&bi, 0, INFO, fake_map), 0);
	assert_int_equal(bi.nmem, 0);
}

static void test_pvh_long_cmdline(void **state)
{
	memset(mem + CMDLINE, 'a', 3 * BOOT_CMDLINE_MAX); /* no NUL for 6 KiB */
	pvh_info(0, CMDLINE, 0, 0, 0);
	assert_int_equal(bootinfo_parse(&bi, 0, INFO, fake_map), 0);
	assert_int_equal(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
	assert_int_equal(bi.cmdline[BOOT_CMDLINE_MAX - 2], 'a');
	assert_int_equal(bi.cmdline[BOOT_CMDLINE_MAX - 1], 0);
}

/* Exactly BOOT_CMDLINE_MAX - 1 characters fit whole. */
static void test_cmdline_exact_fit(void **state)
{
	memset(mem + CMDLINE, 'b', BOOT_CMDLINE_MAX - 1);
	pvh_info(0, CMDLINE, 0, 0, 0);
	assert_int_equal(bootinfo_parse(&bi, 0, INFO, fake_map), 0);
	assert_int_equal(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
}

/* A command line near the end of RAM, with less than BOOT_CMDLINE_MAX bytes
 * mapped after it, is still read. */
static void test_cmdline_near_end(void **state)
{
	uint64_t at = MEM_SIZE - 1000;

	strcpy((char *)mem + at, "near the end");
	pvh_info(0, at, 0, 0, 0);
	assert_int_equal(bootinfo_parse(&bi, 0, INFO, fake_map), 0);
	assert_string_equal(bi.cmdline, "near the end");
}

static void test_pvh_pointers_outside(void **state)
{
	pvh_info(1, OUTSIDE, 0xe0000, OUTSIDE, 4);
	assert_int_equal(bootinfo_parse(&bi, 0, INFO, fake_map), 0);
	assert_int_equal(bi.proto, BOOT_PVH);
	assert_string_equal(bi.cmdline, "");
	assert_int_equal(bi.nmem, 0);
	assert_int_equal(bi.nmem_dropped, 0);

	/* memmap that starts inside but runs off the end of memory */
	pvh_info(1, 0, 0, MEM_SIZE - 48, 4);
	assert_int_equal(bootinfo_parse(&bi, 0, INFO, fake_map), 0);
	assert_int_equal(bi.nmem, 0);

	/* a huge entry count is bounded, not multiplied into a wrap */
	pvh_info(1, 0, 0, MMAP, 0xffffffffu);
	assert_int_equal(bootinfo_parse(&bi, 0, INFO, fake_map), 0);
	assert_true(bi.nmem <= BOOT_MAX_MEM);

	/* start_info itself truncated at the end of memory: magic readable only */
	w32(MEM_SIZE - 4, PVH_MAGIC);
	assert_int_equal(bootinfo_parse(&bi, 0, MEM_SIZE - 4, fake_map), -EINVAL);
	assert_int_equal(bi.proto, BOOT_NONE);
}

static void test_multiboot_mmap(void **state)
{
	uint32_t off = 0;

	off = mb_entry(off, 20, 0, 0x9fc00, BOOT_MEM_RAM);
	off = mb_entry(off, 20, 0x9fc00, 0x400, BOOT_MEM_RESERVED);
	off = mb_entry(off, 28, 0xf0000, 0x10000, BOOT_MEM_RESERVED); /* 8 bytes extra */
	w64(MMAP + off - 8, 0xdeadbeefdeadbeefull);
	off = mb_entry(off, 20, 0x100000, 0x7ee0000, BOOT_MEM_RAM);
	off = mb_entry(off, 40, 0x7fe0000, 0x20000, BOOT_MEM_ACPI);
	off = mb_entry(off, 20, 0x8000000, 0, BOOT_MEM_RAM); /* empty: skipped */
	off = mb_entry(off, 20, 0xfffc0000, 0x40000, BOOT_MEM_RESERVED);
	/* bit 0 too: mem_lower/upper must not be used when the mmap gave entries */
	mb_info(1u << 0 | 1u << 6, 639, 130048, 0, off, MMAP);

	assert_int_equal(bootinfo_parse(&bi, MULTIBOOT_MAGIC, INFO, fake_map), 0);
	assert_int_equal(bi.proto, BOOT_MULTIBOOT);
	assert_string_equal(bi.cmdline, "");
	assert_int_equal(bi.rsdp, 0);
	assert_int_equal(bi.nmem, 6);
	assert_mem(&bi, 0, 0, 0x9fc00, BOOT_MEM_RAM);
	assert_mem(&bi, 1, 0x9fc00, 0x400, BOOT_MEM_RESERVED);
	assert_mem(&bi, 2, 0xf0000, 0x10000, BOOT_MEM_RESERVED);
	assert_mem(&bi, 3, 0x100000, 0x7ee0000, BOOT_MEM_RAM);
	assert_mem(&bi, 4, 0x7fe0000, 0x20000, BOOT_MEM_ACPI);
	assert_mem(&bi, 5, 0xfffc0000, 0x40000, BOOT_MEM_RESERVED);
}

/* mmap_length that ends inside an entry: the partial entry is not read. */
static void test_multiboot_mmap_partial(void **state)
{
	uint32_t off = mb_entry(0, 20, 0x100000, 0x100000, BOOT_MEM_RAM);

	mb_entry(off, 20, 0x200000, 0x100000, BOOT_MEM_RAM);
	mb_info(1u << 6, 0, 0, 0, off + 20, MMAP);
	assert_int_equal(bootinfo_parse(&bi, MULTIBOOT_MAGIC, INFO, fake_map), 0);
	assert_int_equal(bi.nmem, 1);
	assert_mem(&bi, 0, 0x100000, 0x100000, BOOT_MEM_RAM);
}

/* A size field below 20 stops the walk. */
static void test_multiboot_mmap_small_size(void **state)
{
	uint32_t off = mb_entry(0, 20, 0x100000, 0x100000, BOOT_MEM_RAM);

	off = mb_entry(off, 12, 0x200000, 0x100000, BOOT_MEM_RAM);
	off = mb_entry(off, 20, 0x300000, 0x100000, BOOT_MEM_RAM);
	mb_info(1u << 6, 0, 0, 0, off, MMAP);
	assert_int_equal(bootinfo_parse(&bi, MULTIBOOT_MAGIC, INFO, fake_map), 0);
	assert_int_equal(bi.nmem, 1);
}

/* Size fields that would wrap the offset end the walk instead of looping. */
static void test_multiboot_mmap_huge_size(void **state)
{
	static const uint32_t sizes[] = { 0xfffffffcu, 0xfffffffbu, 0xffffffffu, 0x80000000u };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(mem + MMAP, 0, 0x1000);
		uint32_t off = mb_entry(0, 20, 0x100000, 0x100000, BOOT_MEM_RAM);
		mb_entry(off, sizes[i], 0x200000, 0x100000, BOOT_MEM_RAM);
		mb_info(1u << 6, 0, 0, 0, 0x800, MMAP);
		assert_int_equal(bootinfo_parse(&bi, MULTIBOOT_MAGIC, INFO, fake_map), 0);
		assert_int_equal(bi.nmem, 2);
		assert_true(nmaps < 100 * (i + 1));
	}
}

static void test_multiboot_too_many_entries(void **state)
{
	const unsigned n = BOOT_MAX_MEM + 3;
	uint32_t off = 0;

	for (unsigned i = 0; i < n; i++)
		off = mb_entry(off, 20, (uint64_t)i << 20, 0x1000, BOOT_MEM_RAM);
	mb_info(1u << 6, 0, 0, 0, off, MMAP);
	assert_int_equal(bootinfo_parse(&bi, MULTIBOOT_MAGIC, INFO, fake_map), 0);
	assert_int_equal(bi.nmem, BOOT_MAX_MEM);
	assert_int_equal(bi.nmem_dropped, 3);
}

static void test_multiboot_cmdline(void **state)
{
	strcpy((char *)mem + CMDLINE, "/boot/app.elf -- --port 8080");
	mb_info(1u << 2, 0, 0, CMDLINE, 0, 0);
	assert_int_equal(bootinfo_parse(&bi, MULTIBOOT_MAGIC, INFO, fake_map), 0);
	assert_int_equal(bi.proto, BOOT_MULTIBOOT);
	assert_string_equal(bi.cmdline, "/boot/app.elf -- --port 8080");
	assert_int_equal(bi.nmem, 0);

	/* without flag bit 2 the field is not looked at */
	mb_info(0, 0, 0, CMDLINE, 0, 0);
	assert_int_equal(bootinfo_parse(&bi, MULTIBOOT_MAGIC, INFO, fake_map), 0);
	assert_string_equal(bi.cmdline, "");

	/* longer than the buffer: truncated and terminated */
	memset(mem + CMDLINE, 'c', BOOT_CMDLINE_MAX + 100);
	mb_info(1u << 2, 0, 0, CMDLINE, 0, 0);
	assert_int_equal(bootinfo_parse(&bi, MULTIBOOT_MAGIC, INFO, fake_map), 0);
	assert_int_equal(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
}

/* The file name comes first on QEMU's command line, not on GRUB 2's: the
 * loader's name (flag bit 9) says which. */
static void test_multiboot_loader_name(void **state)
{
	strcpy((char *)mem + CMDLINE, "a b");
	mb_info(1u << 2, 0, 0, CMDLINE, 0, 0);
	assert_int_equal(bootinfo_parse(&bi, MULTIBOOT_MAGIC, INFO, fake_map), 0);
	assert_true(bi.cmdline_has_name); /* no name given: as QEMU */

	strcpy((char *)mem + CMDLINE + 256, "qemu");
	w32(INFO + 64, CMDLINE + 256);
	mb_info(1u << 2 | 1u << 9, 0, 0, CMDLINE, 0, 0);
	assert_int_equal(bootinfo_parse(&bi, MULTIBOOT_MAGIC, INFO, fake_map), 0);
	assert_true(bi.cmdline_has_name);

	strcpy((char *)mem + CMDLINE + 256, "GRUB 2.06-13+deb12u1");
	assert_int_equal(bootinfo_parse(&bi, MULTIBOOT_MAGIC, INFO, fake_map), 0);
	assert_false(bi.cmdline_has_name);
	assert_string_equal(bi.cmdline, "a b");

	/* a name that points outside memory, or nowhere: not GRUB */
	w32(INFO + 64, OUTSIDE);
	assert_int_equal(bootinfo_parse(&bi, MULTIBOOT_MAGIC, INFO, fake_map), 0);
	assert_true(bi.cmdline_has_name);
	w32(INFO + 64, 0);
	assert_int_equal(bootinfo_parse(&bi, MULTIBOOT_MAGIC, INFO, fake_map), 0);
	assert_true(bi.cmdline_has_name);

}

static void test_multiboot_mem_fallback(void **state)
{
	mb_info(1u << 0, 639, 130048, 0, 0, 0);
	assert_int_equal(bootinfo_parse(&bi, MULTIBOOT_MAGIC, INFO, fake_map), 0);
	assert_int_equal(bi.nmem, 2);
	assert_mem(&bi, 0, 0, 639 * 1024, BOOT_MEM_RAM);
	assert_mem(&bi, 1, 0x100000, 130048ull * 1024, BOOT_MEM_RAM);

	/* mmap flag set but the mmap unreadable: the fallback still applies */
	mb_info(1u << 0 | 1u << 6, 639, 0xffffffffu, 0, 240, OUTSIDE);
	assert_int_equal(bootinfo_parse(&bi, MULTIBOOT_MAGIC, INFO, fake_map), 0);
	assert_int_equal(bi.nmem, 2);
	assert_mem(&bi, 1, 0x100000, 0xffffffffull * 1024, BOOT_MEM_RAM);

	/* no flags: nothing */
	mb_info(0, 639, 130048, 0, 0, 0);
	assert_int_equal(bootinfo_parse(&bi, MULTIBOOT_MAGIC, INFO, fake_map), 0);
	assert_int_equal(bi.proto, BOOT_MULTIBOOT);
	assert_int_equal(bi.nmem, 0);
}

static void test_multiboot_pointers_outside(void **state)
{
	mb_info(1u << 2 | 1u << 6, 0, 0, OUTSIDE, 24 * 4, OUTSIDE);
	assert_int_equal(bootinfo_parse(&bi, MULTIBOOT_MAGIC, INFO, fake_map), 0);
	assert_string_equal(bi.cmdline, "");
	assert_int_equal(bi.nmem, 0);

	/* an mmap_length far past the end of memory */
	mb_info(1u << 6, 0, 0, 0, 0xffffffffu, MMAP);
	mb_entry(0, 20, 0x100000, 0x100000, BOOT_MEM_RAM);
	assert_int_equal(bootinfo_parse(&bi, MULTIBOOT_MAGIC, INFO, fake_map), 0);
	assert_true(bi.nmem <= 1);

	/* the info block itself outside memory */
	assert_int_equal(bootinfo_parse(&bi, MULTIBOOT_MAGIC, OUTSIDE, fake_map), -EINVAL);
	assert_int_equal(bi.proto, BOOT_NONE);
	assert_int_equal(bi.nmem, 0);
	assert_string_equal(bi.cmdline, "");
}

static void test_unknown_magic(void **state)
{
	mb_info(1u << 0, 639, 130048, 0, 0, 0);
	memset(&bi, 0xa5, sizeof(bi));
	assert_int_equal(bootinfo_parse(&bi, 0x2badb003u, INFO, fake_map), -EINVAL);
	assert_int_equal(bi.proto, BOOT_NONE);
	assert_int_equal(bi.nmem, 0);
	assert_int_equal(bi.nmem_dropped, 0);
	assert_string_equal(bi.cmdline, "");
	assert_int_equal(bi.rsdp, 0);

	assert_int_equal(bootinfo_parse(&bi, 0, OUTSIDE, fake_map), -EINVAL);
	assert_int_equal(bootinfo_parse(&bi, 0, ~0ull, fake_map), -EINVAL);
	assert_int_equal(bootinfo_parse(&bi, 0, MEM_SIZE - 2, fake_map), -EINVAL);
	assert_int_equal(bi.proto, BOOT_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pvh_v0, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pvh_v1_memmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pvh_magic_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pvh_too_many_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pvh_entry_wraps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pvh_long_cmdline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_exact_fit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_near_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pvh_pointers_outside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multiboot_mmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multiboot_mmap_partial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multiboot_mmap_small_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multiboot_mmap_huge_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multiboot_too_many_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multiboot_cmdline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multiboot_loader_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multiboot_mem_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multiboot_pointers_outside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_magic, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
