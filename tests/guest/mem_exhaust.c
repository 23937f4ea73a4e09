/* SPDX-License-Identifier: MIT */
/* mem_exhaust: memory that is promised is there. malloc, mmap and brk until
 * they fail: every block they gave is written in full without a fault, and
 * the failure is NULL/ENOMEM, never a crash; sysinfo's freeram (what malloc
 * can still get) drops to about nothing; after freeing, the same amount can be
 * had again. With two vCPUs, two threads on different cores exhaust memory at
 * once; with memory full, pthread_create is EAGAIN. PROT_NONE and
 * MAP_NORESERVE mappings larger than memory are address
 * space only: mprotect commits (ENOMEM when memory is short), and an
 * unreserved page touched with nothing left is a SIGSEGV the program catches.
 * The main stack grows beyond its first promise; with memory full it cannot,
 * and the touch is a SIGSEGV caught on an alternate stack. mem_exhaust_4m:
 * the same in 4 MiB. */
// expect-output: SUCCESS
// reject-output: FAIL
// machines: microvm q35
// pvh-machines: none
// mem: 16
// smp: 1 2
// timeout: 120
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>
#ifdef __toro__
#include <toro/thread.h>
#endif

#define KIB 1024ul

static int failures;

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			printf("FAIL line %d: %s (errno %d %s)\n", __LINE__, #cond,    \
			       errno, strerror(errno));                                \
			__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);            \
		}                                                                      \
	} while (0)

static uint64_t free_kib(void)
{
	struct sysinfo si;
	if (sysinfo(&si))
		return 0;
	return si.freeram * (uint64_t)si.mem_unit / KIB;
}

static uint64_t total_kib(void)
{
	struct sysinfo si;
	if (sysinfo(&si))
		return 0;
	return si.totalram * (uint64_t)si.mem_unit / KIB;
}

/* Every byte after the link written, and a pattern read back later: a page
 * the kernel gave to two blocks, or lost, shows. */
static void fill(unsigned char *p, size_t n, unsigned tag)
{
	memset(p, (int)(tag & 0xff), n);
	for (size_t i = 0; i + 8 <= n; i += 4096)
		memcpy(p + i, &tag, sizeof(tag));
}

static int intact(const unsigned char *p, size_t n, unsigned tag)
{
	for (size_t i = 0; i + 8 <= n; i += 4096) {
		unsigned t;
		memcpy(&t, p + i, sizeof(t));
		if (t != tag || p[i + 5] != (tag & 0xff))
			return 0;
	}
	return p[n - 1] == (tag & 0xff);
}

/* Blocks of one size on a list threaded through their first 16 bytes (no
 * array: the image's bss must fit a 4 MiB VM). */
struct block {
	struct block *next;
	unsigned tag;
	unsigned char data[];
};

struct hog {
	size_t size; /* block size, at least 64 */
	unsigned tag;
	struct block *head;
	size_t n;
};

/* malloc blocks of h->size until NULL; each written in full. */
static size_t hog_fill(struct hog *h)
{
	for (;;) {
		struct block *b = malloc(h->size);
		if (!b)
			return h->n;
		b->tag = h->tag + (unsigned)h->n;
		fill(b->data, h->size - sizeof(*b), b->tag);
		b->next = h->head;
		h->head = b;
		h->n++;
	}
}

/* Check and free the newest blocks until `keep` are left. */
static int hog_check_free(struct hog *h, size_t keep)
{
	int ok = 1;
	while (h->n > keep) {
		struct block *b = h->head;
		if (!intact(b->data, h->size - sizeof(*b), b->tag))
			ok = 0;
		h->head = b->next;
		h->n--;
		free(b);
	}
	return ok;
}

static struct hog big = { .size = 64 * KIB, .tag = 0x10000 };
static struct hog small = { .size = 1000, .tag = 0x20000 };

