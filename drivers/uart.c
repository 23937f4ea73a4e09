/* SPDX-License-Identifier: MIT */
/* 16550 UART on COM1 (port 0x3f8): polled output, 115200 8N1, FIFOs on. */
#include <k/arch.h>
#include <k/uart.h>

#define COM1 0x3f8
#define LSR_THRE 0x20

static bool present;

void uart_init(void)
{
	arch_outb(COM1 + 1, 0x00); /* no interrupts */
	arch_outb(COM1 + 3, 0x80); /* DLAB */
	arch_outb(COM1 + 0, 0x01); /* 115200 */
	arch_outb(COM1 + 1, 0x00);
	arch_outb(COM1 + 3, 0x03); /* 8N1 */
	arch_outb(COM1 + 2, 0x07); /* FIFO on, cleared */
	arch_outb(COM1 + 4, 0x03); /* DTR, RTS */
	/* A missing UART reads back 0xff from the line status register. */
	present = arch_inb(COM1 + 5) != 0xff;
}

void uart_write(const char *s, size_t n)
{
	if (!present)
		return;
	for (size_t i = 0; i < n; i++) {
		/* QEMU's 16550 is always ready; bound the wait for real ones. */
		for (int spin = 0; spin < 100000 && !(arch_inb(COM1 + 5) & LSR_THRE); spin++)
			arch_pause();
		arch_outb(COM1, (uint8_t)s[i]);
	}
}
