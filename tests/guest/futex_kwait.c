/* SPDX-License-Identifier: MIT */
/* futex_kwait: a program cannot reach a thread the kernel put to sleep,
 * whatever address it passes to futex. Three threads block in the kernel: a
 * pipe read, a poll (both wait on kernel addresses: the pipe in the kernel
 * heap, poll's generation in the kernel's bss) and a nanosleep. Main then
 * calls FUTEX_WAKE and FUTEX_REQUEUE (to a word of its own) on every 4-byte
 * address of the first MiBs of memory (the whole kernel image, its heap and
 * low memory) and of the start of the kernel stack window: each call on memory
 * the program cannot read is EFAULT, on its own memory 0 (nobody waits there).
 * The three threads are still blocked after it, and each ends the way it
 * should: the reader and the poller when their pipe gets a byte, the sleeper
 * on a signal. A requeued kernel waiter would never see its pipe's wake-up. */
// expect-output: SUCCESS
// machines: microvm q35
// pvh-machines: none
// smp: 1 2
// mem: 8
// timeout: 240
// host-args: -
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_PRIVATE_FLAG 128
#define PAGE 4096

static int failures;

/* The ranges swept: where the kernel keeps what it waits on. */
struct range {
	const char *name;
	uintptr_t start, len;
};
#ifdef __toro__
static const struct range ranges[] = {
	{ "low memory, kernel image and heap", 0, 8 << 20 },
	{ "kernel stacks", 0xffffff8000000000, 1 << 20 },
};
#else
static const struct range ranges[] = {
	{ "kernel text", 0xffffffff81000000, 8 << 20 },
	{ "kernel stacks", 0xffffc90000000000, 1 << 20 },
};
#endif

static int rd[2], pl[2];
static volatile int done_read, done_poll, done_sleep;
static volatile int r_read, r_poll, e_sleep;

static void *reader(void *arg)
{
	char c;
	(void)arg;
	r_read = (int)read(rd[0], &c, 1);
	done_read = 1;
	return NULL;
}

static void *poller(void *arg)
{
	struct pollfd p = { pl[0], POLLIN, 0 };
	(void)arg;
	r_poll = poll(&p, 1, -1);
	done_poll = 1;
	return NULL;
}

static void *sleeper(void *arg)
{
	struct timespec ts = { 600, 0 };
	(void)arg;
	if (nanosleep(&ts, NULL) != 0)
		e_sleep = errno;
	done_sleep = 1;
	return NULL;
}

static void on_usr1(int s) { (void)s; }

static sigjmp_buf probe_jmp;
static void on_segv(int s)
{
	(void)s;
	siglongjmp(probe_jmp, 1);
}

/* Can ring 3 read this page? (Then it is the program's memory.) */
static int readable(uintptr_t a)
{
	if (sigsetjmp(probe_jmp, 1))
		return 0;
	(void)*(volatile char *)a;
	return 1;
}

static long fx(uintptr_t uaddr, int op, long val, long n2, void *uaddr2)
{
	long r = syscall(SYS_futex, uaddr, op, val, n2, uaddr2, 0);
	return r < 0 ? -errno : r;
}

/* One sweep of [start, start+len): FUTEX_WAKE and FUTEX_REQUEUE on every
 * word; counts of EFAULT on others' memory, 0 on the program's own. */
static void sweep(const struct range *r, int *target)
{
	long calls = 0, efault = 0, zero = 0, bad = 0;
	for (uintptr_t page = r->start; page < r->start + r->len; page += PAGE) {
		long want = readable(page) ? 0 : -EFAULT;
		for (uintptr_t a = page; a < page + PAGE; a += 4) {
			long w = fx(a, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX, 0, NULL);
			long q = fx(a, FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG, 0, INT_MAX, target);
			calls += 2;
			efault += (w == -EFAULT) + (q == -EFAULT);
			zero += (w == 0) + (q == 0);
			if (w != want || q != want) {
				if (bad++ < 5)
					printf("FAIL: %#lx: wake %ld, requeue %ld, want %ld\n",
					       (unsigned long)a, w, q, want);
			}
		}
	}
	printf("%s %#lx+%#lx: %ld calls, %ld EFAULT, %ld 0 (own memory), %ld wrong\n",
	       r->name, (unsigned long)r->start, (unsigned long)r->len, calls, efault, zero, bad);
	if (bad)
		failures++;
}

static int wait_flag(volatile int *flag, int seconds)
{
	for (int i = 0; i < seconds * 100 && !*flag; i++)
		usleep(10000);
	return *flag;
}

int main(void)
{
	pthread_t t[3];
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1; /* no SA_RESTART: the sleep ends with EINTR */
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_segv;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	if (pipe(rd) || pipe(pl)) {
		printf("FAIL: pipe\n");
		return 1;
	}
	pthread_create(&t[0], NULL, reader, NULL);
	pthread_create(&t[1], NULL, poller, NULL);
	pthread_create(&t[2], NULL, sleeper, NULL);
	usleep(200000); /* all three blocked in the kernel */
	/* The requeue target lies outside the ranges swept, so that a waiter
	 * moved there would stay there. */
	int *target = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (target == MAP_FAILED) {
		printf("FAIL: mmap\n");
		return 1;
	}

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		sweep(&ranges[i], target);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("swept in %.1f s\n", (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);

	if (done_read || done_poll || done_sleep) {
		printf("FAIL: a kernel waiter returned during the sweep (read %d, poll %d, sleep %d)\n",
		       done_read, done_poll, done_sleep);
		failures++;
	} else {
		printf("ok the pipe reader, the poller and the sleeper are still blocked\n");
	}
	if (write(rd[1], "x", 1) != 1 || write(pl[1], "y", 1) != 1) {
		printf("FAIL: write\n");
		return 1;
	}
	pthread_kill(t[2], SIGUSR1);
	int ok_read = wait_flag(&done_read, 20), ok_poll = wait_flag(&done_poll, 20);
	int ok_sleep = wait_flag(&done_sleep, 20);
	if (!ok_read || r_read != 1) {
		printf("FAIL: the pipe reader did not get its byte (%s, read %d)\n",
		       ok_read ? "returned" : "still blocked: lost to a requeue", r_read);
		failures++;
	}
	if (!ok_poll || r_poll != 1) {
		printf("FAIL: the poller did not see its pipe (%s, poll %d)\n",
		       ok_poll ? "returned" : "still blocked: lost to a requeue", r_poll);
		failures++;
	}
	if (!ok_sleep || e_sleep != EINTR) {
		printf("FAIL: the sleeper (%s, errno %d)\n", ok_sleep ? "returned" : "still asleep",
		       e_sleep);
		failures++;
	}
	if (failures)
		return 1; /* a thread may be stuck: no join */
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	printf("ok each woke for its own reason: the reader and poller on data, the sleeper on a"
	       " signal\n");
	printf("SUCCESS\n");
	return 0;
}
