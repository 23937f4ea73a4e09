/* SPDX-License-Identifier: MIT */
/* httpup: start a command (a VMM serving HTTP through a forwarded port) and
 * time, with CLOCK_MONOTONIC from just before fork, the first HTTP response
 * that reaches a client on 127.0.0.1:PORT. Prints one line:
 *   pid=N first_us=N marker_us=N status=N   (-1: no response / no marker)
 * The command runs in its own process group; its output goes through a pipe
 * to LOGFILE. With -k it is killed (SIGKILL) once the response came, and
 * status is its exit status. Without -k the line is printed (status=-1) while
 * the command goes on serving, and httpup goes on copying its output until it
 * ends (the caller kills pid=N when done with it), then reaps it. After a
 * timeout or a failure it is always killed.
 * Usage: httpup -p PORT [-m MARKER] [-t SECONDS] [-o LOGFILE] [-i MS] [-l MS] [-k]
 *               -- COMMAND [ARGS...]
 *
 * QEMU's hostfwd accepts a connection before the guest listens and that
 * request then hangs, and QEMU's user network goes on sending that
 * connection's SYN to the guest (for 75 s) even after the client gave up: a
 * guest that comes up late meets hundreds of them (Linux takes it for a SYN
 * flood). So: no attempt before MARKER appears in the output (the server's
 * "listening" line: it prints it after listen()), then a new attempt every -i
 * ms (default 2), each given -l ms (default 40) to answer; each attempt that
 * got no answer makes the interval 5% longer (at most 100 ms), which bounds
 * the attempts a slow guest collects. The figure is as fine as the interval. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "qrun.h"

#define MAX_TRIES 64
#define MAX_INTERVAL_US 100000

static const char request[] = "GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n";

struct try {
	int fd;            /* -1: slot free */
	int sent;          /* request written */
	int64_t started;
};

static void usage(void)
{
	fprintf(stderr, "usage: httpup -p PORT [-m MARKER] [-t SECONDS] [-o LOGFILE] [-i MS] [-l MS] [-k] -- COMMAND [ARGS...]\n");
	exit(64);
}

static void try_close(struct try *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

static void try_start(struct try *t, const struct sockaddr_in *a, int64_t now)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0)
		return;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)a, sizeof(*a)) < 0 && errno != EINPROGRESS) {
		close(fd); /* refused: QEMU is not listening yet */
		return;
	}
	*t = (struct try){ .fd = fd, .sent = 0, .started = now };
}

/* Advance one attempt on its poll events: 1 when a response arrived. */
static int try_step(struct try *t, short revents)
{
	char buf[64];
	int err = 0;
	socklen_t len = sizeof(err);
	ssize_t n;

	if (!t->sent && (revents & (POLLOUT | POLLERR | POLLHUP))) {
		if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
			try_close(t);
			return 0;
		}
		if (write(t->fd, request, sizeof(request) - 1) != (ssize_t)sizeof(request) - 1) {
			try_close(t);
			return 0;
		}
		t->sent = 1;
		return 0;
	}
	if (t->sent && (revents & (POLLIN | POLLERR | POLLHUP))) {
		n = read(t->fd, buf, sizeof(buf));
		if (n >= 7 && !memcmp(buf, "HTTP/1.", 7))
			return 1;
		try_close(t); /* reset or closed by the host's forwarder: no guest yet */
	}
	return 0;
}

/* Copy what the command wrote to the log; 0 at end of output. Scans for the
 * marker until it is found (*marker_at set). */
static int drain(int fd, int log_fd, struct scan *sc, int64_t *marker_at)
{
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n <= 0)
		return n < 0 && errno == EINTR;
	if (*marker_at < 0 && scan_feed(sc, buf, (size_t)n))
		*marker_at = now_us();
	if (log_fd >= 0 && write(log_fd, buf, (size_t)n) < 0)
		return 1;
	return 1;
}

