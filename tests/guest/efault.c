/* SPDX-License-Identifier: MIT */
/* efault: every pointer a system call takes from ring 3 is checked; a bad one
 * (NULL, kernel memory, unmapped, non-canonical, read-only for a write, a length
 * that wraps) is EFAULT and the kernel carries on. */
// expect-output: SUCCESS
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>

extern char __toro_load_start[], __toro_kdata_start[];

static int failures;

/* A raw system call must fail with EFAULT. */
#define EXPECT_EFAULT(call)                                                          \
	do {                                                                         \
		errno = 0;                                                           \
		long r_ = (call);                                                    \
		if (r_ != -1 || errno != EFAULT) {                                   \
			printf("FAIL line %d: %s = %ld, errno %d (%s), want EFAULT\n", \
			       __LINE__, #call, r_, errno, strerror(errno));         \
			failures++;                                                  \
		}                                                                    \
	} while (0)

static const char rodata_msg[] = "read-only";

int main(void)
{
	char buf[64];
	const uintptr_t kernel_elf = 0x100000, kernel_high = 0xffffff8000000000;
	const uintptr_t noncanonical = 0x0000800000000000;

	printf("kernel image at %p, kernel data at %p\n", (void *)__toro_load_start,
	       (void *)__toro_kdata_start);
	char *gone = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (gone == MAP_FAILED || munmap(gone, 8192)) {
		printf("FAIL: mmap/munmap\n");
		return 1;
	}

	/* write(): the kernel reads the buffer. */
	EXPECT_EFAULT(syscall(SYS_write, 1, NULL, 16));
	EXPECT_EFAULT(syscall(SYS_write, 1, (void *)kernel_elf, 16));
	EXPECT_EFAULT(syscall(SYS_write, 1, __toro_kdata_start, 16));
	EXPECT_EFAULT(syscall(SYS_write, 1, (void *)kernel_high, 16));
	EXPECT_EFAULT(syscall(SYS_write, 1, (void *)noncanonical, 16));
	EXPECT_EFAULT(syscall(SYS_write, 1, (void *)-4096L, 16));
	EXPECT_EFAULT(syscall(SYS_write, 1, gone, 16));
	EXPECT_EFAULT(syscall(SYS_write, 1, gone + 4096 - 8, 16));
	/* A buffer whose end wraps around the address space. */
	EXPECT_EFAULT(syscall(SYS_write, 1, buf, (size_t)0 - (uintptr_t)buf + 16));
	EXPECT_EFAULT(syscall(SYS_write, 1, buf, SIZE_MAX));
	EXPECT_EFAULT(syscall(SYS_write, 1, buf, SIZE_MAX / 2));
	/* A user buffer that runs into kernel memory. */
	EXPECT_EFAULT(syscall(SYS_write, 1, (void *)(kernel_elf - 8), 16));
	struct iovec bad_iov[2] = { { "ok\n", 3 }, { (void *)kernel_elf, 8 } };
	EXPECT_EFAULT(syscall(SYS_writev, 1, bad_iov, 2));
	EXPECT_EFAULT(syscall(SYS_writev, 1, (void *)kernel_elf, 1));
	EXPECT_EFAULT(syscall(SYS_writev, 1, NULL, 1));

	/* read(): the kernel writes the buffer; the program's text and rodata
	 * are not writable from ring 3, so not through the kernel either. */
	int fd = open("/dev/urandom", O_RDONLY);
	if (fd < 0) {
		printf("FAIL: open /dev/urandom\n");
		return 1;
	}
	unsigned char before = *(volatile unsigned char *)main;
	EXPECT_EFAULT(syscall(SYS_read, fd, (void *)main, 16));
	if (*(volatile unsigned char *)main != before) {
		printf("FAIL: read() changed the program's text\n");
		failures++;
	}
	EXPECT_EFAULT(syscall(SYS_read, fd, (void *)rodata_msg, 4));
	EXPECT_EFAULT(syscall(SYS_read, fd, NULL, 16));
	EXPECT_EFAULT(syscall(SYS_read, fd, (void *)kernel_elf, 16));
	EXPECT_EFAULT(syscall(SYS_read, fd, __toro_kdata_start, 16));
	EXPECT_EFAULT(syscall(SYS_read, fd, (void *)kernel_high, 16));
	EXPECT_EFAULT(syscall(SYS_read, fd, gone, 16));
	struct iovec bad_riov[1] = { { (void *)main, 8 } };
	EXPECT_EFAULT(syscall(SYS_readv, fd, bad_riov, 1));
	EXPECT_EFAULT(syscall(SYS_getrandom, (void *)main, 16, 0));
	EXPECT_EFAULT(syscall(SYS_getrandom, (void *)kernel_elf, 16, 0));

	/* Paths and structures. */
	EXPECT_EFAULT(syscall(SYS_open, NULL, O_RDONLY));
	EXPECT_EFAULT(syscall(SYS_open, (void *)kernel_elf, O_RDONLY));
	EXPECT_EFAULT(syscall(SYS_open, (void *)kernel_high, O_RDONLY));
	EXPECT_EFAULT(syscall(SYS_open, gone, O_RDONLY));
	EXPECT_EFAULT(syscall(SYS_openat, AT_FDCWD, (void *)kernel_elf, O_RDONLY));
	EXPECT_EFAULT(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, NULL));
	EXPECT_EFAULT(syscall(SYS_clock_gettime, CLOCK_REALTIME, (void *)kernel_elf));
	EXPECT_EFAULT(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)main));
	EXPECT_EFAULT(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)noncanonical));
	EXPECT_EFAULT(syscall(SYS_gettimeofday, (void *)kernel_elf, NULL));
	EXPECT_EFAULT(syscall(SYS_nanosleep, (void *)kernel_elf, NULL));
	EXPECT_EFAULT(syscall(SYS_fstat, 1, (void *)kernel_elf));
	EXPECT_EFAULT(syscall(SYS_uname, (void *)kernel_elf));
	EXPECT_EFAULT(syscall(SYS_uname, (void *)rodata_msg));
	EXPECT_EFAULT(syscall(SYS_rt_sigaction, SIGUSR1, (void *)kernel_elf, NULL, 8));
	EXPECT_EFAULT(syscall(SYS_rt_sigprocmask, 0, (void *)kernel_elf, NULL, 8));

	/* Nothing above reached the console or changed the kernel. */
	printf("survived %s\n", failures ? "with failures" : "all bad pointers");
	close(fd);
	if (failures)
		return 1;
	printf("SUCCESS\n");
	return 0;
}
