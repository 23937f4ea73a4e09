/* SPDX-License-Identifier: MIT */
/*
 * The image's own symbol table, for symbolized backtraces in stripped images.
 * toro-cc links twice: tools/mksyms turns `nm -n` output of the first link into a
 * blob placed in section .toro_syms, after all code, so code addresses do not move.
 *
 * Blob layout (little endian, 4-byte aligned):
 *   u32 magic (SYMTAB_MAGIC), u32 count, u64 base,
 *   u32 addr_off[count]   (sorted ascending, address - base),
 *   u32 name_off[count]   (offset into names),
 *   char names[]          (NUL-terminated strings)
 * An entry with an empty name marks an address where no function starts but
 * the previous one has ended (data between code, the end of the last function):
 * a lookup that lands on it finds nothing.
 */
#ifndef K_SYMTAB_H
#define K_SYMTAB_H

#include <stddef.h>
#include <stdint.h>

#define SYMTAB_MAGIC 0x4d59534bu /* "KSYM" */

/* Name of the function containing addr and the offset into it; NULL when the
 * table is missing or malformed (size checked against len) or addr is outside. */
const char *symtab_lookup(const void *blob, size_t len, uint64_t addr, uint64_t *off);

#endif
