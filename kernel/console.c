/* SPDX-License-Identifier: MIT */
/* Kernel console: kprintf over the UART, with '\n' sent as "\r\n" as a Linux
 * serial tty does by default (ONLCR), so a terminal shows clean lines; and a
 * copy to virtio-console's /dev/hvc0 once one is up (console_set_mirror). */
#include <k/console.h>
#include <k/fmt.h>
#include <k/spinlock.h>
#include <k/uart.h>

static struct spinlock lock = SPINLOCK_INIT;
static console_mirror_fn mirror;

void console_set_mirror(console_mirror_fn fn)
{
	__atomic_store_n(&mirror, fn, __ATOMIC_RELEASE);
}

void console_write(const char *s, size_t len)
{
	size_t start = 0;
	spin_lock(&lock);
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '\n')
			continue;
		uart_write(s + start, i - start);
		uart_write("\r\n", 2);
		start = i + 1;
	}
	uart_write(s + start, len - start);
	console_mirror_fn m = __atomic_load_n(&mirror, __ATOMIC_ACQUIRE);
	if (m)
		m(s, len);
	spin_unlock(&lock);
}

static void out(void *ctx, const char *s, size_t len)
{
	(void)ctx;
	console_write(s, len);
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = fmt_vformat(out, NULL, fmt, ap);
	va_end(ap);
	return n;
}
