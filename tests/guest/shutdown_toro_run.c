/* SPDX-License-Identifier: MIT */
/* shutdown_toro_run: SIGTERM to `toro run` itself becomes the machine's
 * request (system_powerdown on pc and q35, Ctrl-Alt-Del on microvm's i8042)
 * and the program's handler runs; toro run exits with the program's status. */
// expect-exit: 42
// expect-output: got SIGTERM in the main thread
// expect-output: toro: asking the guest to shut down
// expect-once: toro: shutdown requested by the host
// reject-output: FAIL
// reject-output: did not stop within
// machines: pc q35 microvm
// pvh-machines: none
// host-during: "$TORO_ROOT/tests/guest/hostreq.sh" signal TERM
// timeout: 60
#include "sigterm_check.h"

static int sigterm_check_before(void) { return 0; }