/* 64 KiB blocks, then 1000-byte blocks, until each says no. */
static void exhaust_malloc(const char *round, uint64_t start_kib, size_t *nbig)
{
	hog_fill(&big);
	uint64_t after_big = free_kib();
	hog_fill(&small);
	uint64_t after_small = free_kib();
	size_t got = big.n * big.size + small.n * small.size;
	printf("%s: %zu x 64 KiB (freeram then %llu KiB) + %zu x 1000 B = %zu KiB of %llu KiB "
	       "free at the start; freeram at the end %llu KiB\n", round, big.n,
	       (unsigned long long)after_big, small.n, got / KIB, (unsigned long long)start_kib,
	       (unsigned long long)after_small);
	/* musl's overhead (headers, partly used groups) is well under half. */
	CHECK(got / KIB >= start_kib / 2);
	CHECK(got / KIB <= start_kib + 64);
	CHECK(after_small <= 64);
	*nbig = big.n;
}

static void *noop(void *arg) { return arg; }

static void malloc_rounds(void)
{
	uint64_t start = free_kib();
	size_t n1, n2;
	exhaust_malloc("round 1", start, &n1);
	/* No memory for a thread's stack: pthread_create says EAGAIN. */
	pthread_t t;
	int r = pthread_create(&t, NULL, noop, NULL);
	printf("pthread_create with memory full: %s\n", r ? strerror(r) : "made a thread");
	CHECK(r == EAGAIN);
	if (r == 0)
		pthread_join(t, NULL);
	/* Half of the small blocks back: the same number can be had again. */
	size_t half = small.n / 2, had = small.n;
	CHECK(hog_check_free(&small, half));
	hog_fill(&small);
	printf("half of the 1000-byte blocks freed and taken again: %zu of %zu\n", small.n, had);
	CHECK(small.n + 16 >= had);
	CHECK(hog_check_free(&small, 0));
	CHECK(hog_check_free(&big, 0));
	uint64_t back = free_kib();
	printf("all freed: freeram %llu KiB (%llu at the start)\n", (unsigned long long)back,
	       (unsigned long long)start);
	CHECK(back + start / 8 >= start);
	exhaust_malloc("round 2", back, &n2);
	CHECK(n2 + n2 / 8 + 1 >= n1);
	CHECK(hog_check_free(&small, 0));
	CHECK(hog_check_free(&big, 0));
}

/* mmap regions of 256 KiB until ENOMEM; all written; then given back. */
static void mmap_round(void)
{
	static void *maps[4096];
	size_t n = 0, len = 256 * KIB;
	uint64_t start = free_kib();
	for (; n < 4096; n++) {
		void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			CHECK(errno == ENOMEM);
			break;
		}
		fill(p, len, 0x30000 + (unsigned)n);
		maps[n] = p;
	}
	uint64_t low = free_kib();
	printf("mmap: %zu x 256 KiB until ENOMEM (freeram %llu -> %llu KiB)\n", n,
	       (unsigned long long)start, (unsigned long long)low);
	CHECK(n > 0 && n < 4096);
	CHECK(low < 256);
	/* An mmap larger than what is left fails, a small one still fits. */
	void *p = mmap(NULL, 2 * len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p == MAP_FAILED && errno == ENOMEM);
	for (size_t i = 0; i < n; i++) {
		CHECK(intact(maps[i], len, 0x30000 + (unsigned)i));
		CHECK(munmap(maps[i], len) == 0);
	}
	uint64_t back = free_kib();
	printf("mmap: all unmapped, freeram %llu KiB\n", (unsigned long long)back);
	CHECK(back + 64 >= start);
}

/* brk itself (musl's sbrk refuses any change, its malloc uses brk): a heap
 * larger than memory is refused and the break stays; 64 KiB is given, written
 * and taken back. */
