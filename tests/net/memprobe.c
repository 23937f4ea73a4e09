/* SPDX-License-Identifier: MIT */
/*
 * memprobe: the guest half of tests/net/mem.sh's stats test. It takes one
 * command a line from the host channel /dev/virtio-ports/org.toro.test and
 * answers each with one line, so the host can read the kernel's stats channel
 * between steps:
 *   map N      mmap N pages read-write (promised, not touched)  -> "mapped N"
 *   touch      write every mapped page                          -> "touched N"
 *   unmap      munmap them                                      -> "unmapped"
 *   free       sysinfo's freeram in KiB                         -> "freeram K"
 *   exit       ends the program (status 0)
 * Anything else -> "error". Builds for Linux too (any file as the channel).
 * It waits for the host to connect (reads see end of file until then).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <unistd.h>

/* One line (with its '\n') from fd, a byte at a time: nothing read ahead.
 * End of file while the host has not connected yet (or between connections)
 * is waited out. */
static int read_line(int fd, char *buf, size_t n)
{
	size_t len = 0;
	while (len + 1 < n) {
		ssize_t r = read(fd, buf + len, 1);
		if (r == 0) {
			usleep(10000);
			continue;
		}
		if (r < 0)
			return -1;
		if (buf[len++] == '\n')
			break;
	}
	buf[len] = 0;
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/dev/virtio-ports/org.toro.test";
	int ch = open(path, O_RDWR);
	if (ch < 0) {
		perror(path);
		return 1;
	}
	printf("memprobe: ready\n");
	fflush(stdout);
	char line[128];
	unsigned char *map = NULL;
	size_t pages = 0;
	while (read_line(ch, line, sizeof(line)) == 0) {
		char reply[64] = "error";
		unsigned long n;
		struct sysinfo si;
		if (sscanf(line, "map %lu", &n) == 1 && !map && n > 0) {
			void *p = mmap(NULL, n * 4096, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p != MAP_FAILED) {
				map = p;
				pages = n;
				snprintf(reply, sizeof(reply), "mapped %lu", n);
			}
		} else if (!strcmp(line, "touch\n") && map) {
			for (size_t i = 0; i < pages; i++)
				map[i * 4096] = 1;
			snprintf(reply, sizeof(reply), "touched %zu", pages);
		} else if (!strcmp(line, "unmap\n") && map) {
			munmap(map, pages * 4096);
			map = NULL;
			snprintf(reply, sizeof(reply), "unmapped");
		} else if (!strcmp(line, "free\n") && sysinfo(&si) == 0) {
			snprintf(reply, sizeof(reply), "freeram %llu",
				 (unsigned long long)si.freeram * si.mem_unit / 1024);
		} else if (!strcmp(line, "exit\n")) {
			printf("memprobe: bye\n");
			return 0;
		}
		strcat(reply, "\n");
		if (write(ch, reply, strlen(reply)) < 0)
			break;
	}
	printf("memprobe: channel closed\n");
	return 0;
}
