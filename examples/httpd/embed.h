/* SPDX-License-Identifier: MIT */
/*
 * Files linked into the image at build time: tools/mkembed writes an
 * assembler file that defines this table (sorted by name, names "/a/b.css").
 */
#ifndef EMBED_H
#define EMBED_H

#include <stddef.h>

struct embed_file {
	const char *name;
	const unsigned char *data;
	size_t size;
};

extern const struct embed_file embed_files[];
extern const size_t embed_count;

#endif