static void brk_round(void)
{
	uint64_t before = free_kib(), total = total_kib();
	uintptr_t cur = (uintptr_t)syscall(SYS_brk, 0);
	uintptr_t huge = cur + (uintptr_t)(total + 1024) * KIB;
	CHECK((uintptr_t)syscall(SYS_brk, huge) == cur);
	CHECK((uintptr_t)syscall(SYS_brk, 0) == cur);
	CHECK(free_kib() == before);
	uintptr_t top = cur + 64 * KIB;
	CHECK((uintptr_t)syscall(SYS_brk, top) == top);
	/* the pages from the old break up (it need not be page aligned) */
	unsigned char *p = (unsigned char *)((cur + 4095) & ~(uintptr_t)4095);
	size_t n = top - (uintptr_t)p;
	fill(p, n, 0x40000);
	CHECK(free_kib() + 60 <= before);
	CHECK(intact(p, n, 0x40000));
	CHECK((uintptr_t)syscall(SYS_brk, cur) == cur);
	printf("brk: %llu KiB refused, 64 KiB given and taken back (freeram %llu -> %llu KiB)\n",
	       (unsigned long long)(total + 1024), (unsigned long long)before,
	       (unsigned long long)free_kib());
	CHECK(free_kib() + 4 >= before);
}

static sigjmp_buf segv_env;
static volatile int segv_seen;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
	segv_seen++;
	siglongjmp(segv_env, 1);
}

/* Address space without memory: PROT_NONE and MAP_NORESERVE. */
static void reserve_round(void)
{
	uint64_t total = total_kib(), before = free_kib();
	size_t len = (size_t)(total * 4) * KIB;
	unsigned char *none = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(none != MAP_FAILED);
	CHECK(free_kib() + 64 >= before);
	if (none != MAP_FAILED) {
		/* All of it cannot become memory; a part can, and is then there. */
		CHECK(mprotect(none, len, PROT_READ | PROT_WRITE) == -1 && errno == ENOMEM);
		CHECK(mprotect(none + 4096, 128 * KIB, PROT_READ | PROT_WRITE) == 0);
		CHECK(free_kib() + 128 + 8 >= before && free_kib() + 120 <= before);
		fill(none + 4096, 128 * KIB, 0x50000);
		CHECK(intact(none + 4096, 128 * KIB, 0x50000));
		CHECK(munmap(none, len) == 0);
		CHECK(free_kib() + 8 >= before);
	}
	/* MAP_NORESERVE: pages come when touched, while there are any. */
	unsigned char *nr = mmap(NULL, len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK(nr != MAP_FAILED);
	if (nr == MAP_FAILED)
		return;
	struct sigaction sa, old;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGSEGV, &sa, &old) == 0);
	static volatile size_t touched;
	touched = 0;
	segv_seen = 0;
	if (sigsetjmp(segv_env, 1) == 0) {
		for (size_t off = 0; off < len; off += 4096) {
			nr[off] = 1;
			touched = off + 4096;
		}
	}
	sigaction(SIGSEGV, &old, NULL);
	printf("MAP_NORESERVE: %zu KiB touched, then SIGSEGV %s (freeram %llu KiB)\n",
	       touched / KIB, segv_seen ? "caught" : "never came", (unsigned long long)free_kib());
	CHECK(segv_seen == 1);
	CHECK(touched > 0 && touched < len);
	CHECK(free_kib() < 64);
	/* A committed allocation is refused meanwhile, not crashed. */
	void *m = mmap(NULL, 64 * KIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m == MAP_FAILED && errno == ENOMEM);
	CHECK(munmap(nr, len) == 0);
	CHECK(free_kib() + 64 >= before);
}

/* The main stack promises a part and grows its promise while memory lasts. */
__attribute__((noinline)) static unsigned deep(unsigned n)
{
	volatile char frame[4000];
	memset((char *)frame, (int)n, sizeof(frame));
	if (n == 0)
		return frame[7];
	return deep(n - 1) + frame[n % 4000];
}

static void stack_round(void)
{
	/* 1 MiB of stack (256 frames of 4 KB) at 16 MiB, 512 KiB at 4 MiB. */
	unsigned frames = total_kib() > 8192 ? 256 : 128;
	uint64_t before = free_kib();
	volatile unsigned r = deep(frames);
	(void)r;
	printf("stack: %u frames of 4 KB deep (freeram %llu -> %llu KiB)\n", frames,
	       (unsigned long long)before, (unsigned long long)free_kib());
}

