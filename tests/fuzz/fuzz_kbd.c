// sources: drivers/kbd.c
/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for drivers/kbd.c, the Ctrl-Alt-Del decoder fed with the
 * bytes an i8042 delivers (any bytes: the device is not trusted). Always: the
 * modifier state holds only KBD_CTRL and KBD_ALT, and a byte completes the
 * sequence only when it is a Delete make code with both modifiers held in
 * the set that read it.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <k/kbd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kbd_cad s;
	memset(&s, 0, sizeof(s));
	for (size_t i = 0; i < size; i++) {
		struct kbd_cad before = s;
		bool hit = kbd_cad_feed(&s, data[i]);
		if ((s.mods1 | s.mods2) & ~(KBD_CTRL | KBD_ALT))
			__builtin_trap();
		if (hit && !((data[i] == 0x53 && before.mods1 == (KBD_CTRL | KBD_ALT)) ||
			     (data[i] == 0x71 && before.mods2 == (KBD_CTRL | KBD_ALT) && !before.break2)))
			__builtin_trap();
	}
	return 0;
}
