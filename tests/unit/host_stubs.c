/* SPDX-License-Identifier: MIT */
/*
 * The kernel console for host unit tests: kprintf and console_write go to
 * stdout, panic prints its message and aborts (a test that expects a panic can
 * catch SIGABRT).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <k/console.h>

int kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

void console_write(const char *s, size_t len)
{
	fwrite(s, 1, len, stdout);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("panic: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* Kernel hooks the portable code calls: one "core", no cross-core requests. */
int pmm_cpu(void) { return -1; }
void smp_poll(void) {}
void arch_pause(void) {}
void tlb_shootdown(unsigned long start, unsigned long end) { (void)start; (void)end; }
void arch_tlb_flush(unsigned long start, unsigned long end) { (void)start; (void)end; }

/* No link-time components on the host, but for the virtio driver a test
 * hands over (host_virtio_opt: vnet_sim.c, vblk_sim.c, test_virtio.c). */
#include <k/component.h>
extern const struct syscall_opt host_virtio_opt __attribute__((weak));
const struct syscall_opt *sysopt_next(const struct syscall_opt *prev, long kind)
{
	if (!prev && kind == SYSOPT_VIRTIO && &host_virtio_opt)
		return &host_virtio_opt;
	return NULL;
}
