/* SPDX-License-Identifier: MIT */
/* <stdlib.h> for lwIP's sources: only atoi (netif_find), as net_atoi. */
#ifndef TORO_NET_LIBC_STDLIB_H
#define TORO_NET_LIBC_STDLIB_H
#define atoi net_atoi
int net_atoi(const char *s);
#endif
