/* SPDX-License-Identifier: MIT */
/*
 * Clock hardware: TSC frequency (CPUID 0x15/0x16, else counted against PIT
 * channel 0 read through latches), the CMOS RTC (MC146818 registers,
 * BCD or binary), the 8259 PICs (remapped and masked) and the local APIC timer
 * in one-shot mode (TSC-deadline where the CPU has it).
 */
#include <k/arch.h>
#include <k/console.h>
#include <k/sched.h>
#include <k/time.h>
#include <k/vmm.h>
#include "x86.h"
#include "timer.h"

#define LAPIC_BASE 0xfee00000ull
#define LAPIC_SVR 0xf0
#define LAPIC_EOI 0xb0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0

static volatile uint32_t *lapic;
static uint64_t lapic_hz; /* timer counts per second at divide 1 */

static uint32_t lapic_rd(uint32_t reg) { return lapic[reg / 4]; }
static void lapic_wr(uint32_t reg, uint32_t v) { lapic[reg / 4] = v; }

static uint16_t pit_read0(void)
{
	arch_outb(0x43, 0x00); /* latch channel 0 */
	uint8_t lo = arch_inb(0x40);
	return (uint16_t)(lo | arch_inb(0x40) << 8);
}

#define PIT_HZ 1193182

/* One read of PIT channel 0 (through a latch: port 0x61's gate and OUT2 bits
 * are not on every machine, microvm has no speaker port) with the TSC just
 * before and just after it: the count was latched somewhere in [t0, t1]. On a
 * busy host a vCPU can stop for
 * milliseconds between any two instructions (QEMU's thread preempted, or
 * waiting for QEMU's global lock to emulate a port access): a TSC read taken
 * next to a PIT read, without such a bracket, had the frequency 1-6% high in 3
 * of 16 boots under load, and 2.5 times too high in one. */
struct pit_sample {
	uint64_t t0, t1;
	uint16_t count;
};

static void pit_sample(struct pit_sample *s)
{
	s->t0 = arch_rdtsc();
	s->count = pit_read0();
	s->t1 = arch_rdtsc();
}

/* TSC ticks between the middles of two samples at least `pit` input clocks
 * apart (*counts: how many), *slack the two brackets' widths together (the
 * result is off by at most half of it). The PIT wraps every 65,536 clocks
 * (55 ms): a stop that long inside the window goes unseen here. 0 when the
 * PIT does not count. */
static uint64_t pit_window(uint16_t pit, uint32_t *counts, uint64_t *slack)
{
	struct pit_sample a, b;
	pit_sample(&a);
	do {
		pit_sample(&b);
		/* About 1 s without a change (no PIT here), or 10 s in all. */
		if (b.t1 - a.t1 > (b.count == a.count ? 2000000000ull : 20000000000ull))
			return 0;
	} while ((uint16_t)(a.count - b.count) < pit);
	*counts = (uint16_t)(a.count - b.count);
	*slack = (a.t1 - a.t0) + (b.t1 - b.t0);
	return (b.t0 + b.t1) / 2 - (a.t0 + a.t1) / 2;
}

/* Two windows of 5 ms back to back (10 ms in all, as one used to take): each
 * with brackets under 1/1024 of it (a loaded host's TCG: about 1/5000), and
 * agreeing within 0.1% (which a PIT wrap hidden in one of them cannot).
 * Otherwise again, at most 8 times, keeping the attempt whose windows agreed
 * best. 0 when the PIT does not count. */
static uint64_t pit_calibrate(void)
{
	uint64_t best = 0, best_diff = UINT64_MAX;
	struct pit_sample warm;
	pit_sample(&warm); /* under TCG the first run of this code is slow: translation */
	for (int i = 0; i < 8; i++) {
		uint32_t c1, c2;
		uint64_t s1, s2;
		uint64_t t1 = pit_window(PIT_HZ / 200, &c1, &s1);
		uint64_t t2 = t1 ? pit_window(PIT_HZ / 200, &c2, &s2) : 0;
		if (!t2)
			return 0;
		uint64_t f1 = t1 * PIT_HZ / c1, f2 = t2 * PIT_HZ / c2;
		uint64_t f = (t1 + t2) * PIT_HZ / (c1 + c2);
		uint64_t diff = f1 > f2 ? f1 - f2 : f2 - f1;
		if (diff <= f / 1000 && s1 <= t1 / 1024 && s2 <= t2 / 1024)
			return f;
		if (diff < best_diff) {
			best_diff = diff;
			best = f;
		}
	}
	return best;
}

