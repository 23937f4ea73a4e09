/* SPDX-License-Identifier: MIT */
/*
 * lwIP's memory (its heap and every pool: lwipopts.h, MEM_LIBC_MALLOC and
 * MEMP_MEM_MALLOC) from the per-core kernel heap, so nothing is reserved at
 * boot and no fixed count of connections, segments or buffers exists. The
 * stack as a whole may hold at most half of memory: past that an allocation
 * fails and lwIP does what it does when its pools run dry (drops a frame,
 * recycles a TIME_WAIT connection, reports ERR_MEM), and the program keeps
 * the other half. Each block carries its size in a 16-byte header.
 *
 * lwIP treats one failure as fatal: a timer it cannot allocate (sys_timeout
 * asserts), and a TCP timer that is not re-armed would stall every
 * connection for good. So small blocks fall back on a reserve of their own
 * when the heap or the cap refuses them: blocks of a timer's size may take
 * every slot, other small ones all but the last eight.
 */
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <k/console.h>
#include <k/kheap.h>
#include <k/pmm.h>
#include <k/string.h>

#include "lwip/timeouts.h"

#define HDR 16
#define RESERVE_SLOTS 32
#define RESERVE_SIZE 48          /* bytes a reserve block holds */
#define RESERVE_KEEP 8           /* slots only timers may take */
#define TIMER_SIZE LWIP_MEM_ALIGN_SIZE(sizeof(struct sys_timeo))
_Static_assert(TIMER_SIZE <= RESERVE_SIZE, "a timer fits a reserve block");

static size_t used, cap;
static _Alignas(16) char reserve[RESERVE_SLOTS][HDR + RESERVE_SIZE];
static uint32_t reserve_busy; /* a bit a slot */

static void *reserve_take(size_t size)
{
	if (size > RESERVE_SIZE)
		return NULL;
	uint32_t busy = __atomic_load_n(&reserve_busy, __ATOMIC_RELAXED);
	for (;;) {
		int n = 0; /* (no __builtin_popcount: it calls libgcc, which is the program's) */
		for (uint32_t b = busy; b; b &= b - 1)
			n++;
		if (n == RESERVE_SLOTS || (size != TIMER_SIZE && n >= RESERVE_SLOTS - RESERVE_KEEP))
			return NULL;
		int i = __builtin_ctz(~busy);
		if (__atomic_compare_exchange_n(&reserve_busy, &busy, busy | (1u << i), false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
			*(size_t *)reserve[i] = 0; /* not charged */
			return reserve[i] + HDR;
		}
	}
}

static bool reserve_give(char *b)
{
	if (b < reserve[0] || b >= reserve[RESERVE_SLOTS])
		return false;
	unsigned i = (unsigned)((b - reserve[0]) / sizeof(reserve[0]));
	__atomic_and_fetch(&reserve_busy, ~(1u << i), __ATOMIC_RELEASE);
	return true;
}

static void refused(size_t n)
{
	static bool told;
	if (!__atomic_exchange_n(&told, true, __ATOMIC_RELAXED))
		kprintf("toro: net: out of memory for the network stack (%zu bytes in use, "
			"%zu asked, cap %zu): frames are dropped until some is freed\n",
			__atomic_load_n(&used, __ATOMIC_RELAXED), n, cap);
}

static bool charge(size_t n)
{
	if (!cap)
		cap = pmm_total_pages() * 4096 / 2;
	size_t now = __atomic_add_fetch(&used, n, __ATOMIC_RELAXED);
	if (now <= cap)
		return true;
	__atomic_sub_fetch(&used, n, __ATOMIC_RELAXED);
	refused(n);
	return false;
}

void *net_mem_malloc(size_t size)
{
	size_t n = size + HDR;
	if (n < size)
		return NULL;
	if (!charge(n))
		return reserve_take(size);
	char *p = kmalloc(n);
	if (!p) {
		__atomic_sub_fetch(&used, n, __ATOMIC_RELAXED);
		refused(n);
		return reserve_take(size);
	}
	*(size_t *)p = n;
	return p + HDR;
}

void *net_mem_calloc(size_t count, size_t size)
{
	if (size && count > (size_t)-1 / size)
		return NULL;
	void *p = net_mem_malloc(count * size);
	if (p)
		memset(p, 0, count * size);
	return p;
}

void net_mem_free(void *p)
{
	if (!p)
		return;
	char *b = (char *)p - HDR;
	if (reserve_give(b))
		return;
	__atomic_sub_fetch(&used, *(size_t *)b, __ATOMIC_RELAXED);
	kfree(b);
}

size_t net_mem_used(void) { return __atomic_load_n(&used, __ATOMIC_RELAXED); }
