/* SPDX-License-Identifier: MIT */
/*
 * Clock hardware: TSC frequency (CPUID 0x15, the hypervisor's leaf 0x40000010,
 * else CPUID 0x16 or 0.5 ms of PIT channel 0 read through latches, refined
 * later over a second), the CMOS RTC (MC146818 registers,
 * BCD or binary), the 8259 PICs (remapped and masked) and the local APIC timer
 * in one-shot mode (TSC-deadline where the CPU has it).
 */
#include <k/arch.h>
#include <k/console.h>
#include <k/errno.h>
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
 * busy host a vCPU can stop for milliseconds between any two instructions
 * (QEMU's thread preempted, or waiting for QEMU's global lock to emulate a
 * port access): a TSC read taken next to a PIT read, without such a bracket,
 * had the frequency 1-6% high in 3 of 16 boots under load, and 2.5 times too
 * high in one. With `lapic` the local APIC timer's count is read inside the
 * same bracket: QEMU runs both on its virtual clock. */
struct pit_sample {
	uint64_t t0, t1;
	uint32_t lapic;
	uint16_t count;
};

static void pit_sample(struct pit_sample *s, bool with_lapic)
{
	s->t0 = arch_rdtsc();
	s->count = pit_read0();
	s->lapic = with_lapic ? lapic_rd(LAPIC_TIMER_CUR) : 0;
	s->t1 = arch_rdtsc();
}

static uint64_t mid(const struct pit_sample *s) { return s->t0 / 2 + s->t1 / 2; }

/* The short window at boot: about 0.5 ms of PIT input clocks (QEMU's TCG
 * under -icount: 0.5 M guest instructions), bracket widths under 1/256 of it
 * (0.4%; 1/5000 is usual under TCG, the background refinement below
 * corrects what is left). At most 8 tries, the tightest kept. The local APIC
 * timer counts down through the same window when it has to be used for
 * one-shots (no TSC-deadline mode): its rate comes out of the same
 * measurement instead of a second 1 ms wait. 0 when the PIT does not count. */
#define SHORT_WINDOW (PIT_HZ / 2000)

static uint64_t pit_short(void)
{
	bool with_lapic = lapic && !cpu_feat.tsc_deadline;
	uint64_t best = 0, best_slack = UINT64_MAX;
	struct pit_sample a, b;
	pit_sample(&a, false); /* under TCG the first run of this code is slow: translation */
	if (with_lapic) {
		lapic_wr(LAPIC_TIMER_DIV, 0xb); /* divide by 1 */
		lapic_wr(LAPIC_LVT_TIMER, 1u << 16); /* masked, one-shot */
		lapic_wr(LAPIC_TIMER_INIT, 0xffffffff);
	}
	for (int i = 0; i < 8; i++) {
		pit_sample(&a, with_lapic);
		do {
			pit_sample(&b, with_lapic);
			/* About 1 s without a change: no PIT here. */
			if (b.count == a.count && b.t1 - a.t1 > 2000000000ull)
				return 0;
		} while ((uint16_t)(a.count - b.count) < SHORT_WINDOW);
		uint32_t counts = (uint16_t)(a.count - b.count);
		uint64_t span = mid(&b) - mid(&a);
		uint64_t slack = (a.t1 - a.t0) + (b.t1 - b.t0);
		if (slack < best_slack) {
			best_slack = slack;
			best = span * PIT_HZ / counts;
			if (with_lapic)
				lapic_hz = (uint64_t)(a.lapic - b.lapic) * PIT_HZ / counts;
		}
		if (slack <= span / 256)
			break;
	}
	if (with_lapic)
		lapic_wr(LAPIC_TIMER_INIT, 0);
	return best;
}

/* TSC kHz from a hypervisor leaf: 0x40000010 EAX, which VMware defines and
 * QEMU/KVM fills (vmware-cpuid-freq, on when the TSC rate is known) under any
 * signature whose leaf 0x40000000 reaches it. 0 without. */
static uint64_t hypervisor_khz(void)
{
	uint32_t r[4];
	if (!cpu_feat.hypervisor)
		return 0;
	cpuid(0x40000000, 0, r);
	if (r[0] < 0x40000010 || r[0] > 0x400000ff)
		return 0;
	cpuid(0x40000010, 0, r);
	return r[0];
}

