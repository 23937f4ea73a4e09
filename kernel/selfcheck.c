/* SPDX-License-Identifier: MIT */
/*
 * The kernel's self-check, a component linked only on request (toro-cc
 * --with=selfcheck): the system call TORO_SYS_SELFCHECK (<toro/selfcheck.h>)
 * asks the kernel whether it is still whole after whatever the program did.
 * It compares a checksum of the kernel's text and read-only data with the one
 * taken at boot, checks the image's page protections (vmm_check), and walks
 * the page allocator (pmm_check), every core's kernel heap (kheap_check, run
 * on each core in turn: the lists are the owner's) and the application's
 * mappings (uvm_check). One console line gives the verdict:
 *     toro: selfcheck ok: kernel text+rodata 184 KiB unchanged, ...
 *     toro: selfcheck FAILED: 2 problems (above)
 * The system call fuzzer (tests/sysfuzz) asks for it at the end of every run.
 */
#include <k/component.h>
#include <k/console.h>
#include <k/errno.h>
#include <k/kheap.h>
#include <k/pmm.h>
#include <k/sched.h>
#include <k/syscall.h>
#include <k/uvm.h>
#include <k/vmm.h>

#define SELFCHECK_QUIET 1 /* arg 0: print the verdict only when something is wrong */

static uint64_t boot_sum;

/* FNV-1a over 64-bit words with a fold: any changed word changes the sum. */
static uint64_t text_sum(void)
{
	const uint64_t *p = (const uint64_t *)__toro_load_start;
	const uint64_t *end = (const uint64_t *)__toro_kdata_start;
	uint64_t h = 0xcbf29ce484222325ull;

	for (; p < end; p++) {
		h = (h ^ *p) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	return h;
}

/* SYSOPT_INIT: at boot, after the drivers, before the program. */
static void selfcheck_boot(const struct cmdline *cl)
{
	(void)cl;
	boot_sum = text_sum();
}

/* Run kheap_check on every core in turn, moving the calling thread. */
static int check_heaps(size_t *pages)
{
	struct thread *t = thread_current();
	int home = t->cpu, bad = 0;
	uint64_t affinity = t->affinity;

	*pages = 0;
	for (int c = 0; c < ncpus; c++) {
		size_t n = 0;

		sched_set_cpu(t, c);
		bad += kheap_check(&n);
		*pages += n;
	}
	sched_set_cpu(t, home);
	t->affinity = affinity;
	return bad;
}

long sys_toro_selfcheck(long flags, long a1, long a2, long a3, long a4, long a5)
{
	size_t heap_pages = 0, mappings = 0;
	int bad = 0;
	uint64_t kib = (uint64_t)(__toro_kdata_start - __toro_load_start) / 1024;

	if (flags & ~(long)SELFCHECK_QUIET)
		return -EINVAL;
	if (text_sum() != boot_sum) {
		kprintf("toro: selfcheck: kernel text or rodata changed since boot\n");
		bad++;
	}
	bad += vmm_check();
	bad += pmm_check((uint64_t)__toro_load_start,
			 (uint64_t)__toro_bss_end - (uint64_t)__toro_load_start);
	bad += uvm_check(&mappings);
	bad += check_heaps(&heap_pages);
	if (bad) {
		kprintf("toro: selfcheck FAILED: %d problem%s (above)\n", bad, bad == 1 ? "" : "s");
		return -EIO;
	}
	if (!(flags & SELFCHECK_QUIET))
		kprintf("toro: selfcheck ok: kernel text+rodata %lu KiB unchanged, image and RAM "
			"mappings intact, %zu free pages, %zu partial heap pages on %d core%s, "
			"%zu mappings, %zu resident pages\n",
			(unsigned long)kib, pmm_free_pages(), heap_pages, ncpus,
			ncpus == 1 ? "" : "s", mappings, uvm_resident_pages());
	return 0;
}

SYSGROUP(selfcheck) = {
	SYSOPT_HOOK(SYSOPT_INIT, selfcheck_boot),
	SYSOPT_CALL(SYS_TORO_SELFCHECK, sys_toro_selfcheck),
};
