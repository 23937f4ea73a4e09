/* SPDX-License-Identifier: MIT */
/*
 * The program of the loader image (build/toro-app.elf, docs/static.md): the
 * whole kernel linked with this, so `toro pack --app` can add an unmodified
 * static program to a copy of it. The kernel starts the packed program
 * instead; this runs only when the image carries none.
 */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "toro: this is the loader image and carries no program: "
			"make one with `toro pack --app PROGRAM -o IMAGE`\n");
	return 2;
}
