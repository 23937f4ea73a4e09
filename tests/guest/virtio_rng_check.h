/* SPDX-License-Identifier: MIT */
/* The program of the virtio_* guest tests: the kernel's random numbers work
 * (getrandom, /dev/urandom), and the virtio_mmio.device= words QEMU appends to
 * the command line did not become program arguments. The console lines the
 * tests look for are the kernel's, printed before main. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>

static int failures;

#define CHECK(cond)                                                     \
	do {                                                            \
		if (cond) {                                             \
			printf("ok %s\n", #cond);                       \
		} else {                                                \
			printf("FAIL: %s (line %d)\n", #cond, __LINE__); \
			failures++;                                     \
		}                                                       \
	} while (0)

static int all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	unsigned char a[32] = { 0 }, b[32] = { 0 };
	int fd;

	for (int i = 1; i < argc; i++)
		printf("argv[%d] = %s\n", i, argv[i]);
	CHECK(argc == 1);
	CHECK(getrandom(a, sizeof(a), 0) == (ssize_t)sizeof(a));
	CHECK(getrandom(b, sizeof(b), GRND_NONBLOCK) == (ssize_t)sizeof(b));
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	CHECK(!all_zero(a, sizeof(a)));
	fd = open("/dev/urandom", O_RDONLY);
	CHECK(fd >= 0);
	CHECK(read(fd, a, sizeof(a)) == (ssize_t)sizeof(a));
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	close(fd);
	if (failures)
		return 1;
	printf("SUCCESS\n");
	return 0;
}
