/* SPDX-License-Identifier: MIT */
/*
 * The image's own symbol table, for symbolized backtraces in stripped images.
 * toro-cc links twice: tools/mksyms turns `nm -n` output of the first link into a
 * blob placed in section .toro_syms, after all code, so code addresses do not move.
 *
 * Blob layout (bytes, no alignment):
 *   u32 magic (SYMTAB_MAGIC), u32 count, u64 base    (little endian)
 *   u8  ntokens (<= SYMTAB_TOKENS), then ntokens pairs of bytes
 *   count entries, in address order:
 *     uleb128 delta   address - the previous entry's address (the first: - base)
 *     u8 keep         characters shared with the previous entry's name
 *     bytes, then 0   the rest of the name
 * A name byte below 0x80 is that character; byte 0x80 + i is token i, which
 * stands for its pair of bytes, each a character or a token j < i (so
 * expanding always ends). Names are at most SYMTAB_NAME_MAX characters.
 * An entry with an empty name marks an address where no function starts but
 * the previous one has ended (data between code, the end of the last function):
 * a lookup that lands on it finds nothing.
 */
#ifndef K_SYMTAB_H
#define K_SYMTAB_H

#include <stddef.h>
#include <stdint.h>

#define SYMTAB_MAGIC 0x3259534bu /* "KSY2" */
#define SYMTAB_TOKENS 128
#define SYMTAB_NAME_MAX 127

/* Name of the function containing addr, decoded into name[], and the offset
 * into it; NULL when the table is missing or malformed (every read checked
 * against len) or addr is outside every function. Returns name on success.
 * Walks the table from the start: meant for crash reports, not hot paths. */
const char *symtab_lookup(const void *blob, size_t len, uint64_t addr,
			  char name[SYMTAB_NAME_MAX + 1], uint64_t *off);

#endif
