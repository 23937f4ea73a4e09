/* SPDX-License-Identifier: MIT */
/*
 * The file figures of `make bench` (bench/files.sh, docs/bench.md), run in a
 * directory DIR of a FAT32 disk: (a) write a 64 MiB file sequentially in 1 MiB
 * writes and fsync it, (b) read it back in 1 MiB reads, (c) create 1,000 files
 * of 4 KiB in DIR/small and sync, (d) read them all back. Each figure is timed
 * with CLOCK_MONOTONIC around its loop (the fsync and the sync included) and
 * printed as one line:
 *     fsbench result name=seq_write bytes=67108864 seconds=0.512345 rate=130.98 unit=MB/s
 * (MB = 10^6 bytes), preceded by a "fsbench begin name=..." line, so that the
 * host can time the same phase by when the lines arrive. Contents are made and
 * checked inside the timed loops (one 8-byte word per 4 KiB block: cheap, and
 * the same work on both systems). Built with bin/toro-cc for Toro and with
 * musl-gcc -static for the Linux guest; the same source.
 *   fsbench DIR            the four figures; exit 0 when all of them ran
 *   fsbench --probe DIR    prints "fsbench main", statfs of DIR, writes and
 *                          reads back one small file: the -m 4 check
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#define BIG_BYTES (64u << 20)
#define CHUNK (1u << 20)
#define SMALL_FILES 1000
#define SMALL_BYTES 4096
#define WORD_STEP 4096 /* one checked word per block of this size */

static char path_buf[4096];

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static const char *join(const char *dir, const char *name)
{
	snprintf(path_buf, sizeof(path_buf), "%s/%s", strcmp(dir, "/") ? dir : "", name);
	return path_buf;
}

static int fail(const char *what, const char *path)
{
	printf("fsbench error: %s %s: %s\n", what, path, strerror(errno));
	return -1;
}

/* The word at byte offset off of a file numbered id: never zero, so a block
 * of zeros (a lost write) is caught. */
static uint64_t pattern(unsigned id, uint64_t off)
{
	return (off / WORD_STEP + 1) * 0x9e3779b97f4a7c15ull ^ ((uint64_t)id << 40);
}

static void fill(char *b, size_t len, unsigned id, uint64_t base)
{
	for (size_t o = 0; o < len; o += WORD_STEP) {
		uint64_t w = pattern(id, base + o);
		memcpy(b + o, &w, sizeof(w));
	}
}

static int check(const char *b, size_t len, unsigned id, uint64_t base)
{
	for (size_t o = 0; o < len; o += WORD_STEP) {
		uint64_t w;
		memcpy(&w, b + o, sizeof(w));
		if (w != pattern(id, base + o)) {
			printf("fsbench error: file %u: wrong data at offset %llu\n", id,
			       (unsigned long long)(base + o));
			return -1;
		}
	}
	return 0;
}

static void begin(const char *name)
{
	printf("fsbench begin name=%s\n", name);
	fflush(stdout);
}

static void result(const char *name, double bytes, double seconds, double rate, const char *unit)
{
	printf("fsbench result name=%s bytes=%.0f seconds=%.6f rate=%.2f unit=%s\n", name, bytes,
	       seconds, rate, unit);
	fflush(stdout);
}

/* (a): 64 writes of 1 MiB, then fsync. */
static int seq_write(const char *path, char *b)
{
	begin("seq_write");
	double t0 = now();
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd < 0)
		return fail("open", path);
	for (uint64_t off = 0; off < BIG_BYTES; off += CHUNK) {
		fill(b, CHUNK, 0, off);
		ssize_t n = write(fd, b, CHUNK);
		if (n != (ssize_t)CHUNK) {
			if (n >= 0)
				errno = EIO;
			close(fd);
			return fail("write", path);
		}
	}
	if (fsync(fd) || close(fd))
		return fail("fsync/close", path);
	double s = now() - t0;
	result("seq_write", BIG_BYTES, s, BIG_BYTES / s / 1e6, "MB/s");
	return 0;
}

