/* SPDX-License-Identifier: MIT */
/* Sequential raw throughput of /dev/vda (docs/devices.md, virtio-blk): reads
 * the whole device with reads of CHUNK bytes (default 1 MiB), then writes it
 * whole and fsyncs, three rounds, MB/s of each. Not part of `make bench`; by
 * hand:
 *     bin/toro-cc -O2 -o blkraw.elf bench/blkraw.c
 *     head -c 64M /dev/zero > big.img
 *     bin/toro run --mem 64 --disk big.img blkraw.elf -- [CHUNK] */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The whole device through fd with transfers of chunk bytes: bytes moved. */
static off_t pass(int fd, char *b, size_t chunk, off_t size, int write_it)
{
	off_t done = 0;

	lseek(fd, 0, SEEK_SET);
	while (done < size) {
		ssize_t n = write_it ? write(fd, b, chunk) : read(fd, b, chunk);
		if (n <= 0)
			break;
		done += n;
	}
	if (write_it)
		fsync(fd);
	return done;
}

int main(int argc, char **argv)
{
	size_t chunk = argc > 1 ? strtoul(argv[1], NULL, 0) : 1 << 20;
	int fd = open("/dev/vda", O_RDWR);
	char *b = malloc(chunk);

	if (fd < 0 || b == NULL || chunk == 0) {
		perror("blkraw: /dev/vda");
		return 1;
	}
	off_t size = lseek(fd, 0, SEEK_END);
	memset(b, 0x5a, chunk);
	for (int round = 0; round < 3; round++) {
		double t0 = now();
		off_t r = pass(fd, b, chunk, size, 0);
		double t1 = now();
		off_t w = pass(fd, b, chunk, size, 1);
		double t2 = now();
		printf("blkraw: %zu-byte transfers: read %lld bytes in %.3f s (%.1f MB/s), "
		       "write+fsync %lld bytes in %.3f s (%.1f MB/s)\n", chunk, (long long)r,
		       t1 - t0, (double)r / (t1 - t0) / 1e6, (long long)w, t2 - t1,
		       (double)w / (t2 - t1) / 1e6);
	}
	return 0;
}
