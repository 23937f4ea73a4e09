/* SPDX-License-Identifier: MIT */
/* syscalls: the system calls a plain C program makes, checked for Linux results:
 * devices, time, identity, descriptors, brk/malloc/mmap/mprotect. Toro enforces
 * W^X, so a writable and executable mapping is refused with EACCES. */
// expect-output: SUCCESS
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <toro/except.h>

#define Y2020 1577836800L

static int failures;

#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (!(cond)) {                                                       \
			printf("FAIL line %d: %s (errno %d %s)\n", __LINE__, #cond,  \
			       errno, strerror(errno));                              \
			failures++;                                                  \
		}                                                                    \
	} while (0)

static int64_t ns_of(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static int64_t mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return ns_of(&t);
}

/* Before anything calls malloc: the break moves under our feet only. */
static void test_brk(void)
{
	uintptr_t b0 = (uintptr_t)syscall(SYS_brk, 0);
	CHECK(b0 != 0);
	uintptr_t want = b0 + (1 << 20) + 123;
	uintptr_t b1 = (uintptr_t)syscall(SYS_brk, want);
	CHECK(b1 >= want);
	if (b1 >= want) {
		memset((void *)b0, 0x5a, want - b0);
		CHECK(((volatile char *)b0)[want - b0 - 1] == 0x5a);
	}
	CHECK((uintptr_t)syscall(SYS_brk, 0) == b1);
	/* Shrinking gives the memory back; the break then reads the new value. */
	CHECK((uintptr_t)syscall(SYS_brk, b0) == b0);
	CHECK((uintptr_t)syscall(SYS_brk, 0) == b0);
}

static void test_devices(void)
{
	char buf[64];
	struct stat st;
	int fd = open("/dev/null", O_RDWR);
	CHECK(fd >= 0);
	CHECK(write(fd, "abc", 3) == 3);
	struct iovec wv[2] = { { "hello", 5 }, { " world", 6 } };
	CHECK(writev(fd, wv, 2) == 11);
	struct iovec rv[2] = { { buf, 10 }, { buf + 10, 10 } };
	CHECK(readv(fd, rv, 2) == 0);
	CHECK(read(fd, buf, sizeof(buf)) == 0);
	CHECK(fstat(fd, &st) == 0 && S_ISCHR(st.st_mode));
	CHECK(close(fd) == 0);
	CHECK(close(fd) == -1 && errno == EBADF);

	fd = open("/dev/console", O_WRONLY);
	CHECK(fd >= 0);
	CHECK(write(fd, "console line\n", 13) == 13);
	CHECK(fstat(fd, &st) == 0 && S_ISCHR(st.st_mode));
	CHECK(isatty(fd));
	CHECK(close(fd) == 0);

	unsigned char a[32], b[32], zero[32] = { 0 };
	fd = open("/dev/urandom", O_RDONLY);
	CHECK(fd >= 0);
	CHECK(read(fd, a, 32) == 32);
	CHECK(read(fd, b, 32) == 32);
	CHECK(memcmp(a, b, 32) != 0);
	CHECK(memcmp(a, zero, 32) != 0);
	CHECK(fstat(fd, &st) == 0 && S_ISCHR(st.st_mode));
	CHECK(close(fd) == 0);

	CHECK(open("/dev/no-such-device", O_RDONLY) == -1 && errno == ENOENT);

	CHECK(getrandom(a, 32, 0) == 32);
	CHECK(getrandom(b, 32, GRND_NONBLOCK) == 32);
	CHECK(memcmp(a, b, 32) != 0);
	CHECK(getrandom(a, 0, 0) == 0);
}

