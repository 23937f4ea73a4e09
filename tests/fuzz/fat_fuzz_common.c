/* SPDX-License-Identifier: MIT */
/* Shared by the FAT fuzz harnesses: silent kernel console, the sparse image
 * format, a readdir collector. */
#include <stdlib.h>
#include <string.h>

#include "fat_fuzz_common.h"

int kprintf(const char *fmt, ...) { (void)fmt; return 0; }
void console_write(const char *s, size_t len) { (void)s; (void)len; }
void panic(const char *fmt, ...) { (void)fmt; abort(); }
void arch_pause(void) {}
void smp_poll(void) {}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

struct fs_ramdisk *fz_image(const uint8_t *data, size_t size)
{
	uint64_t kib = le32(data);
	if (kib < 64)
		kib = 64;
	if (kib > 64 * 1024)
		kib = 64 * 1024;
	uint64_t bytes = kib * 1024;
	struct fs_ramdisk *rd = fs_ramdisk_new(bytes / 512, data[4] & 2);
	if (!rd || !rd->mem) {
		if (rd)
			fs_ramdisk_free(rd);
		return NULL;
	}
	for (size_t p = 5; p + 6 <= size;) {
		uint64_t off = le32(data + p);
		size_t len = (size_t)data[p + 4] | (size_t)data[p + 5] << 8;
		p += 6;
		if (len > size - p)
			len = size - p;
		if (off < bytes)
			memcpy(rd->mem + off, data + p, off + len > bytes ? bytes - off : len);
		p += len;
	}
	return rd;
}

int fz_collect(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type,
	       uint64_t next)
{
	struct fz_names *n = ctx;
	(void)ino;
	(void)type;
	(void)next;
	if (n->n >= FZ_NAMES || n->n >= n->stop_after)
		return 1;
	n->name[n->n] = malloc(len + 1);
	memcpy(n->name[n->n], name, len);
	n->name[n->n][len] = 0;
	n->len[n->n++] = len;
	return 0;
}

void fz_names_free(struct fz_names *n)
{
	for (size_t i = 0; i < n->n; i++)
		free(n->name[i]);
	n->n = 0;
}
