/* SPDX-License-Identifier: MIT */
/*
 * Checks of a raw virtio-blk device file, shared by the blk_* guest tests.
 * The disks are made on the host by tests/guest/blkimg.pl, which computes
 * the same patterns (first_byte, written_byte) and checks afterwards what
 * the guest wrote. Each check prints "ok ..." or "FAIL: ..." and counts.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define BLKROGET 0x125e
#define BLKFLSBUF 0x1261
#define BLKSSZGET 0x1268
#define BLKGETSIZE64 0x80081272

static int fails;

#define CHECK(what, cond, ...)                                                   \
	do {                                                                     \
		if (cond) {                                                      \
			printf("ok %s\n", what);                                 \
		} else {                                                         \
			printf("FAIL: %s: ", what);                              \
			printf(__VA_ARGS__);                                     \
			printf(" (errno %d)\n", errno);                          \
			fails++;                                                 \
		}                                                                \
	} while (0)

static uint8_t first_byte(uint64_t o, unsigned seed)
{
	return (uint8_t)((o >> 9) * 31 + (o >> 17) * 17 + (o & 511) * 7 + seed * 101);
}

static uint8_t written_byte(uint64_t o)
{
	return (uint8_t)(o * 13 + 0xa5 + (o >> 9));
}

struct range {
	uint64_t off, len;
};

/* "OFF:LEN" words from the command line. */
static int parse_ranges(char **words, int n, struct range *out, int max)
{
	int k = 0;
	for (int i = 0; i < n && k < max; i++)
		if (sscanf(words[i], "%llu:%llu", (unsigned long long *)&out[k].off,
			   (unsigned long long *)&out[k].len) == 2)
			k++;
	return k;
}

static bool in_ranges(uint64_t o, const struct range *w, int nw)
{
	for (int i = 0; i < nw; i++)
		if (o >= w[i].off && o - w[i].off < w[i].len)
			return true;
	return false;
}

/* What byte o of the disk must hold once the ranges w were written. */
static uint8_t expect_byte(uint64_t o, unsigned seed, const struct range *w, int nw)
{
	return in_ranges(o, w, nw) ? written_byte(o) : first_byte(o, seed);
}

/* The whole device read in pieces of `chunk` bytes from offset `start`,
 * compared byte for byte: the first offset that differs, or -1. */
static int64_t verify_all(int fd, uint64_t size, unsigned seed, const struct range *w, int nw,
			  size_t chunk, uint64_t start)
{
	uint8_t *b = malloc(chunk);
	uint64_t o = start;
	int64_t bad = -1;

	if (b == NULL || lseek(fd, (off_t)start, SEEK_SET) != (off_t)start)
		return -2;
	while (bad < 0) {
		ssize_t n = read(fd, b, chunk);
		if (n < 0) {
			bad = (int64_t)o;
			break;
		}
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n && bad < 0; i++)
			if (b[i] != expect_byte(o + (uint64_t)i, seed, w, nw))
				bad = (int64_t)(o + (uint64_t)i);
		o += (uint64_t)n;
	}
	free(b);
	if (bad < 0 && o != size)
		bad = (int64_t)o; /* ended early or late */
	return bad;
}

/* Device facts: a block device of `size` bytes, minor 16 * index. */
static void check_facts(int fd, uint64_t size, int index, int ro)
{
	struct stat st;
	uint64_t sz = 0;
	int v = -1;

	CHECK("fstat", fstat(fd, &st) == 0 && S_ISBLK(st.st_mode) && (uint64_t)st.st_size == size,
	      "mode %o size %lld", st.st_mode, (long long)st.st_size);
	CHECK("device numbers", major(st.st_rdev) == 254 && minor(st.st_rdev) == 16u * (unsigned)index,
	      "%u:%u", major(st.st_rdev), minor(st.st_rdev));
	CHECK("BLKGETSIZE64", ioctl(fd, BLKGETSIZE64, &sz) == 0 && sz == size, "%llu",
	      (unsigned long long)sz);
	CHECK("BLKSSZGET", ioctl(fd, BLKSSZGET, &v) == 0 && v == 512, "%d", v);
	CHECK("BLKROGET", ioctl(fd, BLKROGET, &v) == 0 && v == ro, "%d", v);
	CHECK("not a tty", !isatty(fd), "isatty");
	CHECK("SEEK_END", lseek(fd, 0, SEEK_END) == (off_t)size, "lseek");
	errno = 0;
	CHECK("seek past the end", lseek(fd, (off_t)size + 1, SEEK_SET) == -1 && errno == EINVAL,
	      "lseek");
	errno = 0;
	CHECK("seek before 0", lseek(fd, -1, SEEK_SET) == -1 && errno == EINVAL, "lseek");
}

