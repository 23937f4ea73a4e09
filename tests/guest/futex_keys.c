/* SPDX-License-Identifier: MIT */
/* futex_keys: every futex operation checks the addresses it is given as
 * Linux does. Misaligned: EINVAL. Not user memory (kernel text, data, heap,
 * stacks, NULL under Toro, the kernel half, non-canonical): EFAULT for WAIT,
 * WAKE, REQUEUE, CMP_REQUEUE and the bitset forms, private or shared, as first
 * or second address. Unmapped user memory: EFAULT where the word is read (WAIT,
 * CMP_REQUEUE's first address) and for a shared key; a private WAKE or REQUEUE
 * finds no waiter there and returns 0. Negative counts, a zero bitset and a bad
 * timeout are EINVAL, the timeout checked before the address. A real REQUEUE
 * and CMP_REQUEUE still move a waiter, and onto its own word leave it there. A word on a page never touched can be
 * waited on (the kernel maps it before it takes its lock), and one whose page
 * another thread keeps unmapping, mapping afresh and discarding gives only
 * ETIMEDOUT or EFAULT, never a kernel fault or a hang. */
// expect-output: SUCCESS
// machines: microvm q35
// pvh-machines: none
// smp: 1 2
// host-args: -
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* From the Linux ABI (musl's headers do not carry <linux/futex.h>). */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256

static int failures, checks;

/* The raw call: its result, or -errno. */
static long fx(void *uaddr, int op, long val, const void *ts_or_n, void *uaddr2, long val3)
{
	long r = syscall(SYS_futex, uaddr, op, val, ts_or_n, uaddr2, val3);
	return r < 0 ? -errno : r;
}

#define EXPECT(call, want)                                                              \
	do {                                                                            \
		long r_ = (call), w_ = (want);                                          \
		checks++;                                                               \
		if (r_ != w_) {                                                         \
			printf("FAIL line %d: %s = %ld (%s), want %ld (%s)\n", __LINE__,   \
			       #call, r_, r_ < 0 ? strerror((int)-r_) : "ok", w_,        \
			       w_ < 0 ? strerror((int)-w_) : "ok");                      \
			failures++;                                                     \
		}                                                                       \
	} while (0)

/* Addresses that are not the program's memory, with a name for the log. */
struct addr {
	const char *name;
	uintptr_t a;
};

#ifdef __toro__
extern char __toro_load_start[], __toro_kdata_start[], __toro_kbss_start[];
static const struct addr kernel_addrs[] = {
	{ "NULL", 0 },
	{ "low memory", 0x1000 },
	{ "kernel text", 0x100000 },
	{ "kernel data", 0 },  /* set from the image's symbols */
	{ "kernel bss", 0 },
	{ "kernel heap", 0x600000 },
	{ "kernel stacks", 0xffffff8000000000 },
	{ "kernel half", 0xffffffff81000000 },
	{ "non-canonical", 0x0000800000000000 },
	{ "last word", 0xfffffffffffffffc },
};
#else
static const struct addr kernel_addrs[] = {
	{ "kernel text", 0xffffffff81000000 },
	{ "kernel direct map", 0xffff888000000000 },
	{ "kernel stacks", 0xffffff8000000000 },
	{ "non-canonical", 0x0000800000000000 },
	{ "last word", 0xfffffffffffffffc },
};
#endif
#define NKERNEL (sizeof(kernel_addrs) / sizeof(kernel_addrs[0]))

static uintptr_t kaddr(unsigned i)
{
#ifdef __toro__
	if (!strcmp(kernel_addrs[i].name, "kernel data"))
		return ((uintptr_t)__toro_kdata_start + 64) & ~(uintptr_t)3;
	if (!strcmp(kernel_addrs[i].name, "kernel bss"))
		return ((uintptr_t)__toro_kbss_start + 64) & ~(uintptr_t)3;
#endif
	return kernel_addrs[i].a;
}

static const struct timespec short_ts = { 0, 1000000 };

/* Every operation on an address that is not user memory. */
static void kernel_addresses(void)
{
	static int word;
	for (unsigned i = 0; i < NKERNEL; i++) {
		void *k = (void *)kaddr(i);
		int before = failures;
		for (int priv = 0; priv <= FUTEX_PRIVATE_FLAG; priv += FUTEX_PRIVATE_FLAG) {
			EXPECT(fx(k, FUTEX_WAIT | priv, 0, &short_ts, NULL, 0), -EFAULT);
			EXPECT(fx(k, FUTEX_WAIT_BITSET | priv, 0, NULL, NULL, -1), -EFAULT);
			EXPECT(fx(k, FUTEX_WAKE | priv, INT_MAX, NULL, NULL, 0), -EFAULT);
			EXPECT(fx(k, FUTEX_WAKE_BITSET | priv, INT_MAX, NULL, NULL, -1), -EFAULT);
			EXPECT(fx(k, FUTEX_REQUEUE | priv, 0, (void *)INT_MAX, &word, 0), -EFAULT);
			EXPECT(fx(&word, FUTEX_REQUEUE | priv, 0, (void *)INT_MAX, k, 0), -EFAULT);
			EXPECT(fx(k, FUTEX_CMP_REQUEUE | priv, 0, (void *)INT_MAX, &word, 0), -EFAULT);
			EXPECT(fx(&word, FUTEX_CMP_REQUEUE | priv, 0, (void *)INT_MAX, k, 0),
			       -EFAULT);
			/* Misaligned is EINVAL before the address is looked at. */
			EXPECT(fx((char *)k + 1, FUTEX_WAKE | priv, 1, NULL, NULL, 0), -EINVAL);
			EXPECT(fx(&word, FUTEX_REQUEUE | priv, 0, (void *)1, (char *)k + 2, 0),
			       -EINVAL);
		}
		if (failures == before)
			printf("ok %s (%#lx): EFAULT for every operation, EINVAL misaligned\n",
			       kernel_addrs[i].name, (unsigned long)kaddr(i));
	}
}

/* A page of the program's address space that is not mapped. */
static void unmapped(void)
{
	static int word;
	char *hole = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (hole == MAP_FAILED || munmap(hole, 4096)) {
		printf("FAIL: mmap/munmap\n");
		failures++;
		return;
	}
	int before = failures;
	int p = FUTEX_PRIVATE_FLAG;
	EXPECT(fx(hole, FUTEX_WAIT | p, 0, &short_ts, NULL, 0), -EFAULT);
	EXPECT(fx(hole, FUTEX_WAIT, 0, &short_ts, NULL, 0), -EFAULT);
	EXPECT(fx(hole, FUTEX_WAIT_BITSET | p, 0, NULL, NULL, -1), -EFAULT);
	/* A private key needs no page: nobody waits there. */
	EXPECT(fx(hole, FUTEX_WAKE | p, 1, NULL, NULL, 0), 0);
	EXPECT(fx(hole, FUTEX_WAKE_BITSET | p, 1, NULL, NULL, -1), 0);
	EXPECT(fx(hole, FUTEX_REQUEUE | p, 1, (void *)1, &word, 0), 0);
	EXPECT(fx(&word, FUTEX_REQUEUE | p, 1, (void *)1, hole, 0), 0);
	EXPECT(fx(&word, FUTEX_CMP_REQUEUE | p, 1, (void *)1, hole, 0), 0);
	/* ... a shared one does, and CMP_REQUEUE reads the first word. */
	EXPECT(fx(hole, FUTEX_WAKE, 1, NULL, NULL, 0), -EFAULT);
	EXPECT(fx(hole, FUTEX_WAKE_BITSET, 1, NULL, NULL, -1), -EFAULT);
	EXPECT(fx(&word, FUTEX_REQUEUE, 1, (void *)1, hole, 0), -EFAULT);
	EXPECT(fx(hole, FUTEX_CMP_REQUEUE | p, 1, (void *)1, &word, 0), -EFAULT);
	EXPECT(fx(hole, FUTEX_CMP_REQUEUE, 1, (void *)1, &word, 0), -EFAULT);
	/* Misaligned first, whatever else is wrong. */
	EXPECT(fx(hole + 1, FUTEX_WAIT | p, 0, &short_ts, NULL, 0), -EINVAL);
	if (failures == before)
		printf("ok unmapped user page: EFAULT where the word is read or the key is shared,"
		       " 0 for a private wake or requeue\n");
}

/* Counts, bitsets and timeouts. */
static void arguments(void)
{
	static int word;
	static const struct timespec neg = { -1, 0 }, big_nsec = { 0, 1000000000 };
	void *hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(hole, 4096);
	int before = failures;
	int p = FUTEX_PRIVATE_FLAG;
	EXPECT(fx(&word, FUTEX_REQUEUE | p, -1, (void *)1, &word, 0), -EINVAL);
	EXPECT(fx(&word, FUTEX_REQUEUE | p, 1, (void *)-1L, &word, 0), -EINVAL);
	EXPECT(fx(&word, FUTEX_CMP_REQUEUE | p, -1, (void *)1, &word, 0), -EINVAL);
	EXPECT(fx(&word, FUTEX_CMP_REQUEUE | p, 1, (void *)1, &word, 1), -EAGAIN);
	EXPECT(fx(&word, FUTEX_CMP_REQUEUE | p, 1, (void *)1, &word, 0), 0);
	EXPECT(fx(&word, FUTEX_WAKE_BITSET | p, 1, NULL, NULL, 0), -EINVAL);
	EXPECT(fx(&word, FUTEX_WAIT_BITSET | p, 0, NULL, NULL, 0), -EINVAL);
	EXPECT(fx(&word, FUTEX_WAIT | p, 1, NULL, NULL, 0), -EAGAIN);
	/* The timeout is checked first: before the value and the address. */
	EXPECT(fx(&word, FUTEX_WAIT | p, 0, &neg, NULL, 0), -EINVAL);
	EXPECT(fx(&word, FUTEX_WAIT | p, 0, &big_nsec, NULL, 0), -EINVAL);
	EXPECT(fx(&word, FUTEX_WAIT_BITSET | p, 0, &neg, NULL, -1), -EINVAL);
	EXPECT(fx(&word, FUTEX_WAIT | p, 1, &neg, NULL, 0), -EINVAL);
	EXPECT(fx(hole, FUTEX_WAIT | p, 0, &neg, NULL, 0), -EINVAL);
	EXPECT(fx((void *)kaddr(0), FUTEX_WAIT | p, 0, &neg, NULL, 0), -EINVAL);
	EXPECT(fx(&word, FUTEX_WAIT | p, 0, hole, NULL, 0), -EFAULT);
	/* Only an absolute wait names a clock; unknown operations. */
	EXPECT(fx(&word, FUTEX_WAIT | p | FUTEX_CLOCK_REALTIME, 1, &short_ts, NULL, 0), -ENOSYS);
	EXPECT(fx(&word, FUTEX_WAKE | p | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0), -ENOSYS);
	EXPECT(fx(&word, FUTEX_WAIT_BITSET | p | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, -1), -EAGAIN);
	EXPECT(fx(&word, 99, 1, NULL, NULL, 0), -ENOSYS);
	EXPECT(fx((void *)kaddr(0), 99 | p, 1, NULL, NULL, 0), -ENOSYS);
	EXPECT(fx(&word, FUTEX_WAIT | p, 0, (void *)kaddr(NKERNEL - 1), NULL, 0), -EFAULT);
	if (failures == before)
		printf("ok counts, bitsets, timeouts: EINVAL/EAGAIN/EFAULT as Linux\n");
}

/* A waiter moved by REQUEUE and CMP_REQUEUE is woken on the second word. */
static int wa, wb, waiting, woke;

static void *waiter(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&waiting, 1, __ATOMIC_SEQ_CST);
	while (fx(&wa, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0) == -EINTR)
		;
	__atomic_add_fetch(&woke, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* n, when wake(uaddr) reports it woke n within a few seconds. */
static long wake_until(int *uaddr, long n)
{
	long got = 0;
	for (int i = 0; i < 500 && got < n; i++) {
		long r = fx(uaddr, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL, 0);
		if (r > 0)
			got += r;
		else
			usleep(10000);
	}
	return got;
}

static void requeue(void)
{
	pthread_t t[2];
	int before = failures;
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, waiter, NULL);
	while (__atomic_load_n(&waiting, __ATOMIC_SEQ_CST) < 2)
		usleep(1000);
	usleep(100000); /* both asleep on wa */
	int p = FUTEX_PRIVATE_FLAG;
	long moved = 0;
	for (int i = 0; i < 300 && moved < 1; i++) {
		long r = fx(&wa, FUTEX_REQUEUE | p, 0, (void *)1, &wb, 0);
		if (r > 0)
			moved += r;
		else
			usleep(10000);
	}
	long moved2 = 0;
	for (int i = 0; i < 300 && moved2 < 1; i++) {
		long r = fx(&wa, FUTEX_CMP_REQUEUE | p, 0, (void *)1, &wb, 0);
		if (r > 0)
			moved2 += r;
		else
			usleep(10000);
	}
	EXPECT(moved, 1);
	EXPECT(moved2, 1);
	EXPECT(fx(&wa, FUTEX_WAKE | p, INT_MAX, NULL, NULL, 0), 0); /* nobody left on wa */
	/* Requeued onto their own word: both counted, both still there. */
	EXPECT(fx(&wb, FUTEX_REQUEUE | p, 0, (void *)INT_MAX, &wb, 0), 2);
	EXPECT(fx(&wb, FUTEX_CMP_REQUEUE | p, 0, (void *)INT_MAX, &wb, 0), 2);
	EXPECT(wake_until(&wb, 2), 2);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	EXPECT(woke, 2);
	if (failures == before)
		printf("ok REQUEUE and CMP_REQUEUE move a waiter, a WAKE on the new word wakes it\n");
}

/* The futex word's page, untouched, then coming and going under the waiter. */
static char *volatile churn_page;
static volatile int churn_stop;
static long churns;

static void *churn(void *arg)
{
	(void)arg;
	while (!churn_stop) {
		munmap(churn_page, 4096);
		if (mmap(churn_page, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
			 MAP_FIXED, -1, 0) == MAP_FAILED)
			break;
		churn_page[0] = 0; /* touched: mapped */
		madvise(churn_page, 4096, MADV_DONTNEED);
		churns++;
	}
	return NULL;
}

static void page_races(void)
{
	static const struct timespec us = { 0, 1000 };
	int p = FUTEX_PRIVATE_FLAG, before = failures;
	char *fresh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT(fx(fresh, FUTEX_WAIT | p, 0, &us, NULL, 0), -ETIMEDOUT);
	EXPECT(fx(fresh + 4, FUTEX_WAIT | p, 1, NULL, NULL, 0), -EAGAIN);
	churn_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pthread_t t;
	pthread_create(&t, NULL, churn, NULL);
	long counts[3] = { 0, 0, 0 }, odd = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 50; i++) {
			long r = fx(churn_page, FUTEX_WAIT | p, 0, &us, NULL, 0);
			long q = fx(churn_page, FUTEX_CMP_REQUEUE, 0, (void *)1, churn_page + 4, 0);
			if (r == -ETIMEDOUT)
				counts[0]++;
			else if (r == -EFAULT)
				counts[1]++;
			else if (odd++ < 5)
				printf("FAIL: futex WAIT on a churned page = %ld\n", r);
			if (q == 0 || q == -EFAULT)
				counts[2]++;
			else if (odd++ < 5)
				printf("FAIL: CMP_REQUEUE from a churned page = %ld\n", q);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
	} while (t1.tv_sec - t0.tv_sec < 2);
	churn_stop = 1;
	pthread_join(t, NULL);
	if (odd)
		failures++;
	if (failures == before)
		printf("ok untouched page: ETIMEDOUT/EAGAIN; churned page: %ld ETIMEDOUT, %ld EFAULT,"
		       " %ld requeues, over %ld unmaps\n", counts[0], counts[1], counts[2], churns);
}

int main(void)
{
	kernel_addresses();
	unmapped();
	arguments();
	requeue();
	page_races();
	printf("%d checks, %d failed\n", checks, failures);
	if (failures)
		return 1;
	printf("SUCCESS\n");
	return 0;
}
