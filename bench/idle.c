/* SPDX-License-Identifier: MIT */
/* The idle program of `make bench`: prints a ready line, then sleeps for good in
 * pause(). The bench reads the host CPU time of the QEMU process over 10 s after
 * the ready line. Built with bin/toro-cc for Toro and musl-gcc -static for the
 * Linux guest. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	printf("idle ready\n");
	fflush(stdout);
	pause();
	return 0;
}
