/* SPDX-License-Identifier: MIT */
/*
 * lwIP's memory (its heap and every pool: lwipopts.h, MEM_LIBC_MALLOC and
 * MEMP_MEM_MALLOC) from the per-core kernel heap, so nothing is reserved at
 * boot and no fixed count of connections, segments or buffers exists. The
 * stack as a whole may hold at most half of memory: past that an allocation
 * fails and lwIP does what it does when its pools run dry (drops a frame,
 * recycles a TIME_WAIT connection, reports ERR_MEM), and the program keeps
 * the other half. Each block carries its size in a 16-byte header.
 */
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <k/console.h>
#include <k/kheap.h>
#include <k/pmm.h>
#include <k/string.h>

#define HDR 16

static size_t used, cap;

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
	if (n < size || !charge(n))
		return NULL;
	char *p = kmalloc(n);
	if (!p) {
		__atomic_sub_fetch(&used, n, __ATOMIC_RELAXED);
		refused(n);
		return NULL;
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
	__atomic_sub_fetch(&used, *(size_t *)b, __ATOMIC_RELAXED);
	kfree(b);
}

size_t net_mem_used(void) { return __atomic_load_n(&used, __ATOMIC_RELAXED); }