/* Read the whole device several ways and compare. */
static void check_contents(int fd, uint64_t size, unsigned seed, const struct range *w, int nw)
{
	int64_t bad;

	bad = verify_all(fd, size, seed, w, nw, 1 << 20, 0);
	CHECK("contents, 1 MiB reads", bad == -1, "differs at %lld", (long long)bad);
	bad = verify_all(fd, size, seed, w, nw, 777, 5);
	CHECK("contents, 777-byte reads from 5", bad == -1, "differs at %lld", (long long)bad);
	bad = verify_all(fd, size, seed, w, nw, 4096, 4096);
	CHECK("contents, 4 KiB reads", bad == -1, "differs at %lld", (long long)bad);
	uint8_t b[16];
	CHECK("end of file", lseek(fd, 0, SEEK_END) == (off_t)size && read(fd, b, 16) == 0, "read");
}

/* Write the ranges (every other one with pwrite), fsync, read each back
 * with the bytes around it. */
static void write_ranges(int fd, uint64_t size, unsigned seed, const struct range *w, int nw)
{
	for (int i = 0; i < nw; i++) {
		uint8_t *b = malloc(w[i].len + 32);
		for (uint64_t k = 0; k < w[i].len; k++)
			b[k] = written_byte(w[i].off + k);
		ssize_t n;
		if (i & 1) {
			n = pwrite(fd, b, w[i].len, (off_t)w[i].off);
		} else {
			lseek(fd, (off_t)w[i].off, SEEK_SET);
			n = write(fd, b, w[i].len);
		}
		char what[64];
		snprintf(what, sizeof(what), "write %llu bytes at %llu", (unsigned long long)w[i].len,
			 (unsigned long long)w[i].off);
		CHECK(what, n == (ssize_t)w[i].len, "%zd", n);
		free(b);
	}
	CHECK("fsync", fsync(fd) == 0, "fsync");
	CHECK("fdatasync", fdatasync(fd) == 0, "fdatasync");
	CHECK("BLKFLSBUF", ioctl(fd, BLKFLSBUF, 0) == 0, "ioctl");
	for (int i = 0; i < nw; i++) {
		uint64_t from = w[i].off > 16 ? w[i].off - 16 : 0;
		uint64_t to = w[i].off + w[i].len + 16 < size ? w[i].off + w[i].len + 16 : size;
		uint8_t *b = malloc(to - from);
		ssize_t n = pread(fd, b, to - from, (off_t)from);
		int64_t bad = n == (ssize_t)(to - from) ? -1 : (int64_t)from;
		for (uint64_t k = 0; bad < 0 && k < to - from; k++)
			if (b[k] != expect_byte(from + k, seed, w, nw))
				bad = (int64_t)(from + k);
		char what[64];
		snprintf(what, sizeof(what), "read back around %llu", (unsigned long long)w[i].off);
		CHECK(what, bad == -1, "differs at %lld", (long long)bad);
		free(b);
	}
}

#define MAX_RANGES 16

/* The whole raw-device test: ARGS are DEV BYTES SEED [OFF:LEN]... */
static int raw_test(int argc, char **argv)
{
	struct range w[MAX_RANGES];

	if (argc < 4) {
		printf("FAIL: usage: %s DEV BYTES SEED [OFF:LEN]...\n", argv[0]);
		return 2;
	}
	const char *dev = argv[1];
	uint64_t size = strtoull(argv[2], NULL, 0);
	unsigned seed = (unsigned)atoi(argv[3]);
	int nw = parse_ranges(argv + 4, argc - 4, w, MAX_RANGES);
	int fd = open(dev, O_RDWR);
	CHECK("open", fd >= 0, "%s", dev);
	if (fd < 0)
		return 1;
	check_facts(fd, size, dev[strlen(dev) - 1] - 'a', 0);
	check_contents(fd, size, seed, NULL, 0);
	write_ranges(fd, size, seed, w, nw);

	/* Across the end: short (the same bytes as the last range), then none. */
	uint8_t b[8];
	for (int k = 0; k < 8; k++)
		b[k] = written_byte(size - 3 + (uint64_t)k);
	CHECK("write across the end", pwrite(fd, b, 8, (off_t)size - 3) == 3, "pwrite");
	errno = 0;
	CHECK("write at the end", lseek(fd, 0, SEEK_END) == (off_t)size && write(fd, b, 1) == -1 &&
	      errno == ENOSPC, "write");
	errno = 0;
	CHECK("read into a bad pointer", lseek(fd, 0, SEEK_SET) == 0 &&
	      read(fd, (void *)16, 512) == -1 && errno == EFAULT, "read");
	errno = 0;
	CHECK("write from a bad pointer", write(fd, (void *)16, 512) == -1 && errno == EFAULT,
	      "write");
	check_contents(fd, size, seed, w, nw);
	CHECK("close", close(fd) == 0, "close");

	/* A fresh open sees the same. */
	fd = open(dev, O_RDONLY | O_CLOEXEC);
	int64_t bad = verify_all(fd, size, seed, w, nw, 65536, 0);
	CHECK("contents after reopening", fd >= 0 && bad == -1, "differs at %lld", (long long)bad);
	close(fd);
	if (fails == 0)
		printf("SUCCESS\n");
	return fails ? 1 : 0;
}