uint64_t arch_tsc_hz(const char **source)
{
	uint32_t r[4];
	if (cpu_feat.max_leaf >= 0x15) {
		cpuid(0x15, 0, r);
		if (r[0] && r[1] && r[2]) {
			*source = "CPUID 0x15";
			return (uint64_t)r[2] * r[1] / r[0];
		}
	}
	if (cpu_feat.max_leaf >= 0x16) {
		cpuid(0x16, 0, r);
		if (r[0]) {
			*source = "CPUID 0x16";
			return (uint64_t)(r[0] & 0xffff) * 1000000;
		}
	}
	/* Channel 0, lo/hi, mode 2, binary, a period of 65,536 (written as 0), so
	 * that counts subtract modulo 2^16. */
	arch_outb(0x43, 0x34);
	arch_outb(0x40, 0);
	arch_outb(0x40, 0);
	uint64_t hz = pit_calibrate();
	if (hz)
		*source = "PIT";
	return hz;
}

static uint8_t cmos(uint8_t reg)
{
	arch_outb(0x70, reg);
	return arch_inb(0x71);
}

static uint64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	/* Days since 1970-01-01 of a proleptic Gregorian date. */
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (uint64_t)(era * 146097 + (int64_t)doe - 719468);
}

bool arch_rtc_read(uint64_t *epoch)
{
	uint8_t v[6], prev[6];
	int tries = 0;
	/* Read until two consecutive reads agree and no update is in progress. */
	do {
		for (int spin = 0; (cmos(0x0a) & 0x80) && spin < 100000; spin++)
			;
		for (int i = 0; i < 6; i++)
			prev[i] = v[i];
		v[0] = cmos(0x00); v[1] = cmos(0x02); v[2] = cmos(0x04);
		v[3] = cmos(0x07); v[4] = cmos(0x08); v[5] = cmos(0x09);
	} while (++tries < 5 && (tries == 1 || __builtin_memcmp(v, prev, 6)));
	if (v[0] == 0xff && v[5] == 0xff)
		return false;
	uint8_t b = cmos(0x0b);
	bool pm = v[2] & 0x80;
	v[2] &= 0x7f;
	if (!(b & 0x04))
		for (int i = 0; i < 6; i++)
			v[i] = (uint8_t)((v[i] & 0x0f) + (v[i] >> 4) * 10);
	unsigned hour = v[2];
	if (!(b & 0x02))
		hour = (hour % 12) + (pm ? 12 : 0);
	/* A port with no RTC behind it (Firecracker's PVH boot) reads whatever the
	 * VMM leaves there: a date out of range is no clock. */
	if (v[0] > 59 || v[1] > 59 || hour > 23 || v[3] < 1 || v[3] > 31 || v[4] < 1 ||
	    v[4] > 12 || v[5] > 99)
		return false;
	uint64_t days = days_from_civil(2000 + v[5], v[4], v[3]);
	*epoch = days * 86400 + hour * 3600 + v[1] * 60 + v[0];
	return true;
}

