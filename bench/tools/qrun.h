/* SPDX-License-Identifier: MIT */
/* What bench/tools/qtime.c and httpup.c share: the monotonic clock in
 * microseconds, a search for a marker in a command's output that may come
 * split over reads, and starting the command with its output on a pipe.
 * Header only; each tool includes it once (after _GNU_SOURCE). */
#ifndef QRUN_H
#define QRUN_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The marker may straddle two reads: search the tail of the previous read
 * (marker length - 1 bytes) joined with the new bytes. win holds at least
 * mlen - 1 + the largest read. */
struct scan {
	const char *marker;
	size_t mlen;
	char *win;
	size_t wlen;
};

static int scan_feed(struct scan *s, const char *buf, size_t n)
{
	size_t keep;
	int found;

	if (s->mlen == 0)
		return 0;
	memcpy(s->win + s->wlen, buf, n);
	s->wlen += n;
	found = memmem(s->win, s->wlen, s->marker, s->mlen) != NULL;
	keep = s->mlen - 1;
	if (s->wlen > keep) {
		memmove(s->win, s->win + s->wlen - keep, keep);
		s->wlen = keep;
	}
	return found;
}

/* Start argv with stdin from /dev/null and stdout+stderr on a pipe whose
 * read end goes to *out_fd; in its own process group when own_group. `tool`
 * names the caller in the exec failure message. The pid, or -1. */
static pid_t spawn(const char *tool, char **argv, int *out_fd, int own_group)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (own_group)
			setpgid(0, 0);
		if (null >= 0)
			dup2(null, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		execvp(argv[0], argv);
		fprintf(stderr, "%s: exec %s: %s\n", tool, argv[0], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	*out_fd = p[0];
	return pid;
}

#endif
