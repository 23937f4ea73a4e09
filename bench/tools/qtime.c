/* SPDX-License-Identifier: MIT */
/* qtime: run a command (a VMM) with its output on a pipe and time it with
 * CLOCK_MONOTONIC: from just before fork to the first occurrence of a marker in
 * its output, and to its exit. Kills it after a timeout. Prints one line:
 *   first_us=N exit_us=N status=N timeout=0|1 cpu_us=N   (first_us=-1: no marker)
 * cpu_us is the child's user + system CPU time over its whole life (wait4).
 * With -c SECONDS it also measures the child's CPU time (utime + stime from
 * /proc/PID/stat, all its threads) over a window of SECONDS that starts at the
 * marker, then kills the child and adds to the line:
 *   cpu_ticks=N window_us=N clk_tck=N cpu_ns=N
 * cpu_ns is the same window read from the threads' /proc/PID/task/TID/schedstat
 * (nanoseconds on a CPU; -1 where the kernel has no schedstat).
 * Usage: qtime [-t SECONDS] [-m MARKER] [-o LOGFILE] [-c SECONDS] -- COMMAND [ARGS...] */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "qrun.h"

static void usage(void)
{
	fprintf(stderr, "usage: qtime [-t SECONDS] [-m MARKER] [-o LOGFILE] [-c SECONDS] -- COMMAND [ARGS...]\n");
	exit(64);
}

/* utime + stime of process pid in clock ticks (fields 14 and 15 of
 * /proc/PID/stat, after the parenthesised command name), or -1. */
static long long cpu_ticks(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			  &ut, &st) != 2)
		return -1;
	return (long long)(ut + st);
}

/* Nanoseconds the threads of pid have run (first field of each thread's
 * schedstat), or -1. */
static long long cpu_ns(pid_t pid)
{
	char path[300], buf[128];
	long long sum = 0, v;
	struct dirent *d;
	DIR *dir;
	int fd, any = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/schedstat", (int)pid, d->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = 0;
		if (sscanf(buf, "%lld", &v) == 1) {
			sum += v;
			any = 1;
		}
	}
	closedir(dir);
	return any ? sum : -1;
}

int main(int argc, char **argv)
{
	double timeout_s = 30;
	const char *log_path = NULL;
	struct scan sc = { .marker = "" };
	char buf[4096];
	int64_t t0, first = -1, end = -1, deadline;
	double window_s = 0;
	int64_t win_start = -1, win_end = -1;
	long long ticks0 = -1, ticks1 = -1, ns0 = -1, ns1 = -1;
	struct rusage ru = { 0 };
	int opt, out_fd, pid_fd, log_fd = -1, wstatus = 0, timed_out = 0;
	int out_open = 1, alive = 1, status;
	pid_t pid;

	while ((opt = getopt(argc, argv, "+t:m:o:c:")) != -1) {
		switch (opt) {
		case 'c': window_s = atof(optarg); break;
		case 't': timeout_s = atof(optarg); break;
		case 'm': sc.marker = optarg; break;
		case 'o': log_path = optarg; break;
		default: usage();
		}
	}
	if (optind >= argc)
		usage();
	sc.mlen = strlen(sc.marker);
	sc.win = malloc(sc.mlen + sizeof(buf));
	if (!sc.win)
		return 70;
	if (log_path) {
		log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (log_fd < 0) {
			perror(log_path);
			return 70;
		}
	}

	t0 = now_us();
	deadline = t0 + (int64_t)(timeout_s * 1e6);
	pid = spawn("qtime", argv + optind, &out_fd, 0);
	if (pid < 0) {
		perror("qtime: spawn");
		return 70;
	}
	/* A pidfd turns readable the moment the child exits, so the exit time is
	 * not delayed by polling; without one, fall back to a 1 ms waitpid poll. */
	pid_fd = (int)syscall(SYS_pidfd_open, pid, 0);

	while (alive) {
		struct pollfd pf[2];
		int nfds = 0, ms, r;
		int64_t left = deadline - now_us();

		if (win_start >= 0) {
			/* In the CPU window the timeout no longer applies. */
			left = win_start + (int64_t)(window_s * 1e6) - now_us();
			if (left <= 0) {
				ticks1 = cpu_ticks(pid);
				ns1 = cpu_ns(pid);
				win_end = now_us();
				kill(pid, SIGKILL);
				wait4(pid, &wstatus, 0, &ru);
				end = now_us();
				break;
			}
		}
		if (left <= 0) {
			kill(pid, SIGKILL);
			timed_out = 1;
			wait4(pid, &wstatus, 0, &ru);
			end = now_us();
			break;
		}
		ms = (int)((left + 999) / 1000);
		if (out_open)
			pf[nfds++] = (struct pollfd){ .fd = out_fd, .events = POLLIN };
		if (pid_fd >= 0)
			pf[nfds++] = (struct pollfd){ .fd = pid_fd, .events = POLLIN };
		else if (ms > 1)
			ms = 1;
		r = poll(pf, nfds, ms);
		if (r < 0 && errno != EINTR)
			break;
		if (out_open && (pf[0].revents & (POLLIN | POLLHUP))) {
			ssize_t n = read(out_fd, buf, sizeof(buf));

			if (n <= 0) {
				out_open = 0;
			} else {
				if (first < 0 && scan_feed(&sc, buf, (size_t)n)) {
					first = now_us();
					if (window_s > 0) {
						ticks0 = cpu_ticks(pid);
						ns0 = cpu_ns(pid);
						win_start = now_us();
					}
				}
				if (log_fd >= 0 && write(log_fd, buf, (size_t)n) < 0)
					log_fd = -1;
			}
		}
		if (wait4(pid, &wstatus, WNOHANG, &ru) == pid) {
			end = now_us();
			alive = 0;
		}
	}
	/* Drain what the child wrote just before it exited. */
	while (out_open) {
		ssize_t n = read(out_fd, buf, sizeof(buf));

		if (n <= 0)
			break;
		if (first < 0 && scan_feed(&sc, buf, (size_t)n))
			first = end;
		if (log_fd >= 0 && write(log_fd, buf, (size_t)n) < 0)
			log_fd = -1;
	}

	if (WIFEXITED(wstatus))
		status = WEXITSTATUS(wstatus);
	else if (WIFSIGNALED(wstatus))
		status = 128 + WTERMSIG(wstatus);
	else
		status = -1;
	printf("first_us=%lld exit_us=%lld status=%d timeout=%d cpu_us=%lld",
	       first < 0 ? -1LL : (long long)(first - t0), (long long)(end - t0),
	       status, timed_out,
	       (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
		       ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	if (window_s > 0)
		printf(" cpu_ticks=%lld window_us=%lld clk_tck=%ld cpu_ns=%lld",
		       ticks0 >= 0 && ticks1 >= 0 ? ticks1 - ticks0 : -1LL,
		       win_end >= 0 ? (long long)(win_end - win_start) : -1LL,
		       sysconf(_SC_CLK_TCK), ns0 >= 0 && ns1 >= 0 ? ns1 - ns0 : -1LL);
	printf("\n");
	if (timed_out)
		return 2;
	return first < 0 && sc.mlen ? 1 : 0;
}
