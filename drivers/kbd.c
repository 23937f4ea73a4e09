/* SPDX-License-Identifier: MIT */
/*
 * Ctrl-Alt-Del from keyboard controller bytes (k/kbd.h). Make and break codes
 * of the keys involved (IBM PC scancode sets 1 and 2; either Ctrl, either Alt,
 * Delete or keypad Delete):
 *   set 1: Ctrl 1D (E0 1D), Alt 38 (E0 38), Delete E0 53 (53); break = make | 80
 *   set 2: Ctrl 14 (E0 14), Alt 11 (E0 11), Delete E0 71 (71); break = F0 before the code
 */
#include <k/kbd.h>

#define SET1_CTRL 0x1d
#define SET1_ALT 0x38
#define SET1_DEL 0x53
#define SET2_CTRL 0x14
#define SET2_ALT 0x11
#define SET2_DEL 0x71
#define PREFIX_EXT 0xe0
#define PREFIX_BREAK2 0xf0

static uint8_t mod_of(uint8_t code, uint8_t ctrl, uint8_t alt)
{
	return code == ctrl ? KBD_CTRL : code == alt ? KBD_ALT : 0;
}

static bool set1(struct kbd_cad *s, uint8_t b)
{
	/* E0 or not: right and left keys, Delete and keypad Delete alike. */
	if (b == PREFIX_EXT)
		return false;
	uint8_t code = b & 0x7f;
	bool up = b & 0x80;
	uint8_t m = mod_of(code, SET1_CTRL, SET1_ALT);
	if (m) {
		s->mods1 = up ? s->mods1 & ~m : s->mods1 | m;
		return false;
	}
	return !up && code == SET1_DEL && s->mods1 == (KBD_CTRL | KBD_ALT);
}

static bool set2(struct kbd_cad *s, uint8_t b)
{
	if (b == PREFIX_EXT)
		return false;
	if (b == PREFIX_BREAK2) {
		s->break2 = true;
		return false;
	}
	bool up = s->break2;
	s->break2 = false;
	uint8_t m = mod_of(b, SET2_CTRL, SET2_ALT);
	if (m) {
		s->mods2 = up ? s->mods2 & ~m : s->mods2 | m;
		return false;
	}
	return !up && b == SET2_DEL && s->mods2 == (KBD_CTRL | KBD_ALT);
}

bool kbd_cad_feed(struct kbd_cad *s, uint8_t byte)
{
	/* Both readings see every byte. Read as the other set, the three keys of
	 * one set are keys nobody presses with Ctrl and Alt held (set 1's Ctrl is
	 * set 2's W, set 2's Ctrl set 1's T, and neither Delete is a key there). */
	bool a = set1(s, byte);
	bool b = set2(s, byte);
	return a || b;
}
