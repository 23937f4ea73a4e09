/* SPDX-License-Identifier: MIT */
/* httpup: start a command (a VMM serving HTTP through a forwarded port) and
 * time, with CLOCK_MONOTONIC from just before fork, the first HTTP response
 * that reaches a client on 127.0.0.1:PORT. Prints one line:
 *   pid=N first_us=N status=N     (first_us=-1: no response before the timeout)
 * The command runs in its own process group with its output in LOGFILE. With
 * -k it is killed (SIGKILL) once the response came, and status is its exit
 * status. Without -k the line is printed (status=-1) while the command goes on
 * serving, and httpup waits for it to end (the caller kills pid=N when done
 * with it) and reaps it. After a timeout or a failure it is always killed.
 * Usage: httpup -p PORT [-t SECONDS] [-o LOGFILE] [-i MS] [-l MS] [-k] -- COMMAND [ARGS...]
 *
 * QEMU's hostfwd accepts a connection before the guest listens and that
 * request then hangs, so the client starts a new short-lived attempt every
 * -i ms (default 2) and gives each -l ms (default 40) to answer: the figure is
 * as fine as the interval. */
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

#define MAX_TRIES 64

static const char request[] = "GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n";

struct try {
	int fd;            /* -1: slot free */
	int sent;          /* request written */
	int64_t started;
};

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void usage(void)
{
	fprintf(stderr, "usage: httpup -p PORT [-t SECONDS] [-o LOGFILE] [-i MS] [-l MS] [-k] -- COMMAND [ARGS...]\n");
	exit(64);
}

static pid_t spawn(char **argv, const char *log_path)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	setpgid(0, 0);
	int in = open("/dev/null", O_RDONLY);
	int out = open(log_path ? log_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (in >= 0)
		dup2(in, 0);
	if (out >= 0) {
		dup2(out, 1);
		dup2(out, 2);
	}
	execvp(argv[0], argv);
	fprintf(stderr, "httpup: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static void try_close(struct try *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

static int try_start(struct try *t, const struct sockaddr_in *a, int64_t now)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)a, sizeof(*a)) < 0 && errno != EINPROGRESS) {
		close(fd); /* refused: QEMU is not listening yet */
		return -1;
	}
	*t = (struct try){ .fd = fd, .sent = 0, .started = now };
	return 0;
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

int main(int argc, char **argv)
{
	double timeout_s = 60;
	const char *log_path = NULL;
	int port = 0, interval_ms = 2, life_ms = 40, kill_after = 0, opt, status = -1, ws;
	struct try tries[MAX_TRIES];
	struct pollfd pf[MAX_TRIES];
	int idx[MAX_TRIES];
	int64_t t0, first = -1, deadline, next_try;
	pid_t pid;

	while ((opt = getopt(argc, argv, "+p:t:o:i:l:k")) != -1) {
		switch (opt) {
		case 'p': port = atoi(optarg); break;
		case 't': timeout_s = atof(optarg); break;
		case 'o': log_path = optarg; break;
		case 'i': interval_ms = atoi(optarg); break;
		case 'l': life_ms = atoi(optarg); break;
		case 'k': kill_after = 1; break;
		default: usage();
		}
	}
	if (optind >= argc || port <= 0 || port > 65535 || interval_ms < 1 || life_ms < 1)
		usage();
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	for (int i = 0; i < MAX_TRIES; i++)
		tries[i].fd = -1;

	t0 = now_us();
	deadline = t0 + (int64_t)(timeout_s * 1e6);
	pid = spawn(argv + optind, log_path);
	if (pid < 0) {
		perror("httpup: fork");
		return 70;
	}
	next_try = t0;
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
		for (int i = 0; i < MAX_TRIES; i++)
			if (tries[i].fd >= 0 && now - tries[i].started > life_ms * 1000)
				try_close(&tries[i]);
		if (now >= next_try) {
			for (int i = 0; i < MAX_TRIES; i++) {
				if (tries[i].fd < 0) {
					try_start(&tries[i], &addr, now);
					break;
				}
			}
			next_try = now + interval_ms * 1000;
		}
		for (int i = 0; i < MAX_TRIES; i++) {
			if (tries[i].fd < 0)
				continue;
			pf[n] = (struct pollfd){ .fd = tries[i].fd,
						 .events = tries[i].sent ? POLLIN : POLLOUT };
			idx[n++] = i;
		}
		ms = (int)((next_try - now + 999) / 1000);
		if (ms < 1)
			ms = 1;
		if (poll(pf, (nfds_t)n, ms) < 0 && errno != EINTR)
			break;
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
	printf("pid=%d first_us=%lld status=%d\n", pid > 0 ? (int)pid : (int)-pid,
	       first < 0 ? -1LL : (long long)(first - t0), status);
	fflush(stdout);
	if (first >= 0 && !kill_after && pid > 0)
		while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
			;
	return first < 0 ? 1 : 0;
}
