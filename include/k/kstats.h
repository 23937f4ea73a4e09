/* SPDX-License-Identifier: MIT */
/*
 * The kernel's figures on request (kernel/kstats.c), for a host to read while
 * the program runs (a soak test shows with them that memory comes back). One
 * line of KEY=VALUE words after "toro-stats", memory in KiB:
 *
 *   toro-stats uptime_ms=.. mem_total_kib=.. mem_free_kib=.. user_free_kib=..
 *     user_committed_kib=.. user_resident_kib=.. user_mappings=..
 *     kernel_reserve_kib=.. kheap_kib=.. pagetables_kib=.. threads=.. fds=..
 *     remote_wakes=.. ipis=..
 *     [sources' words]
 *
 * mem_free_kib: free pages; user_free_kib: what the program could still be
 * promised, that is what malloc can get (sysinfo's freeram); the rest as in
 * k/uvm.h and k/kheap.h; remote_wakes: threads woken onto another core than the
 * waker's, ipis: the interrupts that took (both since boot, all cores). Components add words of their own with a source (the
 * network kernel: sockets= netmem_kib=; a block cache would add bcache_kib=).
 *
 * Served on a virtio-console port named org.toro.stats when the VM has one
 * (`toro run --stats`, docs/kernel.md): every line the host writes gets one
 * line back. The kernel holds the port; the program need not do anything.
 */
#ifndef K_KSTATS_H
#define K_KSTATS_H

#include <stddef.h>

#define KSTATS_PORT "org.toro.stats"
#define KSTATS_LINE_MAX 512
#define KSTATS_MAX_SOURCES 8

/* A source appends " key=value" words to buf (n bytes, NUL-terminated) and
 * returns how many it wrote (at most n - 1). Called from a kernel thread,
 * with no lock held; it must not block for long. */
typedef size_t (*kstats_fn)(char *buf, size_t n);

/* Add a source (any time, from any context): 0, or -ENOSPC when
 * KSTATS_MAX_SOURCES are there. */
int kstats_register(kstats_fn fn);
/* The line, '\n'-terminated, in buf (n >= 2): its length. */
size_t kstats_line(char *buf, size_t n);
/* Start serving KSTATS_PORT if the VM has that port (after the drivers). */
void kstats_init(void);

#endif
