/* SPDX-License-Identifier: MIT */
/*
 * The kernel's figures on request (include/k/kstats.h): the line, and a
 * kernel thread serving it on the virtio-console port org.toro.stats. The
 * thread blocks in the port's read while nobody asks (no timer, no polling),
 * and its reads wait across host disconnections.
 */
#include <k/console.h>
#include <k/errno.h>
#include <k/fd.h>
#include <k/fmt.h>
#include <k/kheap.h>
#include <k/arch.h>
#include <k/kstats.h>
#include <k/pmm.h>
#include <k/sched.h>
#include <k/time.h>
#include <k/uvm.h>
#include <k/vmm.h>
#include <k/wait.h>

static kstats_fn sources[KSTATS_MAX_SOURCES];
static int nsources;

int kstats_register(kstats_fn fn)
{
	int i = __atomic_load_n(&nsources, __ATOMIC_ACQUIRE);
	do {
		if (i == KSTATS_MAX_SOURCES)
			return -ENOSPC;
	} while (!__atomic_compare_exchange_n(&nsources, &i, i + 1, false, __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
	__atomic_store_n(&sources[i], fn, __ATOMIC_RELEASE);
	return 0;
}

/* Append to buf[*len..n): fmt_snprintf's result cut to what fitted. */
static void add(char *buf, size_t n, size_t *len, int wrote)
{
	if (wrote > 0)
		*len += (size_t)wrote < n - *len ? (size_t)wrote : n - *len - 1;
}

static unsigned long kib(size_t pages) { return (unsigned long)(pages * (PAGE_SIZE / 1024)); }

size_t kstats_line(char *buf, size_t n)
{
	struct uvm_stats st;
	size_t len = 0;

	uvm_stats(&st);
	/* One byte kept for the '\n'. */
	n--;
	add(buf, n, &len, fmt_snprintf(buf, n,
		"toro-stats uptime_ms=%lu mem_total_kib=%lu mem_free_kib=%lu user_free_kib=%lu "
		"user_committed_kib=%lu user_resident_kib=%lu user_mappings=%lu kernel_reserve_kib=%lu",
		(unsigned long)(time_monotonic_ns() / 1000000), kib(pmm_total_pages()),
		kib(pmm_free_pages()), kib(uvm_free_pages()), kib(st.committed),
		kib(st.resident), (unsigned long)st.vmas, kib(st.reserve)));
	add(buf, n, &len, fmt_snprintf(buf + len, n - len,
		" kheap_kib=%lu pagetables_kib=%lu threads=%d fds=%d", kib(kheap_pages()),
		kib(vmm_table_pages()), thread_count(), fd_count()));
	add(buf, n, &len, fmt_snprintf(buf + len, n - len, " tsc=%lu idle_tsc=%lu",
		(unsigned long)arch_rdtsc(), (unsigned long)sched_idle_tsc()));
	int ns = __atomic_load_n(&nsources, __ATOMIC_ACQUIRE);
	for (int i = 0; i < ns; i++) {
		kstats_fn fn = __atomic_load_n(&sources[i], __ATOMIC_ACQUIRE);
		if (fn && len + 1 < n)
			len += fn(buf + len, n - len);
	}
	buf[len++] = '\n';
	buf[len] = 0; /* there is room: n was one less */
	return len;
}

/* Every '\n' from the host is a request. Ends when the port goes away. */
static void serve(void *arg)
{
	struct file *f = arg;
	char in[64], line[KSTATS_LINE_MAX];
	long r;

	while ((r = f->ops->read(f, in, sizeof(in))) > 0 || r == -EINTR) {
		for (long i = 0; i < r; i++) {
			if (in[i] != '\n')
				continue;
			size_t n = kstats_line(line, sizeof(line));
			f->ops->write(f, line, n); /* a host gone meanwhile: dropped */
		}
	}
	kprintf("toro: %s: the port went away, no more stats\n", KSTATS_PORT);
	file_put(f);
}

void kstats_init(void)
{
	struct file *f = vcon_open_kernel(KSTATS_PORT);
	if (!f)
		return;
	if (!kthread_create(serve, f, 0)) {
		kprintf("toro: %s: out of memory for its thread\n", KSTATS_PORT);
		file_put(f);
	}
}
