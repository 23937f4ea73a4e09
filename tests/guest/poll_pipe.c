/* SPDX-License-Identifier: MIT */
/* poll_pipe: pipes, eventfds, poll, ppoll and select in the plain kernel.
 * A thread writes while main polls; timeouts; non-blocking EAGAIN; EOF and
 * POLLHUP; EPIPE with SIGPIPE ignored and handled; FIONREAD and FIONBIO;
 * bad pointers are EFAULT, too many descriptors EINVAL. */
// expect-output: SUCCESS
// machines: microvm q35
// pvh-machines: none
// smp: 1 2
// mem: 32
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int failures;
#define CHECK(c, ...) do { if (c) printf("ok " __VA_ARGS__); else { failures++; printf("FAIL: " __VA_ARGS__); } printf("\n"); } while (0)

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void *late_writer(void *arg)
{
	int fd = *(int *)arg;
	usleep(50000);
	write(fd, "x", 1);
	return NULL;
}

static void *late_eventfd(void *arg)
{
	int fd = *(int *)arg;
	usleep(30000);
	uint64_t v = 5;
	write(fd, &v, 8);
	return NULL;
}

#define BIG (1 << 20)
static unsigned char big_out[BIG], big_in[BIG];

static void *bulk_writer(void *arg)
{
	int fd = *(int *)arg;
	size_t off = 0;
	while (off < BIG) {
		ssize_t n = write(fd, big_out + off, BIG - off < 3000 ? BIG - off : 3000);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	return NULL;
}

static volatile int sigpipes;
static void on_pipe(int s) { (void)s; sigpipes++; }

static void test_pipe_basics(void)
{
	int p[2];
	char buf[64];
	CHECK(pipe(p) == 0, "pipe");
	CHECK(write(p[1], "hello", 5) == 5, "write 5");
	int n = -1;
	CHECK(ioctl(p[0], FIONREAD, &n) == 0 && n == 5, "FIONREAD 5 (%d)", n);
	/* A read asking for more than is there returns what is there. */
	CHECK(read(p[0], buf, sizeof(buf)) == 5 && !memcmp(buf, "hello", 5), "read 5 of 64");
	int on = 1;
	CHECK(ioctl(p[0], FIONBIO, &on) == 0, "FIONBIO");
	CHECK(read(p[0], buf, 1) == -1 && errno == EAGAIN, "empty non-blocking read: EAGAIN");
	CHECK(fcntl(p[0], F_GETFL) & O_NONBLOCK, "FIONBIO shows in F_GETFL");
	struct stat st;
	CHECK(fstat(p[0], &st) == 0 && S_ISFIFO(st.st_mode), "fstat: FIFO");
	CHECK(lseek(p[0], 0, SEEK_SET) == -1 && errno == ESPIPE, "lseek: ESPIPE");
	close(p[1]);
	CHECK(read(p[0], buf, 1) == 0, "EOF after the writer closed");
	struct pollfd pf = { p[0], POLLIN, 0 };
	CHECK(poll(&pf, 1, 0) == 1 && (pf.revents & POLLHUP), "POLLHUP on the read end");
	close(p[0]);

	/* Fill a non-blocking pipe: 64 KiB, then EAGAIN; POLLOUT comes back. */
	CHECK(pipe2(p, O_NONBLOCK | O_CLOEXEC) == 0, "pipe2 O_NONBLOCK|O_CLOEXEC");
	CHECK(fcntl(p[0], F_GETFD) == FD_CLOEXEC, "close-on-exec set");
	size_t total = 0;
	ssize_t w;
	while ((w = write(p[1], big_out, 4096)) > 0)
		total += (size_t)w;
	CHECK(w == -1 && errno == EAGAIN && total == 65536, "full after %zu bytes: EAGAIN", total);
	pf = (struct pollfd){ p[1], POLLOUT, 0 };
	CHECK(poll(&pf, 1, 0) == 0, "full pipe not writable");
	CHECK(read(p[0], big_in, 8192) == 8192, "read 8192");
	CHECK(poll(&pf, 1, 0) == 1 && pf.revents == POLLOUT, "writable again");
	close(p[0]);
	/* No reader: EPIPE, and SIGPIPE (ignored, then handled). */
	signal(SIGPIPE, SIG_IGN);
	CHECK(write(p[1], "x", 1) == -1 && errno == EPIPE, "EPIPE with SIGPIPE ignored");
	pf = (struct pollfd){ p[1], POLLOUT, 0 };
	CHECK(poll(&pf, 1, 0) == 1 && (pf.revents & POLLERR), "POLLERR without a reader");
	signal(SIGPIPE, on_pipe);
	CHECK(write(p[1], "x", 1) == -1 && errno == EPIPE && sigpipes == 1, "SIGPIPE handled");
	close(p[1]);
	CHECK(pipe2(p, 12345) == -1 && errno == EINVAL, "pipe2 bad flags: EINVAL");
	CHECK(syscall(SYS_pipe, 8) == -1 && errno == EFAULT, "pipe(bad pointer): EFAULT");
}

static void test_bulk(void)
{
	int p[2];
	pthread_t t;
	for (int i = 0; i < BIG; i++)
		big_out[i] = (unsigned char)(i * 7 + (i >> 12));
	pipe(p);
	pthread_create(&t, NULL, bulk_writer, &p[1]);
	size_t got = 0;
	double t0 = now_ms();
	for (;;) {
		ssize_t n = read(p[0], big_in + got, 10000);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	double ms = now_ms() - t0;
	pthread_join(t, NULL);
	CHECK(got == BIG && !memcmp(big_in, big_out, BIG), "1 MiB through a pipe, byte-exact (%.0f ms)", ms);
	close(p[0]);
}

static void test_poll_wait(void)
{
	int p[2];
	pthread_t t;
	pipe(p);
	struct pollfd pf = { p[0], POLLIN, 0 };
	double t0 = now_ms();
	CHECK(poll(&pf, 1, 100) == 0 && pf.revents == 0, "poll timeout");
	double dt = now_ms() - t0;
	CHECK(dt >= 95 && dt < 2000, "100 ms timeout took %.0f ms", dt);
	pthread_create(&t, NULL, late_writer, &p[1]);
	t0 = now_ms();
	CHECK(poll(&pf, 1, 5000) == 1 && pf.revents == POLLIN, "poll woken by a writer thread");
	dt = now_ms() - t0;
	CHECK(dt < 2000, "woken after %.0f ms", dt);
	pthread_join(t, NULL);
	char c;
	read(p[0], &c, 1);

	/* ppoll with a timespec, fd -1 ignored, a closed fd is POLLNVAL. */
	struct pollfd two[3] = { { -1, POLLIN, 0 }, { p[0], POLLIN, 0 }, { 200, POLLIN, 0 } };
	struct timespec ts = { 0, 20000000 };
	CHECK(ppoll(two, 3, &ts, NULL) == 1 && two[2].revents == POLLNVAL && two[0].revents == 0,
	      "ppoll: POLLNVAL for a closed fd, -1 ignored");
	sigset_t m;
	sigemptyset(&m);
	ts.tv_nsec = 10000000;
	CHECK(ppoll(two, 2, &ts, &m) == 0, "ppoll with a signal mask, timeout");
	CHECK(poll((struct pollfd *)8, 1, 0) == -1 && errno == EFAULT, "poll(bad pointer): EFAULT");
	struct rlimit nofile;
	CHECK(getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur == 1024,
	      "RLIMIT_NOFILE: 1024 descriptors");
	CHECK(poll(two, nofile.rlim_cur + 1, 0) == -1 && errno == EINVAL,
	      "poll nfds above RLIMIT_NOFILE: EINVAL");

	/* select: readable, writable, timeout, EBADF. */
	fd_set r, w;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	struct timeval tv = { 0, 0 };
	CHECK(select(p[1] + 1, &r, &w, NULL, &tv) == 1 && !FD_ISSET(p[0], &r) && FD_ISSET(p[1], &w),
	      "select: write end writable, read end not");
	write(p[1], "y", 1);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	tv.tv_usec = 500000;
	CHECK(select(p[0] + 1, &r, NULL, NULL, &tv) == 1 && FD_ISSET(p[0], &r), "select: readable");
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	read(p[0], &c, 1);
	tv = (struct timeval){ 0, 30000 };
	t0 = now_ms();
	CHECK(select(p[0] + 1, &r, NULL, NULL, &tv) == 0 && !FD_ISSET(p[0], &r), "select timeout");
	CHECK(now_ms() - t0 >= 25, "select waited");
	FD_ZERO(&r);
	FD_SET(99, &r);
	tv = (struct timeval){ 0, 0 };
	CHECK(select(100, &r, NULL, NULL, &tv) == -1 && errno == EBADF, "select closed fd: EBADF");
	CHECK(select(p[0] + 1, (fd_set *)8, NULL, NULL, &tv) == -1 && errno == EFAULT,
	      "select(bad set): EFAULT");
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	ts = (struct timespec){ 0, 10000000 };
	CHECK(pselect(p[0] + 1, &r, NULL, NULL, &ts, &m) == 0, "pselect with a mask, timeout");
	close(p[0]);
	close(p[1]);
}

static void test_eventfd(void)
{
	uint64_t v;
	pthread_t t;
	int e = eventfd(3, 0);
	CHECK(e >= 0, "eventfd");
	CHECK(read(e, &v, 8) == 8 && v == 3, "read the initial 3");
	int on = 1;
	ioctl(e, FIONBIO, &on);
	CHECK(read(e, &v, 8) == -1 && errno == EAGAIN, "zero: EAGAIN");
	on = 0;
	ioctl(e, FIONBIO, &on);
	pthread_create(&t, NULL, late_eventfd, &e);
	CHECK(read(e, &v, 8) == 8 && v == 5, "blocking read woken by a thread");
	pthread_join(t, NULL);
	CHECK(read(e, &v, 4) == -1 && errno == EINVAL, "short read: EINVAL");
	v = ~0ull;
	CHECK(write(e, &v, 8) == -1 && errno == EINVAL, "write 2^64-1: EINVAL");
	close(e);

	e = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);
	CHECK(read(e, &v, 8) == 8 && v == 1 && read(e, &v, 8) == 8 && v == 1, "semaphore: 1, 1");
	CHECK(read(e, &v, 8) == -1 && errno == EAGAIN, "semaphore drained");
	v = 0xfffffffffffffffeull;
	CHECK(write(e, &v, 8) == 8, "count at the maximum");
	struct pollfd pf = { e, POLLIN | POLLOUT, 0 };
	CHECK(poll(&pf, 1, 0) == 1 && pf.revents == POLLIN, "full: readable, not writable");
	v = 1;
	CHECK(write(e, &v, 8) == -1 && errno == EAGAIN, "overflow: EAGAIN");
	close(e);
	CHECK(syscall(SYS_eventfd2, 0, 0x7777) == -1 && errno == EINVAL, "eventfd2 bad flags");
}

int main(void)
{
	test_pipe_basics();
	test_bulk();
	test_poll_wait();
	test_eventfd();
	if (failures) {
		printf("%d checks failed\n", failures);
		return 1;
	}
	printf("SUCCESS\n");
	return 0;
}