static void pic_disable(void)
{
	/* Remap the 8259s to vectors 0x20-0x2f, then mask every line: a spurious
	 * IRQ then lands on a harmless vector instead of an exception's. */
	static const uint8_t seq[][2] = {
		{ 0x20, 0x11 }, { 0xa0, 0x11 }, { 0x21, 0x20 }, { 0xa1, 0x28 },
		{ 0x21, 0x04 }, { 0xa1, 0x02 }, { 0x21, 0x01 }, { 0xa1, 0x01 },
		{ 0x21, 0xff }, { 0xa1, 0xff },
	};
	for (unsigned i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
		arch_outb(seq[i][0], seq[i][1]);
}

void timer_init(void)
{
	pic_disable();
	wrmsr(MSR_APIC_BASE, (rdmsr(MSR_APIC_BASE) & ~0xfffull) | LAPIC_BASE | (1u << 11));
	vmm_map_mmio(LAPIC_BASE, 0x1000);
	lapic = (volatile uint32_t *)LAPIC_BASE;
	lapic_wr(LAPIC_SVR, 0x100 | VEC_SPURIOUS);
	lapic_wr(LAPIC_LVT_TIMER, 1u << 16); /* masked */
}

void timer_eoi(void)
{
	lapic_wr(LAPIC_EOI, 0);
}

void lapic_init_ap(void)
{
	wrmsr(MSR_APIC_BASE, (rdmsr(MSR_APIC_BASE) & ~0xfffull) | LAPIC_BASE | (1u << 11));
	lapic_wr(LAPIC_SVR, 0x100 | VEC_SPURIOUS);
	lapic_wr(LAPIC_LVT_TIMER, 1u << 16);
}

uint32_t lapic_id(void)
{
	return lapic ? lapic_rd(0x20) >> 24 : 0;
}

void lapic_send(uint32_t apic_id, uint32_t icr_low)
{
	/* Wait for the previous IPI to leave (delivery status, bit 12). */
	for (int i = 0; i < 1000000 && (lapic_rd(0x300) & (1u << 12)); i++)
		arch_pause();
	lapic_wr(0x310, apic_id << 24);
	lapic_wr(0x300, icr_low);
}

void arch_send_ipi(int cpu, int vector)
{
	lapic_send(cpus[cpu].apic_id, (uint32_t)vector | (1u << 14));
}

void arch_wake_cpu(int cpu)
{
	if (cpu == this_cpu()->id)
		return; /* the caller's core sees its mailbox before it next halts */
	arch_send_ipi(cpu, VEC_IPI_WAKE);
}

static void lapic_calibrate(void)
{
	lapic_wr(LAPIC_TIMER_DIV, 0xb); /* divide by 1 */
	lapic_wr(LAPIC_LVT_TIMER, 1u << 16);
	lapic_wr(LAPIC_TIMER_INIT, 0xffffffff);
	uint64_t hz = time_tsc_hz();
	uint64_t t0 = arch_rdtsc(), span = hz / 1000; /* 1 ms */
	while (arch_rdtsc() - t0 < span)
		arch_pause();
	uint32_t used = 0xffffffff - lapic_rd(LAPIC_TIMER_CUR);
	uint64_t dt = arch_rdtsc() - t0;
	lapic_wr(LAPIC_TIMER_INIT, 0);
	lapic_hz = dt ? (uint64_t)used * hz / dt : 0;
	if (!lapic_hz)
		lapic_hz = 1000000000;
}

void arch_timer_arm(uint64_t deadline)
{
	if (!lapic)
		return;
	if (cpu_feat.tsc_deadline) {
		if (deadline == 0) {
			wrmsr(MSR_TSC_DEADLINE, 0);
			return;
		}
		lapic_wr(LAPIC_LVT_TIMER, (2u << 17) | VEC_TIMER);
		wrmsr(MSR_TSC_DEADLINE, deadline);
		return;
	}
	if (deadline == 0) {
		lapic_wr(LAPIC_TIMER_INIT, 0);
		return;
	}
	if (!lapic_hz)
		lapic_calibrate();
	uint64_t now = arch_rdtsc();
	uint64_t ticks = deadline > now ? deadline - now : 1;
	uint64_t hz = time_tsc_hz();
	uint64_t count = ticks >= 4 * hz ? 0xffffffff : ticks * (lapic_hz / 1000) / (hz / 1000);
	if (count == 0)
		count = 1;
	if (count > 0xffffffff)
		count = 0xffffffff;
	lapic_wr(LAPIC_TIMER_DIV, 0xb);
	lapic_wr(LAPIC_LVT_TIMER, VEC_TIMER); /* one-shot */
	lapic_wr(LAPIC_TIMER_INIT, (uint32_t)count);
}