static void test_time(void)
{
	struct timespec t0, t1, res;
	struct timeval tv;
	CHECK(clock_gettime(CLOCK_MONOTONIC, &t0) == 0);
	for (volatile int i = 0; i < 100000; i++)
		;
	CHECK(clock_gettime(CLOCK_MONOTONIC, &t1) == 0);
	CHECK(ns_of(&t1) > ns_of(&t0));
	CHECK(t0.tv_nsec >= 0 && t0.tv_nsec < 1000000000);

	CHECK(clock_gettime(CLOCK_REALTIME, &t0) == 0);
	printf("realtime %lld\n", (long long)t0.tv_sec);
	CHECK(t0.tv_sec > Y2020);
	CHECK(time(NULL) > Y2020);
	CHECK(gettimeofday(&tv, NULL) == 0);
	CHECK(tv.tv_sec > Y2020 && tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	CHECK(tv.tv_sec - t0.tv_sec >= 0 && tv.tv_sec - t0.tv_sec <= 2);

	CHECK(clock_getres(CLOCK_MONOTONIC, &res) == 0);
	CHECK(res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 1000000);
	CHECK(clock_getres(CLOCK_REALTIME, &res) == 0);
	CHECK(clock_gettime(12345, &t0) == -1 && errno == EINVAL);

	int64_t start = mono_ns();
	struct timespec d = { 0, 50 * 1000000 };
	CHECK(nanosleep(&d, NULL) == 0);
	int64_t took = mono_ns() - start;
	printf("nanosleep 50 ms took %lld us\n", (long long)(took / 1000));
	CHECK(took >= 50 * 1000000LL);
	/* Generous for TCG on a loaded host, yet far below a 10x overshoot. */
	CHECK(took < 500 * 1000000LL);
	d.tv_nsec = 1000000000;
	CHECK(nanosleep(&d, NULL) == -1 && errno == EINVAL);
}

static void test_identity(void)
{
	struct utsname u;
	struct winsize ws;
	CHECK(uname(&u) == 0);
	CHECK(strcmp(u.sysname, "Toro") == 0);
	CHECK(strcmp(u.machine, "x86_64") == 0);
	CHECK(getpid() > 0);
	CHECK(syscall(SYS_gettid) > 0);
	CHECK(sched_yield() == 0);
	CHECK(ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0);
	CHECK(isatty(1));
	CHECK(lseek(1, 0, SEEK_CUR) == -1 && errno == ESPIPE);
	CHECK(sysconf(_SC_PAGESIZE) == 4096);
	struct rusage ru;
	CHECK(getrusage(RUSAGE_SELF, &ru) == 0 && ru.ru_maxrss > 0 &&
	      (ru.ru_utime.tv_sec > 0 || ru.ru_utime.tv_usec > 0));
	CHECK(getrusage(RUSAGE_CHILDREN, &ru) == 0 && ru.ru_utime.tv_sec == 0 &&
	      ru.ru_utime.tv_usec == 0);
	CHECK(getrusage(7, &ru) == -1 && errno == EINVAL);
}

static void test_fds(void)
{
	int fd = dup(1);
	CHECK(fd > 2);
	CHECK(write(fd, "via dup\n", 8) == 8);
	CHECK(dup2(fd, 10) == 10);
	CHECK(write(10, "via dup2\n", 9) == 9);
	CHECK(dup2(10, 10) == 10);
	CHECK(fcntl(10, F_GETFD) == 0);
	CHECK(fcntl(10, F_SETFD, FD_CLOEXEC) == 0);
	CHECK(fcntl(10, F_GETFD) == FD_CLOEXEC);
	CHECK(fcntl(fd, F_GETFD) == 0);
	int hi = fcntl(fd, F_DUPFD, 20);
	CHECK(hi >= 20);
	int cl = fcntl(fd, F_DUPFD_CLOEXEC, 30);
	CHECK(cl >= 30 && fcntl(cl, F_GETFD) == FD_CLOEXEC);
	CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) != O_RDONLY);
	CHECK(dup3(fd, 11, O_CLOEXEC) == 11 && fcntl(11, F_GETFD) == FD_CLOEXEC);
	CHECK(close(fd) == 0 && close(10) == 0 && close(11) == 0);
	CHECK(close(hi) == 0 && close(cl) == 0);
	CHECK(write(10, "x", 1) == -1 && errno == EBADF);
	CHECK(dup(99) == -1 && errno == EBADF);
	CHECK(fcntl(99, F_GETFD) == -1 && errno == EBADF);
}

