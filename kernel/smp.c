/* SPDX-License-Identifier: MIT */
/*
 * Cross-core requests: TLB shootdown. A core that changed user mappings
 * (munmap, mprotect, MADV_DONTNEED) or freed a kernel stack asks every other
 * core to flush the range and waits for all before the pages are reused. A
 * core answers from the IPI, or from any spin loop (spin_lock polls), so a
 * core spinning with interrupts off never holds the requester up for good.
 */
#include <k/arch.h>
#include <k/sched.h>
#include <k/smp.h>
#include <k/spinlock.h>

static struct spinlock tlb_lock = SPINLOCK_INIT;
static volatile uint64_t tlb_gen;
static volatile uint64_t tlb_start, tlb_end;
static volatile int tlb_pending;

void smp_poll(void)
{
	if (ncpus == 1)
		return;
	struct cpu *c = this_cpu();
	uint64_t gen = __atomic_load_n(&tlb_gen, __ATOMIC_ACQUIRE);
	if (c->tlb_gen_done == gen)
		return;
	arch_tlb_flush(tlb_start, tlb_end);
	c->tlb_gen_done = gen;
	__atomic_sub_fetch(&tlb_pending, 1, __ATOMIC_ACQ_REL);
}

void tlb_shootdown(uint64_t start, uint64_t end)
{
	arch_tlb_flush(start, end);
	if (ncpus == 1)
		return;
	spin_lock(&tlb_lock);
	struct cpu *self = this_cpu();
	tlb_start = start;
	tlb_end = end;
	tlb_pending = ncpus - 1;
	uint64_t gen = tlb_gen + 1;
	self->tlb_gen_done = gen; /* not a request to itself */
	__atomic_store_n(&tlb_gen, gen, __ATOMIC_RELEASE);
	for (int i = 0; i < ncpus; i++)
		if (i != self->id)
			arch_send_ipi(i, ARCH_VEC_TLB);
	while (__atomic_load_n(&tlb_pending, __ATOMIC_ACQUIRE) > 0)
		arch_pause();
	spin_unlock(&tlb_lock);
}
