/* SPDX-License-Identifier: MIT */
/*
 * The wall clock from KVM's paravirtual clock, for VMMs without a CMOS RTC
 * (Firecracker on x86). KVM's documented interface (the kernel's
 * Documentation/virt/kvm/x86/msr.rst and cpuid.rst): CPUID 0x40000000 says
 * "KVMKVMKVM", 0x40000001 EAX bit 3 is KVM_FEATURE_CLOCKSOURCE2; MSR
 * 0x4b564d00 takes the address of {u32 version, sec, nsec}, the wall time at
 * the guest's system time 0; MSR 0x4b564d01 (bit 0 = enable) that of the
 * 32-byte vCPU time record {u32 version, pad; u64 tsc_timestamp, system_time;
 * u32 tsc_to_system_mul; s8 tsc_shift; u8 flags}. A version that is odd, or
 * changes during the read, means the host was writing: read again.
 * Not exercised here (QEMU TCG has no kvmclock): see docs/deploy.md.
 */
#include <k/arch.h>
#include <k/time.h>
#include "x86.h"

#define MSR_WALL 0x4b564d00u
#define MSR_SYSTEM_TIME 0x4b564d01u
#define FEATURE_CLOCKSOURCE2 (1u << 3)

struct kvm_wall { volatile uint32_t version, sec, nsec; };
struct kvm_vcpu_time {
	volatile uint32_t version, pad0;
	volatile uint64_t tsc_timestamp, system_time;
	volatile uint32_t mul;
	volatile int8_t shift;
	volatile uint8_t flags, pad[2];
};

static bool have_kvmclock(void)
{
	uint32_t r[4];
	cpuid(0x40000000, 0, r);
	if (r[1] != 0x4b4d564b || r[2] != 0x564b4d56 || r[3] != 0x4d) /* "KVMKVMKVM\0\0\0" */
		return false;
	if (r[0] < 0x40000001)
		return false;
	cpuid(0x40000001, 0, r);
	return r[0] & FEATURE_CLOCKSOURCE2;
}

static uint64_t system_ns(const struct kvm_vcpu_time *t)
{
	uint32_t v;
	uint64_t ns;
	int tries = 0;
	do {
		v = t->version;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		uint64_t d = arch_rdtsc() - t->tsc_timestamp;
		d = t->shift >= 0 ? d << t->shift : d >> -t->shift;
		ns = t->system_time + (uint64_t)(((unsigned __int128)d * t->mul) >> 32);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while (((v & 1) || v != t->version) && ++tries < 1000);
	return ns;
}

bool arch_kvmclock_wall(uint64_t *epoch_ns)
{
	static struct kvm_wall wall __attribute__((aligned(16)));
	static struct kvm_vcpu_time vt __attribute__((aligned(32)));
	if (!have_kvmclock())
		return false;
	/* Kernel data is identity-mapped: its virtual address is its physical one. */
	wrmsr(MSR_SYSTEM_TIME, (uint64_t)(uintptr_t)&vt | 1);
	wrmsr(MSR_WALL, (uint64_t)(uintptr_t)&wall);
	uint32_t v;
	uint64_t base;
	int tries = 0;
	do {
		v = wall.version;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		base = (uint64_t)wall.sec * NSEC_PER_SEC + wall.nsec;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while (((v & 1) || v != wall.version) && ++tries < 1000);
	uint64_t now = base + system_ns(&vt);
	wrmsr(MSR_SYSTEM_TIME, 0); /* the host stops writing the record */
	*epoch_ns = now;
	return base != 0;
}
