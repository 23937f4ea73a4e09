/* SPDX-License-Identifier: MIT */
/* mremap of anonymous memory: shrinking keeps the start and frees the tail
 * (touching it faults); growing in place keeps the address when the pages
 * after are free; with MREMAP_MAYMOVE a mapping hemmed in by another moves,
 * its bytes with it (4 MiB of a pattern, checked), and the old address faults;
 * without MAYMOVE it is ENOMEM; bad flags EINVAL; an unmapped range EFAULT;
 * musl's realloc of a large block grows through it; the memory accounting
 * comes back after (sysinfo's freeram, on Toro). 1 and 2 vCPUs; also on Linux. */
// expect-output: SUCCESS
// reject-output: FAIL
// pvh-machines: none
// smp: 1 2
// timeout: 60
// host-args: -
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <unistd.h>

static int failures;
#define CHECK(cond, ...)                                  \
	do {                                              \
		if (!(cond)) {                            \
			printf("FAIL: " __VA_ARGS__);     \
			printf(" (errno %d)\n", errno);   \
			failures++;                       \
		}                                         \
	} while (0)

static sigjmp_buf jb;
static void on_segv(int sig) { siglongjmp(jb, 1); }

static int faults(volatile char *p)
{
	if (sigsetjmp(jb, 1))
		return 1;
	(void)*p;
	return 0;
}

static void fill(uint32_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = seed + (uint32_t)i * 2654435761u;
}

static size_t bad(const uint32_t *p, size_t n, uint32_t seed)
{
	size_t b = 0;
	for (size_t i = 0; i < n; i++)
		b += p[i] != seed + (uint32_t)i * 2654435761u;
	return b;
}

static unsigned long freeram(void)
{
	struct sysinfo si;
	sysinfo(&si);
	return si.freeram * si.mem_unit;
}

int main(void)
{
	const size_t pg = 4096, mb = 1 << 20;
	signal(SIGSEGV, on_segv);
	unsigned long before = freeram();

	/* shrink */
	char *a = mmap(NULL, 8 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(a != MAP_FAILED, "mmap 8 pages");
	memset(a, 7, 8 * pg);
	char *r = mremap(a, 8 * pg, 2 * pg, 0);
	CHECK(r == a, "shrink keeps the address: %p vs %p", (void *)r, (void *)a);
	CHECK(a[pg] == 7, "the kept pages keep their bytes");
	CHECK(faults(a + 3 * pg), "the cut tail faults");

	/* grow in place: the pages after are freed first */
	char *b = mmap(NULL, 16 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(b != MAP_FAILED, "mmap 16 pages");
	munmap(b + 4 * pg, 12 * pg);
	b[0] = 1;
	r = mremap(b, 4 * pg, 12 * pg, 0);
	CHECK(r == b, "grow in place: %p vs %p", (void *)r, (void *)b);
	if (r == b) {
		b[11 * pg] = 2;
		CHECK(b[0] == 1 && b[11 * pg] == 2, "grown pages usable");
	}

	/* hemmed in: ENOMEM without MAYMOVE, moves with it */
	size_t n = 4 * mb;
	uint32_t *c = mmap(NULL, n + pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(c != MAP_FAILED, "mmap 4 MiB + a page");
	CHECK(mprotect((char *)c + n, pg, PROT_READ) == 0, "a read-only page after it");
	fill(c, n / 4, 99);
	errno = 0;
	CHECK(mremap(c, n, 2 * n, 0) == MAP_FAILED && errno == ENOMEM, "no room, no MAYMOVE: ENOMEM");
	uint32_t *d = mremap(c, n, 2 * n, MREMAP_MAYMOVE);
	CHECK(d != MAP_FAILED && d != c, "MAYMOVE moves it: %p from %p", (void *)d, (void *)c);
	if (d != MAP_FAILED) {
		CHECK(bad(d, n / 4, 99) == 0, "the 4 MiB moved with it: %zu words wrong", bad(d, n / 4, 99));
		memset((char *)d + n, 5, n);
		CHECK(((char *)d)[2 * n - 1] == 5, "the new half usable");
		CHECK(faults((char *)c), "the old address faults");
		munmap(d, 2 * n);
	}
	munmap((char *)c + n, pg);

	errno = 0;
	CHECK(mremap(b, 12 * pg, 13 * pg, 0x40) == MAP_FAILED && errno == EINVAL, "unknown flag: EINVAL");
	errno = 0;
	CHECK(mremap((char *)b + 64 * mb, pg, 2 * pg, MREMAP_MAYMOVE) == MAP_FAILED && errno == EFAULT,
	      "unmapped: EFAULT");
	munmap(a, 2 * pg);
	munmap(b, 12 * pg);

	/* realloc of a big block (musl: mremap when it can) */
	uint32_t *e = malloc(2 * mb);
	CHECK(e != NULL, "malloc 2 MiB");
	fill(e, 2 * mb / 4, 7);
	uint32_t *f = realloc(e, 6 * mb);
	CHECK(f && bad(f, 2 * mb / 4, 7) == 0, "realloc to 6 MiB keeps the bytes");
	free(f ? f : e);

	unsigned long after = freeram();
	long diff = (long)before - (long)after;
	/* Only where the program is the machine (pid 1): a host's free memory
	 * moves with everything else on it. */
	CHECK(getpid() != 1 || diff < 256 * 1024, "free memory back: %lu before, %lu after", before, after);
	printf(failures ? "FAIL: %d\n" : "SUCCESS\n", failures);
	return failures != 0;
}
