/* SPDX-License-Identifier: MIT */
/* net_nodev: a program that uses sockets is linked with the network stack
 * (toro-cc finds musl's socket.o in the link); booted without a network
 * device, the kernel says so and the program still starts and exits. */
// args: toro.ip=10.0.2.15/24
// expect-once: toro: no network device
// expect-output: SUCCESS
// reject-output: toro: eth
// machines: pc q35 microvm
// pvh-machines: microvm
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	/* Without a device (or before the socket calls exist) socket fails
	 * cleanly; it must not crash or hang. */
	if (fd >= 0) {
		printf("socket: fd %d\n", fd);
		close(fd);
	} else {
		printf("socket: %s\n", strerror(errno));
	}
	printf("SUCCESS\n");
	return 0;
}
