/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for kernel/kstats.c's line: every figure in KiB from the kernel's
 * counts (faked here), sources' words after them, one '\n' at the end, cut to
 * the buffer when sources say too much, and at most KSTATS_MAX_SOURCES sources.
 */
#include <k/kstats.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <k/errno.h>
#include <k/fd.h>
#include <k/fmt.h>
#include <k/pmm.h>
#include <k/uvm.h>

/* ---- the kernel's counts, as the test sets them ---- */

static size_t total = 1000, free_p = 800, user_free = 700, heap = 12, tables = 5;
static struct uvm_stats ust = { .committed = 40, .resident = 30, .reserve = 64, .vmas = 3 };

size_t pmm_total_pages(void) { return total; }
size_t pmm_free_pages(void) { return free_p; }
size_t uvm_free_pages(void) { return user_free; }
void uvm_stats(struct uvm_stats *st) { *st = ust; }
size_t kheap_pages(void) { return heap; }
size_t vmm_table_pages(void) { return tables; }
int thread_count(void) { return 2; }
int fd_count(void) { return 7; }
uint64_t arch_rdtsc(void) { return 1000; }
uint64_t sched_idle_tsc(void) { return 400; }
uint64_t time_monotonic_ns(void) { return 1234567890; }
/* kstats_init's server is not run here. */
struct file *vcon_open_kernel(const char *name) { (void)name; return NULL; }
struct thread *kthread_create(void (*fn)(void *), void *arg, int cpu) { return NULL; }
void file_put(struct file *f) { (void)f; }

static size_t words(char *buf, size_t n)
{
	int r = fmt_snprintf(buf, n, " sockets=%d netmem_kib=%d", 3, 17);
	return (size_t)r < n ? (size_t)r : n - 1;
}

static size_t flood(char *buf, size_t n)
{
	size_t k = n - 1;
	memset(buf, 'x', k);
	buf[k] = 0;
	return k;
}

static void test_line(void **state)
{
	char buf[KSTATS_LINE_MAX];
	size_t n = kstats_line(buf, sizeof(buf));

	assert_int_equal(n, strlen(buf));
	assert_string_equal(buf,
		"toro-stats uptime_ms=1234 mem_total_kib=4000 mem_free_kib=3200 user_free_kib=2800 "
		"user_committed_kib=160 user_resident_kib=120 user_mappings=3 kernel_reserve_kib=256 "
		"kheap_kib=48 "
		"pagetables_kib=20 threads=2 fds=7 tsc=1000 idle_tsc=400\n");
	assert_int_equal(kstats_register(words), 0);
	n = kstats_line(buf, sizeof(buf));
	assert_int_equal(n, strlen(buf));
	assert_non_null(strstr(buf, " idle_tsc=400 sockets=3 netmem_kib=17\n"));
	/* every word KEY=NUMBER, as scripts split them */
	char *save, *w = strtok_r(buf, " \n", &save);
	assert_string_equal(w, "toro-stats");
	int count = 0;
	while ((w = strtok_r(NULL, " \n", &save)) != NULL) {
		char key[40];
		unsigned long v;
		assert_int_equal(sscanf(w, "%39[a-z_]=%lu", key, &v), 2);
		count++;
	}
	assert_int_equal(count, 16);
}

/* A source that fills all the room: the line is cut, still ends in '\n',
 * never overruns; a tiny buffer likewise. Then the source limit. */
static void test_cut_and_limit(void **state)
{
	char buf[KSTATS_LINE_MAX + 8];
	memset(buf, 0x55, sizeof(buf));
	int extra = 0;
	while (kstats_register(extra == 0 ? flood : words) == 0)
		extra++;
	assert_int_equal(kstats_register(words), -ENOSPC);
	assert_true(extra >= 1);
	size_t n = kstats_line(buf, KSTATS_LINE_MAX);
	assert_int_equal(n, KSTATS_LINE_MAX - 1);
	assert_int_equal(buf[n - 1], '\n');
	assert_int_equal(buf[n], 0);
	assert_int_equal((unsigned char)buf[KSTATS_LINE_MAX], 0x55);
	char small[16];
	n = kstats_line(small, sizeof(small));
	assert_int_equal(n, 15);
	assert_int_equal(small[14], '\n');
	assert_int_equal(small[15], 0);
	assert_memory_equal(small, "toro-stats up", 13);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_cut_and_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
