/* SPDX-License-Identifier: MIT */
/*
 * Monotonic and wall-clock time on the TSC; sleeping on the one-shot timer.
 * The TSC's frequency comes from the CPU or the hypervisor when they tell it,
 * else from a short measurement (arch_tsc_hz) that a kernel timer refines
 * over the next second (time_refine_start). A change of frequency takes effect
 * at a TSC value a little in the future, with the time there computed at the
 * old rate: time stays continuous and never goes back (k/time.h).
 */
#include <k/arch.h>
#include <k/console.h>
#include <k/errno.h>
#include <k/ktimer.h>
#include <k/time.h>

bool time_debug;
bool time_no_cmos; /* set at boot by the Linux 64-bit entry: kvmclock instead */

/* ns(t) = base_ns + ((t - base_tsc) * mult >> 32) for t >= base_tsc; before
 * base_tsc the other slot's rate applies. Two slots, the current one
 * gen & 1: a change writes the other slot, then bumps gen; a reader that sees
 * gen change under it reads again. Changes are seconds apart (one per boot
 * today), so a reader never meets a slot being rewritten twice. */
struct clock_rate {
	uint64_t base_tsc, base_ns, hz, mult;
};

static struct clock_rate rates[2];
static volatile uint32_t gen;
static volatile int hz_state; /* 0 unknown, 1 being measured, 2 known */
static bool refine_wanted;
static volatile int refine_armed;
static uint64_t tsc0;
static uint64_t wall_base_ns;
static bool wall_known;

/* A change of rate applies this far ahead of the moment it is made, so that
 * any core reading the clock meanwhile still uses the old rate. */
#define CHANGE_AHEAD_NS (10 * 1000000ull)
#define REFINE_PERIOD_NS (10 * 1000000ull)
#define REFINE_GIVE_UP_NS (30 * NSEC_PER_SEC)

static void rate_set(struct clock_rate *r, uint64_t hz, uint64_t base_tsc, uint64_t base_ns)
{
	r->hz = hz;
	r->mult = (NSEC_PER_SEC << 32) / hz;
	r->base_tsc = base_tsc;
	r->base_ns = base_ns;
}

void time_init(uint64_t boot_tsc) { tsc0 = boot_tsc; }

static void measure(void)
{
	const char *src = "unknown";
	bool refine = false;
	uint64_t hz = arch_tsc_hz(&src, &refine);
	if (hz < 1000000) {
		kprintf("toro: TSC frequency unknown, assuming 1 GHz\n");
		hz = 1000000000;
		refine = false;
	}
	rate_set(&rates[0], hz, tsc0, 0);
	rates[1] = rates[0];
	refine_wanted = refine;
	if (time_debug)
		kprintf("toro: TSC %lu Hz from %s\n", hz, src);
}

/* The rate for TSC value t, read consistently against a change. */
static struct clock_rate rate_at(uint64_t *t)
{
	struct clock_rate r;
	uint32_t g;
	if (__atomic_load_n(&hz_state, __ATOMIC_ACQUIRE) != 2)
		time_tsc_hz();
	do {
		g = __atomic_load_n(&gen, __ATOMIC_ACQUIRE);
		*t = arch_rdtsc();
		r = rates[g & 1];
		if (*t < r.base_tsc)
			r = rates[(g + 1) & 1];
	} while (__atomic_load_n(&gen, __ATOMIC_ACQUIRE) != g);
	return r;
}

uint64_t time_tsc_hz(void)
{
	int expected = 0;
	if (__atomic_load_n(&hz_state, __ATOMIC_ACQUIRE) == 2)
		return rates[__atomic_load_n(&gen, __ATOMIC_ACQUIRE) & 1].hz;
	if (__atomic_compare_exchange_n(&hz_state, &expected, 1, false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE)) {
		measure();
		__atomic_store_n(&hz_state, 2, __ATOMIC_RELEASE);
	}
	while (__atomic_load_n(&hz_state, __ATOMIC_ACQUIRE) != 2)
		arch_pause(); /* another core measures: at most a few ms */
	return rates[__atomic_load_n(&gen, __ATOMIC_ACQUIRE) & 1].hz;
}

static uint64_t scaled(uint64_t delta, uint64_t mult)
{
	return (uint64_t)(((unsigned __int128)delta * mult) >> 32);
}

uint64_t time_tsc_to_ns(uint64_t delta)
{
	uint64_t t;
	return scaled(delta, rate_at(&t).mult);
}

/* rate_at written out over the slot in place (no copy of it): the clock is
 * read a few times per request. */
uint64_t time_monotonic_ns(void)
{
	const struct clock_rate *r;
	uint64_t t, ns;
	uint32_t g;
	if (__builtin_expect(__atomic_load_n(&hz_state, __ATOMIC_ACQUIRE) != 2, 0))
		time_tsc_hz();
	do {
		g = __atomic_load_n(&gen, __ATOMIC_ACQUIRE);
		t = arch_rdtsc();
		r = &rates[g & 1];
		if (t < r->base_tsc)
			r = &rates[(g + 1) & 1];
		ns = r->base_ns + scaled(t - r->base_tsc, r->mult);
	} while (__atomic_load_n(&gen, __ATOMIC_ACQUIRE) != g);
	return ns;
}

