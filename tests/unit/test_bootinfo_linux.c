/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for kernel/bootinfo_linux.c: the Linux boot_params the 64-bit
 * entry hands over (Firecracker's layout: boot_params at 0x7000, command line
 * at 0x20000), over a fake physical memory where every map call returns a
 * fresh heap copy of exactly the bytes asked for (ASan catches overreads).
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

#define MEM_SIZE 0x40000u /* 256 KiB at address 0 */
#define BP 0x7000u
#define CMDLINE 0x20000u

static uint8_t *mem;
static void *copies[256];
static size_t ncopies;

static const void *fake_map(uint64_t pa, size_t len)
{
	if (len == 0 || pa > MEM_SIZE || len > MEM_SIZE - pa)
		return NULL;
	assert_true(ncopies < 256);
	void *c = malloc(len);
	assert_non_null(c);
	memcpy(c, mem + pa, len);
	copies[ncopies++] = c;
	return c;
}

static int setup(void **state)
{
	mem = calloc(1, MEM_SIZE);
	ncopies = 0;
	return mem ? 0 : -1;
}

static int teardown(void **state)
{
	for (size_t i = 0; i < ncopies; i++)
		free(copies[i]);
	free(mem);
	return 0;
}

static void w16(uint64_t pa, uint16_t v) { memcpy(mem + pa, &v, 2); }
static void w32(uint64_t pa, uint32_t v) { memcpy(mem + pa, &v, 4); }
static void w64(uint64_t pa, uint64_t v) { memcpy(mem + pa, &v, 8); }

static void e820(unsigned i, uint64_t base, uint64_t len, uint32_t type)
{
	w64(BP + 0x2d0 + i * 20, base);
	w64(BP + 0x2d0 + i * 20 + 8, len);
	w32(BP + 0x2d0 + i * 20 + 16, type);
}

/* What Firecracker writes: header, command line, e820 of a 256 KiB "VM"
 * (low RAM, the reserved EBDA-to-1 MiB hole, "high" RAM), the RSDP. */
static void firecracker(const char *cmdline)
{
	w16(BP + 0x1fe, 0xaa55);
	w32(BP + 0x202, 0x53726448);
	mem[BP + 0x210] = 0xff;
	w32(BP + 0x228, CMDLINE);
	w32(BP + 0x238, (uint32_t)strlen(cmdline) + 1);
	memcpy(mem + CMDLINE, cmdline, strlen(cmdline) + 1);
	w64(BP + 0x070, 0xe0000);
	e820(0, 0, 0x9fc00, BOOT_MEM_RAM);
	e820(1, 0x9fc00, 0x60400, BOOT_MEM_RESERVED);
	e820(2, 0x100000, 0x7ff00000, BOOT_MEM_RAM);
	mem[BP + 0x1e8] = 3;
}

static void test_firecracker_layout(void **state)
{
	struct boot_info bi;
	firecracker("console=ttyS0 reboot=k panic=1 pci=off -- world");
	assert_int_equal(bootinfo_parse(&bi, LINUX64_MAGIC, BP, fake_map), 0);
	assert_int_equal(bi.proto, BOOT_LINUX64);
	assert_int_equal(bi.nmem, 3);
	assert_int_equal(bi.mem[0].base, 0);
	assert_int_equal(bi.mem[0].len, 0x9fc00);
	assert_int_equal(bi.mem[1].type, BOOT_MEM_RESERVED);
	assert_int_equal(bi.mem[2].base, 0x100000);
	assert_int_equal(bi.mem[2].len, 0x7ff00000);
	assert_string_equal(bi.cmdline, "console=ttyS0 reboot=k panic=1 pci=off -- world");
	assert_int_equal(bi.rsdp, 0xe0000);
	assert_int_equal(bi.error[0], 0);
}

static void test_no_command_line(void **state)
{
	struct boot_info bi;
	firecracker("x");
	w32(BP + 0x228, 0);
	assert_int_equal(bootinfo_parse(&bi, LINUX64_MAGIC, BP, fake_map), 0);
	assert_string_equal(bi.cmdline, "");
}

/* cmdline_size counts the NUL: one byte less and the last character goes. */
static void test_cmdline_size_bounds(void **state)
{
	struct boot_info bi;
	firecracker("abcdef");
	w32(BP + 0x238, 4);
	assert_int_equal(bootinfo_parse(&bi, LINUX64_MAGIC, BP, fake_map), 0);
	assert_string_equal(bi.cmdline, "abc");
}

/* A command line without its NUL at the very end of RAM: cut there, no overread. */
static void test_cmdline_at_end_of_ram(void **state)
{
	struct boot_info bi;
	firecracker("x");
	e820(0, 0, MEM_SIZE, BOOT_MEM_RAM);
	mem[BP + 0x1e8] = 1;
	memset(mem + MEM_SIZE - 10, 'a', 10);
	w32(BP + 0x228, MEM_SIZE - 10);
	w32(BP + 0x238, 0);
	assert_int_equal(bootinfo_parse(&bi, LINUX64_MAGIC, BP, fake_map), 0);
	assert_int_equal(strlen(bi.cmdline), 9);
}

