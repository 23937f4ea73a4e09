/* SPDX-License-Identifier: MIT */
/* net_two_static: with toro.ip= the boot does not wait for DHCP. eth0 takes
 * the static address, eth1 asks DHCP in the background: the program starts,
 * and eth1's address is printed when its lease comes (the program waits 3 s
 * for it). */
// machines: q35 microvm
// args: toro.ip=10.0.2.20/24 toro.gw=10.0.2.2
// qemu-args-q35: -netdev user,id=n0 -device virtio-net-pci,netdev=n0 -netdev user,id=n1,net=10.0.3.0/24 -device virtio-net-pci,netdev=n1
// qemu-args-microvm: -netdev user,id=n0 -device virtio-net-device,netdev=n0 -netdev user,id=n1,net=10.0.3.0/24 -device virtio-net-device,netdev=n1
// expect-once: toro: eth0 10.0.2.20/24 gw 10.0.2.2
// expect-once: toro: eth1 10.0.3.15/24 gw 10.0.3.2
// expect-once: net_two_static: main
// expect-output: SUCCESS
// reject-output: has no address
// reject-output: toro: virtq
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	printf("net_two_static: main\n");
	fflush(stdout);
	if (fd >= 0)
		close(fd);
	sleep(3);
	printf("SUCCESS\n");
	return 0;
}
