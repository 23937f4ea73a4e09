/* SPDX-License-Identifier: MIT */
/* The program of the net_* guest tests that boot with a virtio-net device:
 * it calls socket(), so toro-cc links it with the network kernel. What the
 * tests check is on the console before main: the driver's line, the address
 * (DHCP or static) and toro.net.ping's round trips to QEMU's gateway. */
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd >= 0)
		close(fd);
	printf("SUCCESS\n");
	return 0;
}
