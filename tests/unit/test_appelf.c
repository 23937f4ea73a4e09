/* SPDX-License-Identifier: MIT */
/*
 * lib/appelf.c: the checks `toro pack --app` and the kernel make of an
 * unmodified static program's headers. Each case builds a small ELF image in
 * memory (an ELF header, program headers, the rest zeros) and changes one thing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <k/appelf.h>
#include <k/errno.h>

enum { PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3 };

static uint8_t img[0x4000];

static void put(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint8_t *phdr(int i) { return img + 64 + i * 56; }

static void set_ph(int i, uint32_t type, uint32_t flags, uint64_t off, uint64_t va,
		   uint64_t filesz, uint64_t memsz)
{
	uint8_t *p = phdr(i);
	put(p, type, 4);
	put(p + 4, flags, 4);
	put(p + 8, off, 8);
	put(p + 16, va, 8);
	put(p + 24, va, 8);
	put(p + 32, filesz, 8);
	put(p + 40, memsz, 8);
	put(p + 48, 0x1000, 8);
}

/* A static ET_EXEC like musl-gcc -static makes: R (headers), RX, RW+bss. */
static void make_exec(int phnum)
{
	memset(img, 0, sizeof(img));
	memcpy(img, "\x7f" "ELF\x02\x01\x01", 7);
	put(img + 16, 2, 2);           /* ET_EXEC */
	put(img + 18, 62, 2);          /* EM_X86_64 */
	put(img + 24, 0x401000, 8);    /* e_entry */
	put(img + 32, 64, 8);          /* e_phoff */
	put(img + 54, 56, 2);
	put(img + 56, phnum, 2);
	set_ph(0, PT_LOAD, APPELF_R, 0, 0x400000, 0x400, 0x400);
	set_ph(1, PT_LOAD, APPELF_R | APPELF_X, 0x1000, 0x401000, 0x800, 0x800);
	set_ph(2, PT_LOAD, APPELF_R | APPELF_W, 0x2f00, 0x402f00, 0x100, 0x3000);
}

static int parse(struct appelf *a, const char **why)
{
	return appelf_parse(img, sizeof(img), sizeof(img), a, why);
}

static void test_exec_ok(void **state)
{
	struct appelf a;
	const char *why = NULL;
	make_exec(3);
	assert_int_equal(parse(&a, &why), 0);
	assert_false(a.pie);
	assert_int_equal(a.nload, 3);
	assert_int_equal(a.lo, 0x400000);
	assert_int_equal(a.hi, 0x406000); /* 0x402f00 + 0x3000 rounded up */
	assert_int_equal(a.hdr_vaddr, 0x400000);
	assert_int_equal(appelf_page_flags(&a, 0x401000), APPELF_R | APPELF_X);
	assert_int_equal(appelf_page_flags(&a, 0x405000), APPELF_R | APPELF_W);
	assert_int_equal(appelf_page_flags(&a, 0x406000), 0);
}

static void test_static_pie(void **state)
{
	struct appelf a;
	const char *why = NULL;
	make_exec(4);
	put(img + 16, 3, 2); /* ET_DYN */
	set_ph(3, PT_DYNAMIC, APPELF_R | APPELF_W, 0x2f00, 0x402f00, 0x10, 0x10);
	assert_int_equal(parse(&a, &why), 0);
	assert_true(a.pie);
	/* Without a dynamic section an ET_DYN is a library, not a static-pie. */
	put(img + 56, 3, 2);
	assert_int_equal(parse(&a, &why), -ENOEXEC);
	assert_non_null(strstr(why, "-static-pie"));
}