/* From here on the TSC runs at hz (called by the refinement only: one writer). */
static void time_set_hz(uint64_t hz)
{
	uint64_t now;
	/* No interrupt between reading the clock and publishing: the new rate
	 * must be out before `at`, or a reader on another core could use the
	 * old rate past it and then see time step back. The kernel runs with
	 * interrupts off, so none comes; only a host that stops this vCPU for
	 * CHANGE_AHEAD_NS right here can still do that. (An sti here once left
	 * the timer thread running with interrupts on: a device interrupt then
	 * spun for good on a lock the thread held.) */
	struct clock_rate cur = rate_at(&now);
	uint32_t g = gen;
	uint64_t at = now + time_ns_to_ticks(CHANGE_AHEAD_NS);
	uint64_t at_ns = cur.base_ns + scaled(at - cur.base_tsc, cur.mult);
	/* Readers of gen g use slot g & 1 for every TSC value past its base
	 * (the boot, or the previous change, seconds ago): the other slot is
	 * free. After the bump, slot g & 1 serves readers before `at`. */
	rate_set(&rates[(g + 1) & 1], hz, at, at_ns);
	__atomic_store_n(&gen, g + 1, __ATOMIC_RELEASE);
}

uint64_t time_realtime_ns(void)
{
	if (!wall_known) {
		uint64_t secs, ns;
		uint64_t now = time_monotonic_ns();
		/* Under the Linux 64-bit entry (Firecracker) ports 0x70/0x71 are no
		 * RTC; elsewhere a CMOS that reads back nonsense (a VMM without one)
		 * falls through to kvmclock too. */
		if (!time_no_cmos && arch_rtc_read(&secs)) {
			wall_base_ns = secs * NSEC_PER_SEC - now;
		} else if (arch_kvmclock_wall(&ns)) {
			wall_base_ns = ns - now;
		} else if (time_no_cmos) {
			kprintf("toro: no kvmclock and no CMOS clock (Linux 64-bit entry), "
				"CLOCK_REALTIME starts at 0\n");
			wall_base_ns = 0;
		} else {
			kprintf("toro: no real-time clock, CLOCK_REALTIME starts at 0\n");
			wall_base_ns = 0;
		}
		wall_known = true;
	}
	return wall_base_ns + time_monotonic_ns();
}

uint64_t time_ns_to_ticks(uint64_t ns)
{
	uint64_t hz = time_tsc_hz();
	return ns / NSEC_PER_SEC * hz + ns % NSEC_PER_SEC * hz / NSEC_PER_SEC;
}

uint64_t time_ns_to_tsc_deadline(uint64_t ns)
{
	uint64_t now;
	struct clock_rate r = rate_at(&now);
	if (ns < r.base_ns) {
		/* Before the current rate's base: the previous rate's span. */
		struct clock_rate o = rates[(gen + 1) & 1];
		if (ns < o.base_ns || o.base_tsc >= r.base_tsc)
			return 1; /* long past: due at once (0 would cancel) */
		r = o;
	}
	/* ticks = (ns - base) * hz / 1e9, split to avoid overflow and 128-bit
	 * division: rem * hz < 2^64 below 18 GHz. A deadline past 2^64 ticks
	 * (2^33 s at 2 GHz) saturates: it never comes, rather than wrapping into
	 * the past. */
	uint64_t d = ns - r.base_ns, secs = d / NSEC_PER_SEC, rem = d % NSEC_PER_SEC, t;
	if (__builtin_mul_overflow(secs, r.hz, &t) ||
	    __builtin_add_overflow(t, rem * r.hz / NSEC_PER_SEC, &t) ||
	    __builtin_add_overflow(t, r.base_tsc, &t))
		return UINT64_MAX;
	return t;
}

/* ---- the refinement of a measured frequency ---- */

static uint64_t refine_started_ns;

static uint64_t refine_fire(struct ktimer *t, uint64_t when)
{
	uint64_t hz, old = time_tsc_hz();
	if (arch_tsc_refine(old, &hz) == 0) {
		/* A result far off the first figure is a bad window, not a better one. */
		if (hz > old / 2 && hz < old * 2) {
			time_set_hz(hz);
			if (time_debug)
				kprintf("toro: TSC %lu Hz refined (was %lu)\n", hz, old);
		}
		return 0;
	}
	if (when - refine_started_ns > REFINE_GIVE_UP_NS)
		return 0; /* the samples never lined up: keep the first figure */
	return when + REFINE_PERIOD_NS;
}

static struct ktimer refine_timer = { .fire = refine_fire };

void time_refine_start(void)
{
	/* On every clock read: plain loads first, the exchange once. */
	if (__atomic_load_n(&hz_state, __ATOMIC_ACQUIRE) != 2 || !refine_wanted ||
	    __atomic_load_n(&refine_armed, __ATOMIC_RELAXED) ||
	    __atomic_exchange_n(&refine_armed, 1, __ATOMIC_ACQ_REL))
		return;
	refine_started_ns = time_monotonic_ns();
	if (ktimer_arm(&refine_timer, refine_started_ns + REFINE_PERIOD_NS))
		refine_armed = 0; /* out of memory now: the next call tries again */
}
