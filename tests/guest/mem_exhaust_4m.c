/* SPDX-License-Identifier: MIT */
/* mem_exhaust_4m: mem_exhaust (which see) in a 4 MiB VM. */
// expect-output: SUCCESS
// reject-output: FAIL
// machines: microvm q35
// pvh-machines: none
// mem: 4
// smp: 1 2
// timeout: 120
#include "mem_exhaust.c"
