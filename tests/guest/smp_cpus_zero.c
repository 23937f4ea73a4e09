/* SPDX-License-Identifier: MIT */
/* smp_cpus_zero: toro.cpus=0 is not a CPU count: the console says so and all
 * 4 vCPUs are used (the checks are smp_cpus_opt's). */
// expect-output: SUCCESS
// expect-once: toro: toro.cpus=0 is not a CPU count, using all 4 CPUs
// machines: microvm q35
// pvh-machines: none
// smp: 4
// args: toro.cpus=0 -- 4 {smp}
// mem: 64
// timeout: 60
#include "smp_cpus_opt.c"
