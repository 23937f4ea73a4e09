/* SPDX-License-Identifier: MIT */
/* smp_malloc: memory calls from every core at once. 4 threads on different
 * cores each malloc, fill, check and free 400 blocks from 1 byte to 256 KiB
 * (the big ones are mmap'd by musl, the small ones come from brk), and mmap,
 * fill, check and munmap 30 regions of their own: no block ever holds another
 * thread's bytes, every call succeeds, and the memory is all free again after. */
// expect-output: SUCCESS
// machines: microvm q35
// pvh-machines: none
// smp: 2 4
// args: -- {smp}
// host-args: {smp}
// mem: 64
// timeout: 120
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <toro/thread.h>

#define NTHREADS 4
#define SLOTS 24
#define MALLOCS 400
#define MMAPS 30

static int failures;

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			printf("FAIL line %d: %s (errno %d %s)\n", __LINE__, #cond,    \
			       errno, strerror(errno));                                \
			__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);            \
		}                                                                      \
	} while (0)

static int ncpu;

struct block {
	unsigned char *p;
	size_t size;
	unsigned char tag;
};

struct result {
	long allocs, bad, failed;
	int cpu;
};

static uint32_t next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static size_t pick_size(uint32_t *s)
{
	uint32_t r = next_rand(s);
	switch (r % 8) {
	case 0: return 1 + r % 16;
	case 1: case 2: case 3: return 16 + r % 1024;
	case 4: case 5: return 1024 + r % (32 << 10);
	case 6: return (32 << 10) + r % (96 << 10);
	default: return (128 << 10) + r % (128 << 10);   /* mmap'd by malloc */
	}
}

/* Every byte of a block holds its tag; a few spots are checked for speed. */
static int block_ok(const struct block *b)
{
	size_t step = b->size > 4096 ? 509 : 1;
	for (size_t i = 0; i < b->size; i += step)
		if (b->p[i] != b->tag)
			return 0;
	return b->p[b->size - 1] == b->tag;
}

static struct result results[NTHREADS];

static void *malloc_worker(void *arg)
{
	int me = (int)(intptr_t)arg;
	struct result *r = &results[me];
	struct block slot[SLOTS];
	memset(slot, 0, sizeof(slot));
	uint32_t seed = 0x9e3779b9u * (uint32_t)(me + 1);
	r->cpu = sched_getcpu();
	for (int i = 0; i < MALLOCS; i++) {
		struct block *b = &slot[next_rand(&seed) % SLOTS];
		if (b->p) {
			if (!block_ok(b))
				r->bad++;
			free(b->p);
			b->p = NULL;
		}
		b->size = pick_size(&seed);
		b->tag = (unsigned char)(me * 64 + i % 64 + 1);
		b->p = malloc(b->size);
		if (!b->p) {
			r->failed++;
			continue;
		}
		memset(b->p, b->tag, b->size);
		r->allocs++;
		if (i % 7 == 0) {
			/* Grow or shrink one in place or by moving it. */
			size_t n = pick_size(&seed);
			unsigned char *q = realloc(b->p, n);
			if (!q) {
				r->failed++;
				continue;
			}
			size_t keep = n < b->size ? n : b->size;
			b->p = q;
			b->size = keep;
			if (!block_ok(b))
				r->bad++;
			b->size = n;
			memset(b->p, b->tag, n);
		}
	}
	for (int i = 0; i < SLOTS; i++) {
		if (slot[i].p) {
			if (!block_ok(&slot[i]))
				r->bad++;
			free(slot[i].p);
		}
	}
	for (int i = 0; i < MMAPS; i++) {
		size_t size = (size_t)(1 + next_rand(&seed) % 32) * 4096;
		unsigned char *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			r->failed++;
			continue;
		}
		/* Fresh anonymous memory is zero, whoever had it before. */
		for (size_t k = 0; k < size; k += 4096)
			if (p[k] != 0 || p[k + 4095] != 0)
				r->bad++;
		memset(p, me + 1, size);
		for (size_t k = 0; k < size; k += 1024)
			if (p[k] != me + 1)
				r->bad++;
		if (munmap(p, size) != 0)
			r->failed++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int want = argc > 1 ? atoi(argv[1]) : -1;
	ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	CHECK(ncpu == want);
	if (ncpu < 1) {
		printf("FAIL: %d cpus\n", ncpu);
		return 1;
	}
	struct sysinfo before, after;
	CHECK(sysinfo(&before) == 0);
	pthread_t t[NTHREADS];
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < NTHREADS; i++) {
		int r = toro_thread_create_on(&t[i], i % ncpu, malloc_worker, (void *)(intptr_t)i);
		if (r) {
			printf("FAIL: toro_thread_create_on(%d): %s\n", i % ncpu, strerror(r));
			return 1;
		}
	}
	for (int i = 0; i < NTHREADS; i++)
		CHECK(pthread_join(t[i], NULL) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
	for (int i = 0; i < NTHREADS; i++) {
		struct result *r = &results[i];
		printf("thread on core %d: %ld blocks, %ld failed calls, %ld bad bytes\n", r->cpu,
		       r->allocs, r->failed, r->bad);
		CHECK(r->failed == 0);
		CHECK(r->bad == 0);
		CHECK(r->allocs == MALLOCS);
	}
	CHECK(sysinfo(&after) == 0);
	long lost_kib = ((long)before.freeram - (long)after.freeram) * (long)before.mem_unit / 1024;
	printf("%ld ms; free memory %ld KiB lower than before the threads\n", ms, lost_kib);
#ifdef __toro__
	/* Thread stacks and malloc's own caches may stay; not the 256 KiB blocks.
	 * (On Linux other processes move free memory as they like.) */
	CHECK(lost_kib < 8192);
#endif
	if (failures) {
		printf("%d checks failed\n", failures);
		return 1;
	}
	printf("SUCCESS\n");
	return 0;
}
