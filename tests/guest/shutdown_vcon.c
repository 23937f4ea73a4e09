/* SPDX-License-Identifier: MIT */
/* shutdown_vcon: the line "shutdown" written by the host to a virtio-console
 * port named org.toro.shutdown reaches the program as SIGTERM; another line
 * first is said on the console and ignored; the program cannot open the port
 * (EBUSY: the kernel reads it). */
// expect-exit: 42
// expect-output: got SIGTERM in the main thread
// expect-output: ok the shutdown port is the kernel's (EBUSY)
// expect-once: toro: virtio-console port 1: org.toro.shutdown (shutdown requests from the host)
// expect-once: toro: org.toro.shutdown: 'status?' is no request
// expect-once: toro: shutdown requested by the host (virtio-console org.toro.shutdown): SIGTERM to the program
// reject-output: FAIL
// machines: pc microvm
// smp: 1 2
// host-setup: mkfifo sd.in && : > sd.out
// qemu-args-pc: -device virtio-serial-pci -chardev pipe,id=sd,path={tmp}/sd -device virtserialport,chardev=sd,name=org.toro.shutdown
// qemu-args-microvm: -device virtio-serial-device -chardev pipe,id=sd,path={tmp}/sd -device virtserialport,chardev=sd,name=org.toro.shutdown
// host-during: "$TORO_ROOT/tests/guest/hostreq.sh" port 'status?\r\nshutdown\r\n'
// timeout: 60
#include <fcntl.h>
#include "sigterm_check.h"

static int sigterm_check_before(void)
{
	int fd = open("/dev/virtio-ports/org.toro.shutdown", O_RDONLY);
	if (fd >= 0 || errno != EBUSY) {
		printf("FAIL: open of the shutdown port gave %d (%s), not EBUSY\n", fd, strerror(errno));
		return 1;
	}
	printf("ok the shutdown port is the kernel's (EBUSY)\n");
	return 0;
}
