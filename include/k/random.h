/* SPDX-License-Identifier: MIT */
/*
 * Kernel random numbers: a ChaCha20 keystream generator, keyed from RDSEED/
 * RDRAND when the CPU has them and from TSC jitter otherwise, rekeyed from its
 * own output after every request (fast key erasure). Feeds getrandom,
 * /dev/urandom and AT_RANDOM.
 */
#ifndef K_RANDOM_H
#define K_RANDOM_H

#include <stddef.h>
#include <stdint.h>

void random_init(void);
void random_fill(void *buf, size_t n);
/* Mix bytes from a device (virtio-rng later) into the key. */
void random_add_entropy(const void *buf, size_t n);

#endif
