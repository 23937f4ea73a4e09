/* SPDX-License-Identifier: MIT */
/*
 * The write load of tests/fs/crash.sh, which kills QEMU under it: in the
 * directory argv[1], forever, file N is created with a known pattern and
 * fsynced ("synced N SIZE"), every 4th step an older file is deleted, every
 * 5th one renamed, every 7th one truncated and fsynced, every 3rd a record
 * is appended to log.bin and fdatasynced. A line is printed only after the
 * call it reports returned, so what the console shows before the kill is
 * what the host may hold the disk to.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned char pattern_byte(unsigned id, size_t off)
{
	return (unsigned char)(id * 131u + off * 7u + off / 977u);
}

static size_t size_of(unsigned id)
{
	return 1 + (size_t)((id * 2654435761u) % 300000u);
}

static int write_file(const char *path, unsigned id, size_t size)
{
	static unsigned char buf[8192];
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0)
		return -1;
	for (size_t off = 0; off < size;) {
		size_t n = size - off < sizeof(buf) ? size - off : sizeof(buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = pattern_byte(id, off + i);
		if (write(fd, buf, n) != (ssize_t)n) {
			close(fd);
			return -1;
		}
		off += n;
	}
	int r = fsync(fd);
	close(fd);
	return r;
}

int main(int argc, char **argv)
{
	char path[256], path2[256];
	const char *dir = argc > 1 ? argv[1] : "/";
	size_t logged = 0;
	unsigned char rec[1000];
	int logfd;
	snprintf(path, sizeof(path), "%s/log.bin", dir);
	logfd = open(path, O_CREAT | O_WRONLY | O_APPEND | O_TRUNC, 0644);
	if (logfd < 0 || fsync(logfd)) {
		printf("crashload: cannot make %s: %s\n", path, strerror(errno));
		return 1;
	}
	printf("crashload: start\n");
	for (unsigned id = 1;; id++) {
		snprintf(path, sizeof(path), "%s/f%u.bin", dir, id);
		if (write_file(path, id, size_of(id))) {
			printf("crashload: f%u: %s\n", id, strerror(errno));
			return 1;
		}
		printf("synced %u %zu\n", id, size_of(id));
		if (id % 4 == 0 && id > 3) {
			snprintf(path, sizeof(path), "%s/f%u.bin", dir, id - 3);
			if (unlink(path) == 0)
				printf("deleted %u\n", id - 3);
		}
		if (id % 5 == 0) {
			snprintf(path, sizeof(path), "%s/f%u.bin", dir, id - 1);
			snprintf(path2, sizeof(path2), "%s/r%u.bin", dir, id - 1);
			if (rename(path, path2) == 0)
				printf("renamed %u\n", id - 1);
		}
		if (id % 7 == 0 && id > 2) {
			snprintf(path, sizeof(path), "%s/f%u.bin", dir, id - 2);
			int fd = open(path, O_WRONLY);
			if (fd >= 0 && ftruncate(fd, (off_t)(size_of(id - 2) / 2)) == 0 && fsync(fd) == 0)
				printf("truncated %u %zu\n", id - 2, size_of(id - 2) / 2);
			if (fd >= 0)
				close(fd);
		}
		if (id % 3 == 0) {
			for (size_t i = 0; i < sizeof(rec); i++)
				rec[i] = pattern_byte(7777, logged + i);
			if (write(logfd, rec, sizeof(rec)) == (ssize_t)sizeof(rec) && fdatasync(logfd) == 0) {
				logged += sizeof(rec);
				printf("appended %zu\n", logged);
			}
		}
	}
}
