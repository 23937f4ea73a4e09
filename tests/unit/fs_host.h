/* SPDX-License-Identifier: MIT */
/* Host fakes for tests of fs/ (tests/unit/fs_host.c). */
#ifndef FS_HOST_H
#define FS_HOST_H

#include <stdbool.h>
#include <stdint.h>
#include <k/blkdev_driver.h>

struct fs_write_event {
	uint64_t sector;
	uint32_t len;
	bool flush;
};

struct fs_ramdisk {
	struct blkdev dev;
	uint8_t *mem;
	long reads, writes, flushes;
	long requests;       /* read and write requests (not segments) */
	long cut_after;      /* -1, or refuse every write after this many */
	struct fs_write_event *log;
	size_t nlog, caplog;
};

struct fs_ramdisk *fs_ramdisk_new(uint64_t sectors, bool ro);
void fs_ramdisk_free(struct fs_ramdisk *r);
extern size_t fs_host_free_pages;
extern uint64_t fs_host_now_ns;

#endif