static void test_refusals(void **state)
{
	struct appelf a;
	const char *why = NULL;

	make_exec(4);
	set_ph(3, PT_INTERP, APPELF_R, 0x200, 0x400200, 0x1c, 0x1c);
	assert_int_equal(parse(&a, &why), -ENOEXEC);
	assert_non_null(strstr(why, "dynamically linked"));

	make_exec(3);
	img[18] = 3; /* EM_386 */
	assert_int_equal(parse(&a, &why), -ENOEXEC);

	make_exec(3);
	img[1] = 'X';
	assert_int_equal(parse(&a, &why), -ENOEXEC);
	assert_string_equal(why, "not an ELF file");

	make_exec(3); /* segments out of order */
	set_ph(1, PT_LOAD, APPELF_R | APPELF_X, 0x1000, 0x3ff000, 0x800, 0x800);
	assert_int_equal(parse(&a, &why), -ENOEXEC);

	make_exec(3); /* file bytes beyond the file */
	set_ph(2, PT_LOAD, APPELF_R | APPELF_W, 0x3f00, 0x403f00, 0x200, 0x3000);
	assert_int_equal(parse(&a, &why), -ENOEXEC);

	make_exec(3); /* offset and address not congruent modulo the page */
	set_ph(2, PT_LOAD, APPELF_R | APPELF_W, 0x2f00, 0x402e00, 0x100, 0x3000);
	assert_int_equal(parse(&a, &why), -ENOEXEC);

	make_exec(3); /* a page both writable and executable */
	set_ph(2, PT_LOAD, APPELF_R | APPELF_W, 0x1f00, 0x401f00, 0x100, 0x3000);
	set_ph(1, PT_LOAD, APPELF_R | APPELF_X, 0x1000, 0x401000, 0xf00, 0xf00);
	assert_int_equal(parse(&a, &why), -ENOEXEC);
	assert_non_null(strstr(why, "writable and executable"));

	make_exec(3); /* one segment writable and executable (found by fuzz_appelf) */
	set_ph(2, PT_LOAD, APPELF_R | APPELF_W | APPELF_X, 0x2f00, 0x402f00, 0x100, 0x3000);
	assert_int_equal(parse(&a, &why), -ENOEXEC);

	make_exec(3); /* the headers not in the first segment */
	set_ph(0, PT_LOAD, APPELF_R, 0x1000, 0x3ff000, 0x10, 0x10);
	set_ph(1, PT_LOAD, APPELF_R | APPELF_X, 0x1000, 0x401000, 0x800, 0x800);
	assert_int_equal(parse(&a, &why), -ENOEXEC);

	make_exec(3); /* the entry outside executable code */
	put(img + 24, 0x403000, 8);
	assert_int_equal(parse(&a, &why), -ENOEXEC);

	make_exec(3); /* a span past 1 GiB, an address past the user space */
	set_ph(2, PT_LOAD, APPELF_R | APPELF_W, 0x2f00, 0x402f00, 0x100, 1ull << 31);
	assert_int_equal(parse(&a, &why), -ENOEXEC);
	set_ph(2, PT_LOAD, APPELF_R | APPELF_W, 0x2f00, 0xfffffffffffff000 + 0xf00, 0x100, 0x3000);
	assert_int_equal(parse(&a, &why), -ENOEXEC);

	make_exec(60); /* a table longer than what is given */
	assert_int_equal(appelf_parse(img, 64 + 10 * 56, 0, &a, &why), -ENOEXEC);
	make_exec(3);
	assert_int_equal(appelf_parse(img, 63, 0, &a, &why), -ENOEXEC);
}

static void test_strings(void **state)
{
	const char *env[APPELF_PACKED_MAX], *argv[APPELF_PACKED_MAX];
	static const char ok[] = "A=1\0B=\0say \"hi\"\0\0two\nlines";
	assert_int_equal(appelf_strings(ok, sizeof(ok), 2, 3, env, argv), 0);
	assert_string_equal(env[0], "A=1");
	assert_string_equal(env[1], "B=");
	assert_string_equal(argv[0], "say \"hi\"");
	assert_string_equal(argv[1], "");
	assert_string_equal(argv[2], "two\nlines");
	assert_int_equal(appelf_strings(ok, 0, 0, 0, env, argv), 0);
	/* counts that do not fill the bytes exactly, or need more */
	assert_int_equal(appelf_strings(ok, sizeof(ok), 2, 2, env, argv), -EINVAL);
	assert_int_equal(appelf_strings(ok, sizeof(ok), 2, 4, env, argv), -EINVAL);
	assert_int_equal(appelf_strings(ok, sizeof(ok) - 1, 2, 3, env, argv), -EINVAL);
	/* a variable without '=' or with an empty name */
	assert_int_equal(appelf_strings(ok, sizeof(ok), 3, 2, env, argv), -EINVAL);
	assert_int_equal(appelf_strings("=x", 3, 1, 0, env, argv), -EINVAL);
	assert_int_equal(appelf_strings(ok, sizeof(ok), 0, 65, env, argv), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_ok),
		cmocka_unit_test(test_static_pie),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
