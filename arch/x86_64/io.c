/* SPDX-License-Identifier: MIT */
/* Port I/O, memory barriers, TSC, halting, hardware random numbers and the user-copy wrappers
 * (SMAP opened around the fault-fixed copy routines of entry.S). */
#include <k/arch.h>
#include <k/errno.h>
#include "x86.h"

void arch_outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
void arch_outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
void arch_outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
uint8_t arch_inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
uint16_t arch_inw(uint16_t port) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
uint32_t arch_inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

/* x86 keeps loads in order with loads and stores with stores on write-back
 * memory, so arch_rmb/arch_wmb only stop the compiler; a load may pass an
 * earlier store, so arch_mb needs mfence (publish a ring index, then read
 * the other side's flags). Not for write-combining memory (sfence). */
void arch_mb(void) { __asm__ volatile("mfence" ::: "memory"); }
void arch_rmb(void) { __asm__ volatile("" ::: "memory"); }
void arch_wmb(void) { __asm__ volatile("" ::: "memory"); }

uint64_t arch_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

void arch_pause(void) { __asm__ volatile("pause"); }
/* sti takes effect after the next instruction, so no interrupt slips in
 * between the two and the halt cannot miss its wake-up. */
void arch_wait_for_interrupt(void) { __asm__ volatile("sti; hlt; cli" ::: "memory"); }
void arch_irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }
bool arch_irq_on(void)
{
	uint64_t f;
	__asm__ volatile("pushfq; popq %0" : "=r"(f));
	return (f & 0x200) != 0;
}

bool arch_random64(uint64_t *out)
{
	unsigned char ok;
	for (int i = 0; i < 10; i++) {
		if (cpu_feat.rdseed) {
			__asm__ volatile("rdseed %0; setc %1" : "=r"(*out), "=qm"(ok));
			if (ok)
				return true;
		}
		if (cpu_feat.rdrand) {
			__asm__ volatile("rdrand %0; setc %1" : "=r"(*out), "=qm"(ok));
			if (ok)
				return true;
		}
		if (!cpu_feat.rdrand && !cpu_feat.rdseed)
			return false;
	}
	return false;
}

int copy_user_raw(void *dst, const void *src, size_t n);
int copy_user_nofault_raw(void *dst, const void *src, size_t n);
int clear_user_raw(void *dst, size_t n);
long strncpy_user_raw(char *dst, const char *src, size_t n);

int arch_copy_from_user(void *dst, const void *usrc, size_t n)
{
	stac();
	int r = copy_user_raw(dst, usrc, n);
	clac();
	return r;
}

int arch_copy_from_user_nofault(void *dst, const void *usrc, size_t n)
{
	stac();
	int r = copy_user_nofault_raw(dst, usrc, n);
	clac();
	return r;
}

int arch_copy_to_user(void *udst, const void *src, size_t n)
{
	stac();
	int r = copy_user_raw(udst, src, n);
	clac();
	return r;
}

int arch_clear_user(void *udst, size_t n)
{
	stac();
	int r = clear_user_raw(udst, n);
	clac();
	return r;
}

long arch_strncpy_from_user(char *dst, const char *usrc, size_t n)
{
	stac();
	long r = strncpy_user_raw(dst, usrc, n);
	clac();
	return r;
}