/* With memory full, the stack's promise cannot grow: a touch below it is a
 * SIGSEGV that a handler on an alternate stack catches (a stack overflow);
 * with memory back, the same depth and more works. */
static char altstack[16384];
static volatile unsigned reached;

__attribute__((noinline)) static unsigned deeper(unsigned n, unsigned limit)
{
	volatile char frame[4000];
	memset((char *)frame, (int)n, sizeof(frame));
	reached = n;
	if (n == limit)
		return frame[3];
	return deeper(n + 1, limit) + frame[n % 4000];
}

static void stack_full_round(void)
{
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) }, old_ss;
	struct sigaction sa, old;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaltstack(&ss, &old_ss) == 0 && sigaction(SIGSEGV, &sa, &old) == 0);
	hog_fill(&big);
	hog_fill(&small);
	segv_seen = 0;
	reached = 0;
	if (sigsetjmp(segv_env, 1) == 0)
		deeper(0, 1900); /* 7.4 MiB: beyond what is left */
	unsigned full = reached;
	printf("stack with memory full: SIGSEGV %s at frame %u\n",
	       segv_seen ? "caught" : "never came", full);
	CHECK(segv_seen == 1);
	CHECK(hog_check_free(&small, 0) && hog_check_free(&big, 0));
	segv_seen = 0;
	if (sigsetjmp(segv_env, 1) == 0)
		deeper(0, full + 64);
	printf("stack with memory back: %u frames, %s\n", reached,
	       segv_seen ? "SIGSEGV" : "no fault");
	CHECK(segv_seen == 0 && reached == full + 64);
	sigaction(SIGSEGV, &old, NULL);
	sigaltstack(&old_ss, NULL);
}

struct worker {
	struct hog h;
	size_t got;
};

static pthread_barrier_t bar;

static void *exhaust_thread(void *arg)
{
	struct worker *w = arg;
	pthread_barrier_wait(&bar);
	w->got = hog_fill(&w->h);
	pthread_barrier_wait(&bar); /* both have hit NULL before either frees */
	if (!hog_check_free(&w->h, 0)) {
		printf("FAIL: a thread's block lost its bytes\n");
		__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static struct worker workers[2] = {
	{ .h = { .size = 16 * KIB, .tag = 0x60000 } },
	{ .h = { .size = 16 * KIB, .tag = 0x70000 } },
};

static void threads_round(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t start = free_kib();
	pthread_t t[2];
	CHECK(pthread_barrier_init(&bar, NULL, 2) == 0);
	for (int i = 0; i < 2; i++) {
#ifdef __toro__
		int r = toro_thread_create_on(&t[i], cpus > 1 ? i : 0, exhaust_thread, &workers[i]);
#else
		int r = pthread_create(&t[i], NULL, exhaust_thread, &workers[i]);
#endif
		CHECK(r == 0);
	}
	for (int i = 0; i < 2; i++)
		CHECK(pthread_join(t[i], NULL) == 0);
	size_t got = (workers[0].got + workers[1].got) * 16 * KIB;
	printf("threads: %zu + %zu blocks of 16 KiB on %ld core(s) = %zu KiB of %llu KiB\n",
	       workers[0].got, workers[1].got, cpus, got / KIB, (unsigned long long)start);
	/* On one core either thread may have taken it all before the other ran. */
	CHECK(workers[0].got + workers[1].got > 0);
	CHECK(got / KIB >= start / 3);
	CHECK(free_kib() + start / 8 >= start);
	pthread_barrier_destroy(&bar);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("total %llu KiB, freeram %llu KiB\n", (unsigned long long)total_kib(),
	       (unsigned long long)free_kib());
	malloc_rounds();
	mmap_round();
	brk_round();
	reserve_round();
	stack_round();
	stack_full_round();
	threads_round();
	/* After everything: malloc works as at the start. */
	void *p = malloc(64 * KIB);
	CHECK(p != NULL);
	free(p);
	if (failures) {
		printf("%d checks failed\n", failures);
		return 1;
	}
	printf("SUCCESS\n");
	return 0;
}
