/* SPDX-License-Identifier: MIT */
/*
 * Time. CLOCK_MONOTONIC counts from boot on the TSC; its frequency is found
 * lazily the first time time is read (CPUID 0x15, the hypervisor's leaf
 * 0x40000010, else CPUID 0x16 or 0.5 ms against the PIT), so a program that
 * never asks the time never pays for it. A measured or nominal frequency is
 * refined over the next second by a kernel timer once time_refine_start has
 * been called; the change keeps time continuous and monotonic.
 * CLOCK_REALTIME adds the CMOS RTC's wall time read at that moment.
 */
#ifndef K_TIME_H
#define K_TIME_H

#include <stdbool.h>
#include <stdint.h>

#define NSEC_PER_SEC 1000000000ull

void time_init(uint64_t boot_tsc);
uint64_t time_monotonic_ns(void);
uint64_t time_realtime_ns(void);
uint64_t time_tsc_hz(void);
/* TSC value at which monotonic time reaches ns. */
uint64_t time_ns_to_tsc_deadline(uint64_t ns); /* UINT64_MAX past 2^64 ticks */
/* A duration in ns as TSC ticks. */
uint64_t time_ns_to_ticks(uint64_t ns);
/* Convert a TSC delta to nanoseconds. */
uint64_t time_tsc_to_ns(uint64_t delta);

/* From a thread (not with a lock held, not from an interrupt): if the
 * frequency is known and was measured, start its refinement (once). */
void time_refine_start(void);

/* Provided by arch: TSC frequency from CPUID or calibration; 0 if unknown.
 * *refine: the figure is approximate, arch_tsc_refine can do better. */
uint64_t arch_tsc_hz(const char **source, bool *refine);
/* One step of a longer measurement, called about every 10 ms with the
 * current frequency: 0 and *hz when done, -EAGAIN for more steps. */
int arch_tsc_refine(uint64_t hz, uint64_t *out);
/* Wall time from the RTC as seconds since the epoch; false if none. */
bool arch_rtc_read(uint64_t *epoch_seconds);
/* The wall clock from KVM's paravirtual clock (arch/x86_64/kvmclock.c): false
 * when the CPU shows no kvmclock. */
bool arch_kvmclock_wall(uint64_t *epoch_ns);
/* Read the wall clock from kvmclock, never the CMOS RTC (the Linux 64-bit entry). */
extern bool time_no_cmos;
/* One-shot timer interrupt at TSC value `deadline` (0 cancels). */
void arch_timer_arm(uint64_t deadline);

#endif