static void test_empty_e820(void **state)
{
	struct boot_info bi;
	firecracker("x");
	mem[BP + 0x1e8] = 0;
	assert_int_equal(bootinfo_parse(&bi, LINUX64_MAGIC, BP, fake_map), -EINVAL);
	assert_int_equal(bi.proto, BOOT_NONE);
	assert_non_null(strstr(bi.error, "e820 memory map is empty"));
}

static void test_e820_count_over_128(void **state)
{
	struct boot_info bi;
	firecracker("x");
	mem[BP + 0x1e8] = 129;
	assert_int_equal(bootinfo_parse(&bi, LINUX64_MAGIC, BP, fake_map), -EINVAL);
	assert_string_equal(bi.error, "boot_params: e820_entries over 128: 0x81");
}

static void test_e820_no_ram(void **state)
{
	struct boot_info bi;
	firecracker("x");
	e820(0, 0, 0x9fc00, BOOT_MEM_RESERVED);
	mem[BP + 0x1e8] = 1;
	assert_int_equal(bootinfo_parse(&bi, LINUX64_MAGIC, BP, fake_map), -EINVAL);
	assert_non_null(strstr(bi.error, "no usable RAM"));
}

/* Found by fuzz_bootinfo: a map of more entries than are kept, none of them
 * RAM, failed with nmem 0 and the dropped count still set. */
static void test_e820_no_ram_dropped(void **state)
{
	struct boot_info bi;
	firecracker("x");
	for (unsigned i = 0; i < BOOT_MAX_MEM + 3; i++)
		e820(i, 0x100000ull * (i + 1), 0x1000, BOOT_MEM_RESERVED);
	mem[BP + 0x1e8] = BOOT_MAX_MEM + 3;
	assert_int_equal(bootinfo_parse(&bi, LINUX64_MAGIC, BP, fake_map), -EINVAL);
	assert_non_null(strstr(bi.error, "no usable RAM"));
	assert_int_equal(bi.nmem, 0);
	assert_int_equal(bi.nmem_dropped, 0);
}

static void test_cmdline_outside_ram(void **state)
{
	struct boot_info bi;
	firecracker("x");
	w32(BP + 0x228, 0xfffff000);
	assert_int_equal(bootinfo_parse(&bi, LINUX64_MAGIC, BP, fake_map), -EINVAL);
	assert_string_equal(bi.error,
			    "boot_params: the command line pointer is not in RAM (e820): 0xfffff000");
	/* In the reserved hole: not RAM either. */
	w32(BP + 0x228, 0x9fd00);
	assert_int_equal(bootinfo_parse(&bi, LINUX64_MAGIC, BP, fake_map), -EINVAL);
}

/* In RAM per e820 but not mappable (past the fake memory): unreadable. */
static void test_cmdline_unmappable(void **state)
{
	struct boot_info bi;
	firecracker("x");
	w32(BP + 0x228, 0x200000);
	assert_int_equal(bootinfo_parse(&bi, LINUX64_MAGIC, BP, fake_map), -EINVAL);
	assert_non_null(strstr(bi.error, "unreadable at 0x200000"));
}

static void test_ext_cmdline_ptr(void **state)
{
	struct boot_info bi;
	firecracker("x");
	w32(BP + 0x0c8, 1); /* bits 32-63: 4 GiB + 0x20000, past the e820 RAM */
	assert_int_equal(bootinfo_parse(&bi, LINUX64_MAGIC, BP, fake_map), -EINVAL);
	assert_non_null(strstr(bi.error, "0x100020000"));
}

static void test_no_header(void **state)
{
	struct boot_info bi;
	firecracker("x");
	w32(BP + 0x202, 0);
	assert_int_equal(bootinfo_parse(&bi, LINUX64_MAGIC, BP, fake_map), -EINVAL);
	assert_non_null(strstr(bi.error, "no setup header"));
	firecracker("x");
	w16(BP + 0x1fe, 0);
	assert_int_equal(bootinfo_parse(&bi, LINUX64_MAGIC, BP, fake_map), -EINVAL);
}

static void test_boot_params_unreadable(void **state)
{
	struct boot_info bi;
	assert_int_equal(bootinfo_parse(&bi, LINUX64_MAGIC, MEM_SIZE - 100, fake_map), -EINVAL);
	assert_string_equal(bi.error, "boot_params unreadable at 0x3ff9c");
	assert_int_equal(bi.proto, BOOT_NONE);
}

/* More e820 entries than the kernel keeps: counted as dropped, not an error. */
static void test_e820_dropped(void **state)
{
	struct boot_info bi;
	firecracker("x");
	for (unsigned i = 0; i < 100; i++)
		e820(i, 0x100000 + i * 0x1000ull, 0x1000, BOOT_MEM_RAM);
	mem[BP + 0x1e8] = 100;
	w32(BP + 0x228, 0);
	assert_int_equal(bootinfo_parse(&bi, LINUX64_MAGIC, BP, fake_map), 0);
	assert_int_equal(bi.nmem, BOOT_MAX_MEM);
	assert_int_equal(bi.nmem_dropped, 100 - BOOT_MAX_MEM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_firecracker_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_command_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_size_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_at_end_of_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_e820, setup, teardown),
		cmocka_unit_test_setup_teardown(test_e820_count_over_128, setup, teardown),
		cmocka_unit_test_setup_teardown(test_e820_no_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_e820_no_ram_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_outside_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_unmappable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ext_cmdline_ptr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boot_params_unreadable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_e820_dropped, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
