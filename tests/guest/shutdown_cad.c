/* SPDX-License-Identifier: MIT */
/* shutdown_cad: Ctrl-Alt-Del on the i8042 reaches the program as SIGTERM:
 * QEMU's sendkey on pc arrives in scancode set 1 (SeaBIOS turns the
 * controller's translation on); on microvm (toro run gives it an i8042, as
 * Firecracker has) the bytes are set 2 raw, 14 11 E0 71, exactly what
 * Firecracker's SendCtrlAltDel puts in its controller. */
// expect-exit: 42
// expect-output: got SIGTERM in the main thread
// expect-once: toro: shutdown requested by the host (Ctrl-Alt-Del): SIGTERM to the program
// expect-output: Ctrl-Alt-Del (i8042)
// reject-output: FAIL
// machines: pc microvm
// host-setup: mkfifo hm.in && : > hm.out
// qemu-args: -chardev pipe,id=hm,path={tmp}/hm -mon chardev=hm
// host-during: "$TORO_ROOT/tests/guest/hostreq.sh" hmp "sendkey ctrl-alt-delete"
// timeout: 60
#include "sigterm_check.h"

static int sigterm_check_before(void) { return 0; }
