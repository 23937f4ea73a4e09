/* SPDX-License-Identifier: MIT */
/* The body of the vcon_ports tests (see vcon_ports.c for what they check):
 * a console on /dev/hvc0, a host channel toro.in whose host end sends a line
 * and closes, and toro.out (port 2) that takes the echo. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

static int failures;
#define CHECK(c, ...) do { if (!(c)) { failures++; printf("vcon: FAIL " __VA_ARGS__); \
	printf(" (errno %d %s)\n", errno, strerror(errno)); } } while (0)

static volatile int blocked_read_rc = 1, blocked_read_errno;
static int out_fd;

static void on_usr1(int sig) { (void)sig; }

static void *blocked_reader(void *arg)
{
	char c;
	blocked_read_rc = (int)read(out_fd, &c, 1);
	blocked_read_errno = errno;
	return arg;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

/* A blocking read with no data waits in its own thread; this one runs on,
 * and a signal without SA_RESTART ends the read with EINTR. */
static void check_blocking(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	pthread_t t;
	volatile unsigned long spins = 0;

	sigaction(SIGUSR1, &sa, NULL);
	CHECK(pthread_create(&t, NULL, blocked_reader, NULL) == 0, "pthread_create");
	sleep_ms(50);
	for (int i = 0; i < 1000000; i++)
		spins++;
	CHECK(blocked_read_rc == 1, "the blocking read returned %d early", blocked_read_rc);
	pthread_kill(t, SIGUSR1);
	pthread_join(t, NULL);
	CHECK(blocked_read_rc == -1 && blocked_read_errno == EINTR,
	      "blocking read after a signal: %d errno %d", blocked_read_rc, blocked_read_errno);
}

int main(void)
{
	char line[128] = "";
	size_t got = 0;
	ssize_t r;

	int hvc = open("/dev/hvc0", O_RDWR);
	CHECK(hvc >= 0, "open /dev/hvc0");
	CHECK(isatty(hvc), "/dev/hvc0 is a terminal");
	const char *msg = "vcon: hvc0 write\n";
	CHECK(write(hvc, msg, strlen(msg)) == (ssize_t)strlen(msg), "write /dev/hvc0");
	printf("vcon: printf reaches COM1 and hvc0\n");

	/* toro.out: the host end is open (a file) and sends nothing. */
	out_fd = open("/dev/virtio-ports/toro.out", O_RDWR | O_NONBLOCK);
	CHECK(out_fd >= 0, "open toro.out");
	char c;
	errno = 0;
	CHECK(read(out_fd, &c, 1) == -1 && errno == EAGAIN, "O_NONBLOCK read with no data: EAGAIN");
	struct pollfd op = { out_fd, POLLIN | POLLOUT, 0 };
	CHECK(poll(&op, 1, 0) == 1 && op.revents == POLLOUT, "toro.out polls writable only (%#x)",
	      op.revents);
	fcntl(out_fd, F_SETFL, 0);
	check_blocking();

	/* toro.in: a line, then the host closes its end. */
	int in = open("/dev/virtio-ports/toro.in", O_RDONLY);
	CHECK(in >= 0, "open toro.in");
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = in }, out_ev;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, in, &ev) == 0, "epoll_ctl");
	CHECK(epoll_wait(ep, &out_ev, 1, 10000) == 1 && (out_ev.events & EPOLLIN),
	      "epoll_wait sees the host's line");
	struct pollfd ip = { in, POLLIN, 0 };
	CHECK(poll(&ip, 1, 10000) == 1 && (ip.revents & POLLIN), "poll sees the host's line");
	while (got < sizeof(line) - 1 && (r = read(in, line + got, sizeof(line) - 1 - got)) > 0)
		got += (size_t)r;
	CHECK(r == 0, "end of file after the line (read %zd)", r);
	CHECK(!strcmp(line, "hello from the host\n"), "line read: '%s'", line);
	CHECK(poll(&ip, 1, 0) == 1 && (ip.revents & POLLHUP), "toro.in polls hung up (%#x)",
	      ip.revents);
	close(ep);
	close(in);

	/* The echo, through the port's number. */
	int out2 = open("/dev/vport0p2", O_WRONLY);
	CHECK(out2 >= 0, "open /dev/vport0p2");
	char echo[160];
	int n = snprintf(echo, sizeof(echo), "echo: %s", line);
	CHECK(write(out2, echo, (size_t)n) == n, "write the echo");
	close(out2);
	close(out_fd);

	errno = 0;
	CHECK(open("/dev/virtio-ports/nope", O_RDWR) == -1 && errno == ENOENT, "unknown name: ENOENT");
	CHECK(open("/dev/vport0p9", O_RDWR) == -1 && errno == ENOENT, "unknown port: ENOENT");
	close(hvc);
	if (failures == 0)
		printf("vcon: SUCCESS\n");
	return failures != 0;
}
