/* SPDX-License-Identifier: MIT */
/*
 * The check of the system call guest tests: CHECK(c) prints the failing line
 * with errno and counts it in `failures` (safe from several threads);
 * CHECK_ERR(call, e) expects -1 with errno e. The test prints its verdict
 * from `failures`.
 */
#ifndef TORO_GUEST_CHECK_H
#define TORO_GUEST_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int failures;
#define CHECK(c)                                                                         \
	do {                                                                             \
		if (!(c)) {                                                              \
			printf("FAIL line %d: %s (errno %d %s)\n", __LINE__, #c, errno,  \
			       strerror(errno));                                         \
			__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);              \
		}                                                                        \
	} while (0)
#define CHECK_ERR(call, e) CHECK((call) == -1 && errno == (e))

#endif