uint64_t arch_tsc_hz(const char **source, bool *refine)
{
	uint32_t r[4];
	*refine = false;
	if (cpu_feat.max_leaf >= 0x15) {
		cpuid(0x15, 0, r);
		if (r[0] && r[1] && r[2]) {
			*source = "CPUID 0x15";
			return (uint64_t)r[2] * r[1] / r[0];
		}
	}
	uint64_t khz = hypervisor_khz();
	if (khz) {
		*source = "CPUID 0x40000010";
		return khz * 1000;
	}
	/* 0x16 is the nominal base frequency in MHz: close, not exact (the TSC
	 * may run at another rate): a start for the refinement. */
	if (cpu_feat.max_leaf >= 0x16) {
		cpuid(0x16, 0, r);
		if (r[0]) {
			*source = "CPUID 0x16";
			*refine = true;
			return (uint64_t)(r[0] & 0xffff) * 1000000;
		}
	}
	/* Channel 0, lo/hi, mode 2, binary, a period of 65,536 (written as 0), so
	 * that counts subtract modulo 2^16. */
	arch_outb(0x43, 0x34);
	arch_outb(0x40, 0);
	arch_outb(0x40, 0);
	uint64_t hz = pit_short();
	if (hz) {
		*source = "PIT (0.5 ms)";
		*refine = true;
	}
	return hz;
}

/* The refinement (k/time.h): samples some 10 ms apart, PIT counts summed
 * sample to sample. Two samples more than REFINE_GAP counts apart (a sleep
 * that overslept, a stopped vCPU) may hide a wrap of the 16-bit counter: the
 * sum starts again there. It ends on a sample with a tight bracket at least
 * REFINE_SPAN counts after the first, itself tight. */
#define REFINE_GAP (PIT_HZ / 25)	/* 40 ms of the 55 ms period */
#define REFINE_SPAN PIT_HZ		/* 1 s: one part in 10^5 with 10 us brackets */

static struct {
	struct pit_sample first, last;
	uint64_t counts;
	bool started;
} ref;

int arch_tsc_refine(uint64_t hz, uint64_t *out)
{
	struct pit_sample s;
	pit_sample(&s, false);
	bool tight = s.t1 - s.t0 <= hz / 100000; /* 10 us */
	if (ref.started) {
		uint64_t gap = (mid(&s) - mid(&ref.last)) * PIT_HZ / hz;
		if (gap > REFINE_GAP) {
			ref.started = false;
		} else {
			ref.counts += (uint16_t)(ref.last.count - s.count);
			ref.last = s;
		}
	}
	if (!ref.started) {
		if (tight) {
			ref.first = ref.last = s;
			ref.counts = 0;
			ref.started = true;
		}
		return -EAGAIN;
	}
	if (!tight || ref.counts < REFINE_SPAN)
		return -EAGAIN;
	*out = (mid(&s) - mid(&ref.first)) * PIT_HZ / ref.counts;
	ref.started = false;
	return 0;
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
	/* No wait for the previous IPI's delivery status (bit 12): the local
	 * APICs of processors since the Pentium 4 and the hypervisors' never
	 * report it pending, and reading it is one more exit to the
	 * hypervisor per IPI (on QEMU's TCG one under its global lock). */
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

/* 2*10^8 TSC ticks (0.07-0.2 s at 1-3 GHz) or 10^8 local APIC counts (0.1 s
 * at QEMU's 1 GHz, up to 4 s at a 25 MHz bus): no rate is needed. */
void arch_timer_fallback(void)
{
	if (!lapic)
		return;
	if (cpu_feat.tsc_deadline) {
		lapic_wr(LAPIC_LVT_TIMER, (2u << 17) | VEC_TIMER);
		wrmsr(MSR_TSC_DEADLINE, arch_rdtsc() + 200000000ull);
		return;
	}
	lapic_wr(LAPIC_TIMER_DIV, 0xb);
	lapic_wr(LAPIC_LVT_TIMER, VEC_TIMER); /* one-shot */
	lapic_wr(LAPIC_TIMER_INIT, 100000000u);
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
		/* Each LAPIC write is an exit to the hypervisor (on QEMU's TCG
		 * under its global lock): set the mode once per core. */
		struct cpu *c = this_cpu();
		if (!c->lvt_deadline) {
			lapic_wr(LAPIC_LVT_TIMER, (2u << 17) | VEC_TIMER);
			c->lvt_deadline = true;
		}
		wrmsr(MSR_TSC_DEADLINE, deadline);
		return;
	}
	if (deadline == 0) {
		lapic_wr(LAPIC_TIMER_INIT, 0);
		return;
	}
	uint64_t hz = time_tsc_hz(); /* may measure lapic_hz on the way */
	if (!lapic_hz)
		lapic_calibrate();
	uint64_t now = arch_rdtsc();
	uint64_t ticks = deadline > now ? deadline - now : 1;
	uint64_t count = ticks >= 4 * hz ? 0xffffffff : ticks * (lapic_hz / 1000) / (hz / 1000);
	if (count == 0)
		count = 1;
	if (count > 0xffffffff)
		count = 0xffffffff;
	lapic_wr(LAPIC_TIMER_DIV, 0xb);
	lapic_wr(LAPIC_LVT_TIMER, VEC_TIMER); /* one-shot */
	lapic_wr(LAPIC_TIMER_INIT, (uint32_t)count);
}
