/* SPDX-License-Identifier: MIT */
/* smp_cpus_two: toro.cpus=2 on 4 vCPUs: the program sees cores 0 and 1 only
 * (the checks are smp_cpus_opt's). */
// expect-output: SUCCESS
// reject-output: toro: toro.cpus=
// machines: microvm q35
// pvh-machines: none
// smp: 4
// args: toro.cpus=2 -- 2 {smp}
// mem: 64
// timeout: 60
#include "smp_cpus_opt.c"
