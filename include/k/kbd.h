/* SPDX-License-Identifier: MIT */
/*
 * Ctrl-Alt-Del in the bytes a keyboard controller (i8042) delivers: the host's
 * way of asking a VM without ACPI to shut down. Two encodings at once, as the
 * byte stream does not say which it is: scancode set 1, what an i8042 with
 * translation on gives (QEMU pc and q35 after SeaBIOS; `sendkey
 * ctrl-alt-delete` presses 1D 38 E0 53 and releases them), and set 2 raw,
 * what Firecracker's SendCtrlAltDel puts in its i8042 (14 11 E0 71, makes
 * only, no releases) and QEMU's i8042 gives before anyone turns translation
 * on (microvm). Portable; tests/unit/test_kbd.c, tests/fuzz/fuzz_kbd.c.
 */
#ifndef K_KBD_H
#define K_KBD_H

#include <stdbool.h>
#include <stdint.h>

/* Modifier bits per set. */
#define KBD_CTRL 0x1
#define KBD_ALT 0x2

struct kbd_cad {
	uint8_t mods1, mods2;   /* KBD_CTRL, KBD_ALT held, as set 1 and as set 2 read them */
	bool break2;            /* set 2: an F0 (release) prefix came */
};

/* Feed one byte read from the data port; true when it completes Ctrl-Alt-Del
 * (Delete pressed while Ctrl and Alt are held) in either set. Any byte is
 * accepted: unknown ones change nothing. Start from a zeroed state. */
bool kbd_cad_feed(struct kbd_cad *s, uint8_t byte);

#endif
