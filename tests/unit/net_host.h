/* SPDX-License-Identifier: MIT */
/* Counters of the fake kernel services in tests/unit/net_host.c. */
#ifndef TESTS_UNIT_NET_HOST_H
#define TESTS_UNIT_NET_HOST_H
extern int net_host_kwaits;    /* kwait calls so far */
extern int net_host_kthreads;  /* kthread_create calls so far */
#endif