int main(int argc, char **argv)
{
	double timeout_s = 60;
	const char *log_path = NULL;
	struct scan sc = { .marker = "" };
	int port = 0, life_ms = 40, kill_after = 0, opt, status = -1, ws;
	int out_fd, out_open = 1, log_fd = -1;
	int64_t interval_us = 2000;
	struct try tries[MAX_TRIES];
	struct pollfd pf[MAX_TRIES + 1];
	int idx[MAX_TRIES];
	int64_t t0, first = -1, marker_at = -1, deadline, next_try = 0;
	pid_t pid;

	while ((opt = getopt(argc, argv, "+p:m:t:o:i:l:k")) != -1) {
		switch (opt) {
		case 'p': port = atoi(optarg); break;
		case 'm': sc.marker = optarg; break;
		case 't': timeout_s = atof(optarg); break;
		case 'o': log_path = optarg; break;
		case 'i': interval_us = 1000LL * atoi(optarg); break;
		case 'l': life_ms = atoi(optarg); break;
		case 'k': kill_after = 1; break;
		default: usage();
		}
	}
	if (optind >= argc || port <= 0 || port > 65535 || interval_us < 1000 || life_ms < 1)
		usage();
	sc.mlen = strlen(sc.marker);
	sc.win = malloc(sc.mlen + 4096);
	if (!sc.win)
		return 70;
	if (log_path) {
		log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (log_fd < 0) {
			perror(log_path);
			return 70;
		}
	}
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	for (int i = 0; i < MAX_TRIES; i++)
		tries[i].fd = -1;

	t0 = now_us();
	deadline = t0 + (int64_t)(timeout_s * 1e6);
	pid = spawn("httpup", argv + optind, &out_fd, 1);
	if (pid < 0) {
		perror("httpup: spawn");
		return 70;
	}
	if (sc.mlen == 0)
		marker_at = t0;
	while (first < 0) {
		int64_t now = now_us();
		int n = 0, ms;

		if (now >= deadline)
			break;
		if (waitpid(pid, &ws, WNOHANG) == pid) {
			status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
			pid = -pid; /* gone: nothing to kill */
			break;
		}
		for (int i = 0; i < MAX_TRIES; i++) {
			if (tries[i].fd >= 0 && now - tries[i].started > life_ms * 1000) {
				try_close(&tries[i]);
				interval_us += interval_us / 20;
				if (interval_us > MAX_INTERVAL_US)
					interval_us = MAX_INTERVAL_US;
			}
		}
		if (marker_at >= 0 && now >= next_try) {
			for (int i = 0; i < MAX_TRIES; i++) {
				if (tries[i].fd < 0) {
					try_start(&tries[i], &addr, now);
					break;
				}
			}
			next_try = now + interval_us;
		}
		for (int i = 0; i < MAX_TRIES; i++) {
			if (tries[i].fd < 0)
				continue;
			pf[n] = (struct pollfd){ .fd = tries[i].fd,
						 .events = tries[i].sent ? POLLIN : POLLOUT };
			idx[n++] = i;
		}
		if (out_open)
			pf[n] = (struct pollfd){ .fd = out_fd, .events = POLLIN };
		ms = marker_at >= 0 ? (int)((next_try - now + 999) / 1000) : 10;
		if (ms < 1)
			ms = 1;
		if (poll(pf, (nfds_t)(n + out_open), ms) < 0 && errno != EINTR)
			break;
		if (out_open && (pf[n].revents & (POLLIN | POLLHUP | POLLERR)))
			out_open = drain(out_fd, log_fd, &sc, &marker_at);
		for (int j = 0; j < n; j++) {
			if (pf[j].revents && try_step(&tries[idx[j]], pf[j].revents)) {
				first = now_us();
				break;
			}
		}
	}
	for (int i = 0; i < MAX_TRIES; i++)
		try_close(&tries[i]);
	if (pid > 0 && (first < 0 || kill_after)) {
		kill(pid, SIGKILL);
		if (waitpid(pid, &ws, 0) == pid)
			status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	}
	printf("pid=%d first_us=%lld marker_us=%lld status=%d\n", pid > 0 ? (int)pid : (int)-pid,
	       first < 0 ? -1LL : (long long)(first - t0),
	       marker_at < 0 || sc.mlen == 0 ? -1LL : (long long)(marker_at - t0), status);
	fflush(stdout);
	/* Keep the command's output flowing (a full pipe would stop it) until it
	 * ends, then reap it. */
	while (out_open)
		out_open = drain(out_fd, log_fd, &sc, &marker_at);
	if (first >= 0 && !kill_after && pid > 0)
		while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
			;
	return first < 0 ? 1 : 0;
}
