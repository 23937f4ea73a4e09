/* SPDX-License-Identifier: MIT */
/* 16550 UART console (COM1). Polled; callable from any context. */
#ifndef K_UART_H
#define K_UART_H

#include <stdbool.h>
#include <stddef.h>

void uart_init(void);
void uart_write(const char *s, size_t n);

#endif
