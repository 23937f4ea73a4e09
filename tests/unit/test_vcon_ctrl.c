/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for drivers/virtio/console_ctrl.c: decoding virtio-console
 * control messages the device writes (lengths, ids, events, values, names)
 * and the port state they drive (added twice, never added, named twice, a
 * name two ports claim). Every message is built in an exact-size heap buffer,
 * so ASan catches a read past what the device wrote.
 */
#include "../../drivers/virtio/console_ctrl.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <k/errno.h>

#define NPORTS 4

static uint8_t *msg(uint32_t id, uint16_t event, uint16_t value, const void *tail, size_t tlen)
{
	uint8_t *b = malloc(VCON_CTRL_LEN + tlen + 1);

	vcon_ctrl_encode(b, id, event, value);
	if (tlen)
		memcpy(b + VCON_CTRL_LEN, tail, tlen);
	return b;
}

/* Parse a message of exactly len bytes: the result, *m filled. */
static int parse(uint32_t id, uint16_t event, uint16_t value, const char *name, size_t nlen,
		 struct vcon_msg *m)
{
	uint8_t *b = msg(id, event, value, name, nlen);
	const char *why = NULL;
	int r = vcon_ctrl_parse(b, (uint32_t)(VCON_CTRL_LEN + nlen), 128, NPORTS, m, &why);

	if (r != 0)
		assert_non_null(why);
	free(b);
	return r;
}

static void test_encode_layout(void **state)
{
	uint8_t b[VCON_CTRL_LEN];

	vcon_ctrl_encode(b, 0x01020304, VCON_PORT_OPEN, 1);
	const uint8_t want[] = { 4, 3, 2, 1, 6, 0, 1, 0 };
	assert_memory_equal(b, want, sizeof(want));
}

static void test_parse_events(void **state)
{
	struct vcon_msg m;

	assert_int_equal(parse(3, VCON_DEVICE_ADD, 1, NULL, 0, &m), 0);
	assert_int_equal(m.id, 3);
	assert_int_equal(m.event, VCON_DEVICE_ADD);
	assert_int_equal(parse(0, VCON_CONSOLE_PORT, 1, NULL, 0, &m), 0);
	assert_int_equal(parse(1, VCON_PORT_OPEN, 0, NULL, 0, &m), 0);
	assert_int_equal(m.value, 0);
	assert_int_equal(parse(1, VCON_RESIZE, 0, NULL, 0, &m), 0);
	assert_int_equal(parse(1, VCON_DEVICE_REMOVE, 1, NULL, 0, &m), 0);
}

static void test_parse_lengths(void **state)
{
	struct vcon_msg m;
	const char *why = NULL;
	uint8_t *b = msg(0, VCON_DEVICE_ADD, 1, NULL, 0);

	for (uint32_t len = 0; len < VCON_CTRL_LEN; len++) {
		uint8_t *s = malloc(len ? len : 1);
		memcpy(s, b, len);
		assert_int_equal(vcon_ctrl_parse(s, len, 128, NPORTS, &m, &why), -EINVAL);
		free(s);
	}
	/* A length beyond the buffer (virtq cuts those to 0, this is the check
	 * behind it). */
	assert_int_equal(vcon_ctrl_parse(b, 129, 128, NPORTS, &m, &why), -EINVAL);
	assert_string_equal(why, "length beyond the buffer");
	/* Extra bytes after a message without a tail are ignored. */
	uint8_t *x = msg(0, VCON_DEVICE_ADD, 1, "junk", 4);
	assert_int_equal(vcon_ctrl_parse(x, 12, 128, NPORTS, &m, &why), 0);
	free(x);
	free(b);
}

