/* SPDX-License-Identifier: MIT */
/*
 * An unmodified static x86-64 Linux program carried in a Toro image
 * (`toro pack --app`, docs/static.md). appelf_parse checks its ELF header and
 * program headers (ELF-64 object file format 1.5; System V x86-64 psABI) and
 * is shared by the packer (tools/toroapp.c, on the whole file) and the kernel
 * (kernel/app.c, on the headers as the image placed them in memory), so both
 * accept exactly the same programs. Portable: builds on the host, fuzzed by
 * tests/fuzz/fuzz_appelf.c. No allocation; reads only [buf, buf+len).
 */
#ifndef K_APPELF_H
#define K_APPELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define APPELF_MAX_LOAD 12          /* PT_LOAD segments a program may have */
#define APPELF_MAX_SPAN (1ull << 30) /* lowest to highest loaded byte, at most */
#define APPELF_MAX_END (1ull << 30) /* highest loaded byte + 1, at most (biased) */
#define APPELF_PAGE 4096ull

/* The program header the packer adds to the kernel's own table: its p_vaddr
 * is the address of a struct appelf_info (a page the kernel keeps). */
#define APPELF_PT_INFO 0x6f54a001u
#define APPELF_MAGIC 0x3150504f524f54ull /* "TOROPP1" */

/* Flags of a segment, as ELF's p_flags. */
#define APPELF_X 1u
#define APPELF_W 2u
#define APPELF_R 4u

struct appelf_seg {
	uint64_t vaddr, memsz;   /* unbiased, as in the file */
	uint64_t offset, filesz; /* in the file */
	uint32_t flags;          /* APPELF_R/W/X */
};

struct appelf {
	bool pie;                /* ET_DYN (static-pie): placed at a bias */
	uint64_t entry;          /* e_entry, unbiased */
	uint64_t phoff;          /* the program headers, in the file */
	uint16_t phnum;
	uint64_t hdr_vaddr;      /* where the ELF header is mapped (unbiased) */
	uint64_t lo, hi;         /* page-rounded extent of every segment, unbiased */
	int nload;
	struct appelf_seg load[APPELF_MAX_LOAD];
};

/* What the packer writes into the image for the kernel (all addresses
 * biased): this struct, then `strings` bytes: envc "KEY=VALUE" strings and
 * argc arguments, each NUL-terminated (`toro pack --app P -o I -- ...`). The
 * whole takes `size` bytes of pages (a multiple of 4096, at most
 * APPELF_INFO_MAX). */
#define APPELF_INFO_MAX (64u << 10)
#define APPELF_PACKED_MAX 64 /* packed arguments, and packed variables, at most */
struct appelf_info {
	uint64_t magic;          /* APPELF_MAGIC */
	uint64_t bias;           /* added to every address of the program (0: ET_EXEC) */
	uint64_t hdr;            /* the program's ELF header in memory */
	uint64_t lo, hi;         /* the pages its segments take */
	char name[64];           /* argv[0] and AT_EXECFN, NUL-terminated */
	uint32_t size;           /* bytes of pages the info takes */
	uint32_t envc, argc;     /* packed environment and arguments */
	uint32_t strings;        /* bytes of their strings, after this struct */
};

/*
 * Check the ELF header and program headers in buf[0..len) and fill *a.
 * file_len: the whole file's size, to check segment offsets against (0 when
 * not known: the kernel, which has no file). Returns 0, or -ENOEXEC with *why
 * a sentence a user can act on (never NULL then).
 */
int appelf_parse(const uint8_t *buf, size_t len, uint64_t file_len, struct appelf *a,
		 const char **why);

/* The packed strings after struct appelf_info: envc "KEY=VALUE" strings (a
 * name of at least one byte) then argc arguments, each NUL-terminated,
 * filling exactly len bytes. Points env[0..envc) and argv[0..argc) into buf
 * (each array APPELF_PACKED_MAX long). 0, or -EINVAL for anything else. */
int appelf_strings(const char *buf, size_t len, uint32_t envc, uint32_t argc,
		   const char **env, const char **argv);

/* Protection of the page at unbiased address pg: the union of the segments
 * that touch it (APPELF_R/W/X), 0 if none does. */
uint32_t appelf_page_flags(const struct appelf *a, uint64_t pg);

#endif
