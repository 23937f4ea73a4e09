/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for drivers/kbd.c: Ctrl-Alt-Del in keyboard controller bytes,
 * as QEMU's sendkey gives it on pc (scancode set 1 through the controller's
 * translation, makes then breaks), as Firecracker's SendCtrlAltDel gives it
 * (set 2, 14 11 E0 71, makes only) and as near misses.
 */
#include <k/kbd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* How many times the bytes complete Ctrl-Alt-Del, from a fresh state. */
static int feed(const uint8_t *b, size_t n)
{
	struct kbd_cad s;
	int hits = 0;

	memset(&s, 0, sizeof(s));
	for (size_t i = 0; i < n; i++)
		hits += kbd_cad_feed(&s, b[i]);
	return hits;
}

#define FEED(...) feed((const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))

static void test_qemu_sendkey_set1(void **state)
{
	/* sendkey ctrl-alt-delete: press in order, release in reverse. */
	assert_int_equal(FEED(0x1d, 0x38, 0xe0, 0x53, 0xe0, 0xd3, 0xb8, 0x9d), 1);
	/* Right Ctrl and right Alt (E0 prefixed), keypad Delete. */
	assert_int_equal(FEED(0xe0, 0x1d, 0xe0, 0x38, 0x53), 1);
	/* Twice in a row. */
	assert_int_equal(FEED(0x1d, 0x38, 0xe0, 0x53, 0xe0, 0xd3, 0xe0, 0x53, 0xe0, 0xd3, 0xb8, 0x9d), 2);
}

static void test_firecracker_set2(void **state)
{
	assert_int_equal(FEED(0x14, 0x11, 0xe0, 0x71), 1);
	/* SendCtrlAltDel again: makes only, the modifiers were never released. */
	assert_int_equal(FEED(0x14, 0x11, 0xe0, 0x71, 0x14, 0x11, 0xe0, 0x71), 2);
	/* Set 2 with releases (a real keyboard without translation). */
	assert_int_equal(FEED(0x14, 0x11, 0xe0, 0x71, 0xe0, 0xf0, 0x71, 0xf0, 0x11, 0xf0, 0x14), 1);
}

static void test_near_misses(void **state)
{
	assert_int_equal(FEED(0xe0, 0x53), 0);                     /* Delete alone */
	assert_int_equal(FEED(0x1d, 0xe0, 0x53), 0);               /* Ctrl-Delete */
	assert_int_equal(FEED(0x38, 0xe0, 0x53), 0);               /* Alt-Delete */
	assert_int_equal(FEED(0x1d, 0x38, 0x9d, 0xe0, 0x53), 0);   /* Ctrl released first */
	assert_int_equal(FEED(0x1d, 0x38, 0xe0, 0xd3), 0);         /* a Delete release only */
	assert_int_equal(FEED(0x14, 0x11, 0xf0, 0x14, 0xe0, 0x71), 0); /* set 2 Ctrl released */
	assert_int_equal(FEED(0x14, 0x11, 0xe0, 0xf0, 0x71), 0);   /* set 2 Delete release */
	/* The sets do not mix: set 1 Ctrl and Alt with set 2 Delete, and back. */
	assert_int_equal(FEED(0x1d, 0x38, 0xe0, 0x71), 0);
	assert_int_equal(FEED(0x14, 0x11, 0xe0, 0x53), 0);
	/* Controller replies (ACK, self-test passed, resend) change nothing. */
	assert_int_equal(FEED(0xfa, 0xaa, 0xfe, 0x00, 0xff), 0);
}

static void test_every_byte_value(void **state)
{
	/* No single byte, and no pair, completes the sequence from a fresh state. */
	for (int a = 0; a < 256; a++) {
		assert_int_equal(FEED((uint8_t)a), 0);
		for (int b = 0; b < 256; b++)
			assert_int_equal(FEED((uint8_t)a, (uint8_t)b), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_sendkey_set1),
		cmocka_unit_test(test_firecracker_set2),
		cmocka_unit_test(test_near_misses),
		cmocka_unit_test(test_every_byte_value),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