static void test_parse_bad_ids_events_values(void **state)
{
	struct vcon_msg m;

	assert_int_equal(parse(NPORTS, VCON_DEVICE_ADD, 1, NULL, 0, &m), -ERANGE);
	assert_int_equal(parse(0xffffffff, VCON_PORT_OPEN, 1, NULL, 0, &m), -ERANGE);
	assert_int_equal(parse(NPORTS, VCON_PORT_NAME, 1, "a", 1, &m), -ERANGE);
	/* Driver-to-device events and unknown ones. */
	assert_int_equal(parse(0, VCON_DEVICE_READY, 1, NULL, 0, &m), -EINVAL);
	assert_int_equal(parse(0, VCON_PORT_READY, 1, NULL, 0, &m), -EINVAL);
	assert_int_equal(parse(0, 8, 1, NULL, 0, &m), -EINVAL);
	assert_int_equal(parse(0, 0xffff, 1, NULL, 0, &m), -EINVAL);
	/* Values that are flags. */
	assert_int_equal(parse(0, VCON_PORT_OPEN, 2, NULL, 0, &m), -EINVAL);
	assert_int_equal(parse(0, VCON_CONSOLE_PORT, 0xffff, NULL, 0, &m), -EINVAL);
}

static void test_parse_names(void **state)
{
	struct vcon_msg m;
	char long_name[VCON_NAME_MAX + 2];

	/* With QEMU's NUL and without one (the spec's form). */
	assert_int_equal(parse(1, VCON_PORT_NAME, 1, "org.toro.a", 11, &m), 0);
	assert_string_equal(m.name, "org.toro.a");
	assert_int_equal(parse(1, VCON_PORT_NAME, 1, "org.toro.a", 10, &m), 0);
	assert_string_equal(m.name, "org.toro.a");
	/* Bytes after the NUL are not part of it. */
	assert_int_equal(parse(1, VCON_PORT_NAME, 1, "ab\0cd", 5, &m), 0);
	assert_string_equal(m.name, "ab");
	/* Exactly the longest, unterminated, and one longer. */
	memset(long_name, 'x', sizeof(long_name));
	assert_int_equal(parse(1, VCON_PORT_NAME, 1, long_name, VCON_NAME_MAX, &m), 0);
	assert_int_equal(strlen(m.name), VCON_NAME_MAX);
	assert_int_equal(parse(1, VCON_PORT_NAME, 1, long_name, VCON_NAME_MAX + 1, &m), -EINVAL);
	/* Empty, path-like or not printable ASCII. */
	assert_int_equal(parse(1, VCON_PORT_NAME, 1, NULL, 0, &m), -EINVAL);
	assert_int_equal(parse(1, VCON_PORT_NAME, 1, "\0", 1, &m), -EINVAL);
	assert_int_equal(parse(1, VCON_PORT_NAME, 1, "a/b", 3, &m), -EINVAL);
	assert_int_equal(parse(1, VCON_PORT_NAME, 1, "..", 2, &m), -EINVAL);
	assert_int_equal(parse(1, VCON_PORT_NAME, 1, ".", 1, &m), -EINVAL);
	assert_int_equal(parse(1, VCON_PORT_NAME, 1, "a b", 3, &m), -EINVAL);
	assert_int_equal(parse(1, VCON_PORT_NAME, 1, "a\n", 2, &m), -EINVAL);
	assert_int_equal(parse(1, VCON_PORT_NAME, 1, "caf\xc3\xa9", 5, &m), -EINVAL);
	assert_int_equal(parse(1, VCON_PORT_NAME, 1, "...", 3, &m), 0);
}

/* Parse and apply: the action mask or the error. */
static int feed(struct vcon_port_state *st, uint32_t id, uint16_t event, uint16_t value,
		const char *name)
{
	struct vcon_msg m;
	const char *why = NULL;
	int r = parse(id, event, value, name, name ? strlen(name) : 0, &m);

	if (r != 0)
		return r;
	r = vcon_ctrl_apply(st, NPORTS, &m, &why);
	if (r < 0)
		assert_non_null(why);
	return r;
}