static void test_malloc(void)
{
	static const size_t sizes[] = { 1, 7, 16, 24, 100, 255, 1000, 4095, 4096, 4097,
					65536, 131072, 200000, 1 << 20, 3 << 20, 10 << 20 };
	enum { N = sizeof(sizes) / sizeof(sizes[0]) };
	unsigned char *p[N];
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < N; i++) {
			p[i] = malloc(sizes[i]);
			CHECK(p[i] != NULL);
			if (p[i])
				memset(p[i], i + round, sizes[i]);
		}
		for (int i = 0; i < N; i++) {
			if (!p[i])
				continue;
			CHECK(p[i][0] == (unsigned char)(i + round));
			CHECK(p[i][sizes[i] - 1] == (unsigned char)(i + round));
			CHECK(p[i][sizes[i] / 2] == (unsigned char)(i + round));
			free(p[i]);
		}
	}
	/* Many small blocks, freed in a different order. */
	void *small[2000];
	for (int i = 0; i < 2000; i++)
		small[i] = malloc(1 + i % 300);
	for (int i = 0; i < 2000; i += 2)
		free(small[i]);
	for (int i = 1; i < 2000; i += 2)
		free(small[i]);
	char *r = NULL;
	for (int i = 1; i <= 64; i++) {
		r = realloc(r, (size_t)i * 1000);
		CHECK(r != NULL);
		r[(size_t)i * 1000 - 1] = (char)i;
	}
	CHECK(r[63999] == 64 && r[999] == 1);
	free(r);
	void *c = calloc(1000, 1000);
	CHECK(c && ((char *)c)[999999] == 0);
	free(c);
}

static void test_mmap(void)
{
	const size_t len = 4 * 4096;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				-1, 0);
	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	CHECK((uintptr_t)p % 4096 == 0);
	CHECK(p[0] == 0 && p[len - 1] == 0);
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 7);

	CHECK(mprotect(p, len, PROT_READ) == 0);
	CHECK(p[4097] == (unsigned char)(4097 * 7));
	volatile int caught = 0;
	TRY {
		p[5] = 1;
	} EXCEPT(sig) {
		caught = sig;
	}
	CHECK(caught == SIGSEGV);

	CHECK(mprotect(p, len, PROT_NONE) == 0);
	caught = 0;
	TRY {
		(void)*(volatile unsigned char *)(p + 8192);
	} EXCEPT(sig) {
		caught = sig;
	}
	CHECK(caught == SIGSEGV);

	CHECK(mprotect(p, len, PROT_READ | PROT_WRITE) == 0);
	int same = 1;
	for (size_t i = 0; i < len; i++)
		same &= p[i] == (unsigned char)(i * 7);
	CHECK(same);
	p[5] = 1;

	/* W^X: no page is writable and executable at once. */
	errno = 0;
	CHECK(mprotect(p, len, PROT_READ | PROT_WRITE | PROT_EXEC) == -1 && errno == EACCES);
	CHECK(p[1] == 7);
	void *wx = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(wx == MAP_FAILED && errno == EACCES);

	CHECK(madvise(p, len, MADV_WILLNEED) == 0);
	CHECK(madvise(p, len, MADV_DONTNEED) == 0);
	/* Linux: a private anonymous page reads as zero after MADV_DONTNEED. */
	CHECK(p[1] == 0 && p[len - 1] == 0);
	p[3] = 3;
	CHECK(p[3] == 3);

	/* Unmapping the middle page leaves a hole; the rest stays. */
	CHECK(munmap(p + 4096, 4096) == 0);
	caught = 0;
	TRY {
		(void)*(volatile unsigned char *)(p + 4096);
	} EXCEPT(sig) {
		caught = sig;
	}
	CHECK(caught == SIGSEGV);
	CHECK(p[3] == 3);
	p[8192] = 9;
	CHECK(p[8192] == 9);
	CHECK(munmap(p, len) == 0);
	CHECK(munmap(p, 4095) == 0);
	CHECK(munmap((char *)p + 1, 4096) == -1 && errno == EINVAL);

	/* A read-only mapping made writable keeps zeroes; a big one gets memory. */
	p = mmap(NULL, 8 << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	if (p != MAP_FAILED) {
		CHECK(p[(8 << 20) - 1] == 0);
		CHECK(mprotect(p, 8 << 20, PROT_READ | PROT_WRITE) == 0);
		p[12345] = 1;
		CHECK(munmap(p, 8 << 20) == 0);
	}
	CHECK(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED &&
	      errno == EINVAL);
}

int main(void)
{
	test_brk();
	test_devices();
	test_time();
	test_identity();
	test_fds();
	test_malloc();
	test_mmap();
	if (failures) {
		printf("%d checks failed\n", failures);
		return 1;
	}
	printf("SUCCESS\n");
	return 0;
}
