/* SPDX-License-Identifier: MIT */
/* vcon_mirror_race: a thread writing to /dev/hvc0 (blocking writes: each
 * returns once the device has taken its bytes) while another thread makes
 * the kernel print on its console (toro.strace logs every call), whose copy
 * to hvc0 polls the same transmit queue. The console's copy took the
 * writer's completions without waking it, and the writer slept for good
 * (seen once in 24 runs of vcon_ports under load, when a kernel line came
 * during a write). Every write must return. */
// expect-output: vcon: 400 writes to /dev/hvc0 returned
// reject-output: FAIL
// machines: pc microvm
// pvh-machines: none
// smp: 1 2
// args: toro.strace
// qemu-args-pc: -device virtio-serial-pci -chardev file,id=c0,path={tmp}/hvc0 -device virtconsole,chardev=c0
// qemu-args-microvm: -device virtio-serial-device -chardev file,id=c0,path={tmp}/hvc0 -device virtconsole,chardev=c0
// timeout: 60
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile int done;

static void *printer(void *arg)
{
	while (!done)
		getppid(); /* one kernel console line each (toro.strace) */
	return arg;
}

int main(void)
{
	pthread_t t;
	int hvc = open("/dev/hvc0", O_WRONLY);
	if (hvc < 0 || pthread_create(&t, NULL, printer, NULL)) {
		printf("FAIL: set-up\n");
		return 1;
	}
	const char *msg = "vcon: a line written to hvc0 while the kernel prints\n";
	int n = 0;
	for (; n < 400; n++)
		if (write(hvc, msg, strlen(msg)) != (ssize_t)strlen(msg))
			break;
	done = 1;
	pthread_join(t, NULL);
	printf("vcon: %d writes to /dev/hvc0 returned\n", n);
	return n == 400 ? 0 : 1;
}
