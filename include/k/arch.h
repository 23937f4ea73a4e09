/* SPDX-License-Identifier: MIT */
/*
 * The narrow interface portable kernel code uses to reach the CPU and the
 * platform. Implemented in arch/x86_64/, the only place with inline asm,
 * port I/O and MSRs.
 */
#ifndef K_ARCH_H
#define K_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void arch_outb(uint16_t port, uint8_t v);
void arch_outw(uint16_t port, uint16_t v);
void arch_outl(uint16_t port, uint32_t v);
uint8_t arch_inb(uint16_t port);
uint16_t arch_inw(uint16_t port);
uint32_t arch_inl(uint16_t port);

/* Barriers for memory shared with devices (virtio rings), write-back memory
 * only: arch_mb orders all earlier loads and stores before all later ones;
 * arch_rmb orders loads, arch_wmb stores, among themselves. */
void arch_mb(void);
void arch_rmb(void);
void arch_wmb(void);

uint64_t arch_rdtsc(void);
void arch_pause(void);
/* Halt until the next interrupt, with interrupts enabled during the halt. */
void arch_wait_for_interrupt(void);
void arch_irq_disable(void);
/* The kernel runs with interrupts off (they are on only in ring 3 and in
 * arch_wait_for_interrupt): true if they are on here, which is a bug. */
bool arch_irq_on(void);
/* Hardware random bits (RDRAND/RDSEED); false when the CPU has none. */
bool arch_random64(uint64_t *out);

/* Copy between kernel and user memory. The caller has validated that the user
 * range lies in user space; a fault on the way (unmapped, read-only) makes them
 * return -EFAULT instead of faulting the kernel. */
int arch_copy_from_user(void *dst, const void *usrc, size_t n);
/* The same, but a page that is not mapped is -EFAULT, never mapped on demand:
 * callable with a spinlock held. */
int arch_copy_from_user_nofault(void *dst, const void *usrc, size_t n);
int arch_copy_to_user(void *udst, const void *src, size_t n);
int arch_clear_user(void *udst, size_t n);
/* Copy a NUL-terminated user string of at most n-1 bytes: its length, -EFAULT,
 * or -ENAMETOOLONG when no NUL is found within n bytes. */
long arch_strncpy_from_user(char *dst, const char *usrc, size_t n);

/* QEMU's fw_cfg (QEMU's docs/specs/fw_cfg.rst), on pc, q35 and microvm alike.
 * arch_fwcfg_find: the file `name` in fw_cfg's directory: 0 with its *key and
 * *size, -ENODEV when the VMM has no fw_cfg (Firecracker), -ENOENT when it has
 * no such file. arch_fwcfg_read: the first len bytes of item `key` into buf
 * (identity-mapped RAM), by DMA where fw_cfg offers it, else port reads; 0 or
 * -EIO. Boot only (one caller at a time, no lock). */
int arch_fwcfg_find(const char *name, uint16_t *key, uint32_t *size);
int arch_fwcfg_read(uint16_t key, void *buf, uint32_t len);
/* Whether fw_cfg offers DMA (what arch_fwcfg_read will use); false without fw_cfg. */
bool arch_fwcfg_has_dma(void);

/* Power off with status; never returns. */
__attribute__((noreturn)) void arch_poweroff(int status);
/* Arm the host's shutdown requests (ACPI power button, Ctrl-Alt-Del): each
 * becomes proc_shutdown_request. From a kernel thread once the program runs;
 * verbose: a console line lists what was armed. */
void arch_shutdown_events_start(bool verbose);

#endif
