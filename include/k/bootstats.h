/* SPDX-License-Identifier: MIT */
/*
 * Where boot time goes: the TSC at the start of each boot phase, kept in a
 * small table (kernel/bootstats.c). With `toro.bootstats` on the command line
 * the table is printed when the program starts, one line per phase:
 *
 *   toro: boot +N name          (N: TSC ticks since kernel entry)
 *
 * and, at the first successful listen(), `toro: boot listen_tsc=N +N`. Under
 * `-icount shift=0,sleep=off` a tick is one guest instruction (docs/bench.md),
 * so the figures are exact and repeatable. Without the option nothing is
 * printed and a stamp costs one rdtsc and a store.
 *
 * bootstats_stamp may be called from any core at any time; stamps past the
 * table's size are dropped. Names must be string literals (kept by pointer).
 */
#ifndef K_BOOTSTATS_H
#define K_BOOTSTATS_H

#include <stdbool.h>
#include <stdint.h>

#define BOOTSTATS_MAX 24

void bootstats_init(uint64_t entry_tsc, bool print);
void bootstats_stamp(const char *name);
/* The program is about to start: print the table (with toro.bootstats). */
void bootstats_main(void);
/* A socket listens: the first call prints its stamp (with toro.bootstats). */
void bootstats_listen(void);

#endif
