/* SPDX-License-Identifier: MIT */
/* shutdown_acpi: QEMU's system_powerdown (the ACPI power button: the fixed
 * PM1 event through the SCI on pc and q35, the Generic Event Device on
 * microvm with ACPI) reaches the program as SIGTERM, in the thread that does
 * not block it; the handler runs and the program exits as it likes (42). */
// expect-exit: 42
// expect-output: got SIGTERM in the main thread
// expect-once: toro: shutdown requested by the host (ACPI power button): SIGTERM to the program
// reject-output: FAIL
// machines: pc q35 microvm
// smp: 1 2
// host-setup: mkfifo hm.in && : > hm.out
// qemu-args: -chardev pipe,id=hm,path={tmp}/hm -mon chardev=hm
// qemu-args-microvm: -M acpi=on -chardev pipe,id=hm,path={tmp}/hm -mon chardev=hm
// host-during: "$TORO_ROOT/tests/guest/hostreq.sh" hmp system_powerdown
// timeout: 60
#include "sigterm_check.h"

static int sigterm_check_before(void) { return 0; }
