/* SPDX-License-Identifier: MIT */
/* Monotonic and wall-clock time on the TSC; sleeping on the one-shot timer. */
#include <k/arch.h>
#include <k/console.h>
#include <k/time.h>

bool time_debug;
bool time_no_cmos; /* set at boot by the Linux 64-bit entry: kvmclock instead */
static uint64_t tsc0, tsc_hz, mult; /* ns = (delta * mult) >> 32 */
static uint64_t wall_base_ns;
static bool wall_known;

void time_init(uint64_t boot_tsc) { tsc0 = boot_tsc; }

uint64_t time_tsc_hz(void)
{
	if (tsc_hz)
		return tsc_hz;
	const char *src = "unknown";
	uint64_t hz = arch_tsc_hz(&src);
	if (hz < 1000000) {
		kprintf("toro: TSC frequency unknown, assuming 1 GHz\n");
		hz = 1000000000;
	}
	mult = (NSEC_PER_SEC << 32) / hz;
	tsc_hz = hz;
	if (time_debug)
		kprintf("toro: TSC %lu Hz from %s\n", hz, src);
	return hz;
}

uint64_t time_tsc_to_ns(uint64_t delta)
{
	time_tsc_hz();
	return (uint64_t)(((unsigned __int128)delta * mult) >> 32);
}

uint64_t time_monotonic_ns(void)
{
	return time_tsc_to_ns(arch_rdtsc() - tsc0);
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
	uint64_t hz = time_tsc_hz();
	/* ticks = ns * hz / 1e9, split to avoid overflow and 128-bit division. */
	uint64_t secs = ns / NSEC_PER_SEC, rem = ns % NSEC_PER_SEC, t;
	/* rem * hz < 2^64 below 18 GHz. A deadline past 2^64 ticks (2^33 s at
	 * 2 GHz) saturates: it never comes, rather than wrapping into the past. */
	if (__builtin_mul_overflow(secs, hz, &t) ||
	    __builtin_add_overflow(t, rem * hz / NSEC_PER_SEC, &t) ||
	    __builtin_add_overflow(t, tsc0, &t))
		return UINT64_MAX;
	return t;
}