static void test_apply_qemu_sequence(void **state)
{
	struct vcon_port_state st[NPORTS] = { 0 };

	/* What QEMU says after DEVICE_READY and each PORT_READY. */
	assert_int_equal(feed(st, 0, VCON_DEVICE_ADD, 1, NULL), VCON_ACT_PORT_READY);
	assert_int_equal(feed(st, 1, VCON_DEVICE_ADD, 1, NULL), VCON_ACT_PORT_READY);
	assert_int_equal(feed(st, 0, VCON_CONSOLE_PORT, 1, NULL), VCON_ACT_CONSOLE);
	assert_int_equal(feed(st, 0, VCON_PORT_OPEN, 1, NULL), VCON_ACT_HOST);
	assert_int_equal(feed(st, 1, VCON_PORT_NAME, 1, "toro.in"), VCON_ACT_NAMED);
	assert_int_equal(feed(st, 1, VCON_PORT_OPEN, 1, NULL), VCON_ACT_HOST);
	assert_true(st[0].added && st[0].console && st[0].host_open);
	assert_true(st[1].added && !st[1].console && st[1].host_open);
	assert_string_equal(st[1].name, "toro.in");
	/* The host closes, opens again; repeats change nothing. */
	assert_int_equal(feed(st, 1, VCON_PORT_OPEN, 0, NULL), VCON_ACT_HOST);
	assert_false(st[1].host_open);
	assert_int_equal(feed(st, 1, VCON_PORT_OPEN, 0, NULL), 0);
	assert_int_equal(feed(st, 1, VCON_PORT_OPEN, 1, NULL), VCON_ACT_HOST);
	assert_int_equal(feed(st, 0, VCON_CONSOLE_PORT, 1, NULL), 0);
	assert_int_equal(feed(st, 0, VCON_CONSOLE_PORT, 0, NULL), 0);
	assert_int_equal(feed(st, 0, VCON_RESIZE, 0, NULL), 0);
	/* Unplugged, then plugged again with another name. */
	assert_int_equal(feed(st, 1, VCON_DEVICE_REMOVE, 1, NULL), VCON_ACT_REMOVED);
	assert_false(st[1].added);
	assert_string_equal(st[1].name, "");
	assert_int_equal(feed(st, 1, VCON_DEVICE_ADD, 1, NULL), VCON_ACT_PORT_READY);
	assert_int_equal(feed(st, 1, VCON_PORT_NAME, 1, "toro.other"), VCON_ACT_NAMED);
}

static void test_apply_refusals(void **state)
{
	struct vcon_port_state st[NPORTS] = { 0 }, before[NPORTS];

	assert_int_equal(feed(st, 2, VCON_DEVICE_ADD, 1, NULL), VCON_ACT_PORT_READY);
	assert_int_equal(feed(st, 2, VCON_PORT_NAME, 1, "a"), VCON_ACT_NAMED);
	assert_int_equal(feed(st, 3, VCON_DEVICE_ADD, 1, NULL), VCON_ACT_PORT_READY);
	memcpy(before, st, sizeof(st));
	/* Each refusal leaves the state as it was. */
	assert_int_equal(feed(st, 2, VCON_DEVICE_ADD, 1, NULL), -EEXIST);
	assert_int_equal(feed(st, 2, VCON_PORT_NAME, 1, "b"), -EEXIST);
	assert_int_equal(feed(st, 3, VCON_PORT_NAME, 1, "a"), -EEXIST);
	for (uint16_t ev = VCON_DEVICE_REMOVE; ev <= VCON_PORT_NAME; ev++) {
		if (ev == VCON_PORT_READY)
			continue;
		assert_int_equal(feed(st, 1, ev, 1, ev == VCON_PORT_NAME ? "n" : NULL), -ENOENT);
	}
	assert_memory_equal(st, before, sizeof(st));
	/* A message with an id beyond the table, not parsed first. */
	struct vcon_msg m = { .id = NPORTS, .event = VCON_DEVICE_ADD };
	const char *why = NULL;
	assert_int_equal(vcon_ctrl_apply(st, NPORTS, &m, &why), -ERANGE);
	assert_memory_equal(st, before, sizeof(st));
	/* A name freed by a removal can be taken by another port. */
	assert_int_equal(feed(st, 2, VCON_DEVICE_REMOVE, 1, NULL), VCON_ACT_REMOVED);
	assert_int_equal(feed(st, 3, VCON_PORT_NAME, 1, "a"), VCON_ACT_NAMED);
}