/* (b): reads of 1 MiB until the end; the size must be right. */
static int seq_read(const char *path, char *b)
{
	uint64_t off = 0;
	ssize_t n;

	begin("seq_read");
	double t0 = now();
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return fail("open", path);
	while ((n = read(fd, b, CHUNK)) > 0) {
		if (n % WORD_STEP == 0 && check(b, (size_t)n, 0, off)) {
			close(fd);
			return -1;
		}
		off += (uint64_t)n;
	}
	close(fd);
	if (n < 0)
		return fail("read", path);
	if (off != BIG_BYTES) {
		printf("fsbench error: read %llu bytes of %u\n", (unsigned long long)off, BIG_BYTES);
		return -1;
	}
	double s = now() - t0;
	result("seq_read", BIG_BYTES, s, BIG_BYTES / s / 1e6, "MB/s");
	return 0;
}

static const char *small_name(const char *dir, unsigned i)
{
	char name[32];
	snprintf(name, sizeof(name), "small/f%04u.dat", i);
	return join(dir, name);
}

/* (c): 1,000 creates of 4 KiB each (open, write, close), then sync. */
static int small_create(const char *dir, char *b)
{
	begin("create_1000");
	double t0 = now();
	if (mkdir(join(dir, "small"), 0755) && errno != EEXIST)
		return fail("mkdir", path_buf);
	for (unsigned i = 0; i < SMALL_FILES; i++) {
		const char *p = small_name(dir, i);
		fill(b, SMALL_BYTES, i + 1, 0);
		int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
		if (fd < 0)
			return fail("open", p);
		ssize_t n = write(fd, b, SMALL_BYTES);
		if (n != SMALL_BYTES) {
			if (n >= 0)
				errno = EIO;
			close(fd);
			return fail("write", p);
		}
		if (close(fd))
			return fail("close", p);
	}
	sync();
	double s = now() - t0;
	result("create_1000", (double)SMALL_FILES * SMALL_BYTES, s, SMALL_FILES / s, "files/s");
	return 0;
}

/* (d): open, read, close each of them. */
static int small_read(const char *dir, char *b)
{
	begin("read_1000");
	double t0 = now();
	for (unsigned i = 0; i < SMALL_FILES; i++) {
		const char *p = small_name(dir, i);
		int fd = open(p, O_RDONLY);
		if (fd < 0)
			return fail("open", p);
		ssize_t n = read(fd, b, SMALL_BYTES + 1);
		close(fd);
		if (n != SMALL_BYTES) {
			printf("fsbench error: %s: read %zd bytes of %d\n", p, n, SMALL_BYTES);
			return -1;
		}
		if (check(b, SMALL_BYTES, i + 1, 0))
			return -1;
	}
	double s = now() - t0;
	result("read_1000", (double)SMALL_FILES * SMALL_BYTES, s, SMALL_FILES / s, "files/s");
	return 0;
}

/* The -m 4 check: main is reached, DIR is a FAT file system, a small file
 * goes there and comes back. */
static int probe(const char *dir)
{
	static char b[SMALL_BYTES];
	struct statfs sf;

	printf("fsbench main\n");
	if (statfs(dir, &sf))
		return fail("statfs", dir);
	printf("fsbench statfs type=0x%lx bsize=%ld blocks=%llu free=%llu\n",
	       (unsigned long)sf.f_type, (long)sf.f_bsize, (unsigned long long)sf.f_blocks,
	       (unsigned long long)sf.f_bfree);
	const char *p = join(dir, "probe.dat");
	fill(b, sizeof(b), 7, 0);
	int fd = open(p, O_CREAT | O_RDWR | O_TRUNC, 0644);
	if (fd < 0)
		return fail("open", p);
	if (write(fd, b, sizeof(b)) != (ssize_t)sizeof(b) || fsync(fd) ||
	    pread(fd, b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		close(fd);
		return fail("write/fsync/pread", p);
	}
	close(fd);
	if (check(b, sizeof(b), 7, 0))
		return -1;
	printf("fsbench probe ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--probe"))
		return probe(argv[2]) ? 1 : 0;
	if (argc != 2) {
		fprintf(stderr, "usage: fsbench DIR | fsbench --probe DIR\n");
		return 2;
	}
	const char *dir = argv[1];
	char *b = malloc(CHUNK);
	if (!b) {
		printf("fsbench error: no memory for a %u-byte buffer\n", CHUNK);
		return 1;
	}
	memset(b, 0x5a, CHUNK);
	char big[4096];
	snprintf(big, sizeof(big), "%s", join(dir, "big.dat"));
	if (seq_write(big, b) || seq_read(big, b) || small_create(dir, b) || small_read(dir, b))
		return 1;
	printf("fsbench done\n");
	return 0;
}