/* ---- the shutdown port's lines ---- */

/* Feed a string in pieces of `piece` bytes (each an exact-size heap copy). */
static uint32_t lines(struct vcon_lines *l, const char *text, size_t piece, uint32_t *unknown)
{
	uint32_t req = 0;
	size_t n = strlen(text);

	for (size_t off = 0; off < n; off += piece) {
		size_t k = n - off < piece ? n - off : piece;
		uint8_t *b = malloc(k);
		memcpy(b, text + off, k);
		req += vcon_lines_feed(l, b, (uint32_t)k, unknown);
		free(b);
	}
	return req;
}

static void test_shutdown_lines(void **state)
{
	for (size_t piece = 1; piece <= 40; piece++) {
		struct vcon_lines l;
		uint32_t unknown = 0;

		memset(&l, 0, sizeof(l));
		assert_int_equal(lines(&l, "shutdown\n", piece, &unknown), 1);
		assert_int_equal(lines(&l, "shutdown\r\nstatus?\r\nshutdown\n", piece, &unknown), 2);
		assert_int_equal(unknown, 1);
		assert_string_equal(l.bad, "status?");
		/* No request without its line end; then it completes. */
		assert_int_equal(lines(&l, "shutdo", piece, &unknown), 0);
		assert_int_equal(lines(&l, "wn\n", piece, &unknown), 1);
	}
}

static void test_shutdown_lines_refused(void **state)
{
	struct vcon_lines l;
	uint32_t unknown = 0;
	char longer[80];

	memset(&l, 0, sizeof(l));
	assert_int_equal(lines(&l, "Shutdown\n shutdown\nshutdown \nshutdown\r\r\n\n", 7, &unknown), 0);
	assert_int_equal(unknown, 5);
	assert_string_equal(l.bad, "");
	/* A line longer than VCON_LINE_MAX that starts like the request. */
	memset(longer, 'x', sizeof(longer));
	memcpy(longer, "shutdown", 8);
	longer[sizeof(longer) - 2] = '\n';
	longer[sizeof(longer) - 1] = 0;
	assert_int_equal(lines(&l, longer, 5, &unknown), 0);
	assert_int_equal(strlen(l.bad), VCON_LINE_MAX);
	/* Control bytes and non-ASCII are shown as '?'; NUL does not end the line. */
	const uint8_t odd[] = { 's', 0, 0x1b, 0xff, '\n' };
	assert_int_equal(vcon_lines_feed(&l, odd, sizeof(odd), &unknown), 0);
	assert_string_equal(l.bad, "s???");
	/* And the next line is read from its start. */
	assert_int_equal(lines(&l, "shutdown\n", 3, &unknown), 1);
}

/* ---- crashes found by tests/fuzz/fuzz_vcon_lines.c become tests here ---- */

/* "shutdown" and a NUL was taken for the request (strcmp stopped at the NUL). */
static void test_shutdown_line_with_nul(void **state)
{
	struct vcon_lines l;
	uint32_t unknown = 0;
	const uint8_t b[] = { 's', 'h', 'u', 't', 'd', 'o', 'w', 'n', 0, '\n' };

	memset(&l, 0, sizeof(l));
	assert_int_equal(vcon_lines_feed(&l, b, sizeof(b), &unknown), 0);
	assert_int_equal(unknown, 1);
	assert_string_equal(l.bad, "shutdown?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_layout),
		cmocka_unit_test(test_parse_events),
		cmocka_unit_test(test_parse_lengths),
		cmocka_unit_test(test_parse_bad_ids_events_values),
		cmocka_unit_test(test_parse_names),
		cmocka_unit_test(test_apply_qemu_sequence),
		cmocka_unit_test(test_apply_refusals),
		cmocka_unit_test(test_shutdown_lines),
		cmocka_unit_test(test_shutdown_lines_refused),
		cmocka_unit_test(test_shutdown_line_with_nul),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
