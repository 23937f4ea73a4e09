/* SPDX-License-Identifier: MIT */
/*
 * toroapp: put an unmodified static x86-64 Linux program into a copy of the
 * loader image (build/toro-app.elf: the whole kernel), docs/static.md.
 * Usage: toroapp LOADER PROGRAM OUT [-n NAME] [-e KEY=VALUE]... [-- ARG...]
 * (-n: argv[0], default PROGRAM's file name; -e and ARGs: the environment
 * and arguments the image starts the program with, docs/static.md)
 * The image stays flat (file offset == address - 1 MiB) so QEMU's Multiboot
 * loader places every byte, and gains program headers for PVH loaders: one
 * page of struct appelf_info just above the kernel's memory, then the
 * program's segments at their own addresses (a static-pie one at a bias of
 * the packer's choosing). The kernel finds the info page by its program
 * header (APPELF_PT_INFO), checks the program's headers again in memory and
 * maps its pages; nothing is copied at boot.
 */
#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <k/appelf.h>

#define BASE 0x100000ull   /* where the image starts */
#define PIE_BIAS 0x400000ull /* where a static-pie program goes, when it fits */

static void die(const char *fmt, const char *a)
{
	fprintf(stderr, "toro pack: ");
	fprintf(stderr, fmt, a);
	fputc('\n', stderr);
	exit(1);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die("%s: cannot open it", path);
	if (fseek(f, 0, SEEK_END) || ftell(f) < 0)
		die("%s: cannot read it", path);
	*len = (size_t)ftell(f);
	rewind(f);
	uint8_t *b = malloc(*len ? *len : 1);
	if (!b || fread(b, 1, *len, f) != *len)
		die("%s: cannot read it", path);
	fclose(f);
	return b;
}

static uint64_t up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

/* The loader's Multiboot header (flags bit 16: address fields), or NULL. */
static uint32_t *multiboot_header(uint8_t *img, size_t len)
{
	for (size_t o = 0; o + 32 <= 8192 && o + 32 <= len; o += 4) {
		uint32_t m[3];
		memcpy(m, img + o, 12);
		if (m[0] == 0x1badb002u && (uint32_t)(m[0] + m[1] + m[2]) == 0 && (m[1] & (1u << 16)))
			return (uint32_t *)(img + o);
	}
	return NULL;
}

struct loader {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[64];
	uint64_t load_end; /* file bytes the loader's segments use */
	uint64_t mem_end;  /* highest address its segments take */
	size_t room;       /* program headers that fit after its table */
};

static void read_loader(const uint8_t *b, size_t len, struct loader *l)
{
	memcpy(&l->eh, b, len < sizeof(l->eh) ? 0 : sizeof(l->eh));
	if (len < sizeof(l->eh) || memcmp(l->eh.e_ident, ELFMAG, SELFMAG) ||
	    l->eh.e_phentsize != sizeof(Elf64_Phdr) || l->eh.e_phnum > 48 ||
	    l->eh.e_phoff + 64 * sizeof(Elf64_Phdr) > len)
		die("%s", "the loader image is malformed: run make");
	memcpy(l->ph, b + l->eh.e_phoff, l->eh.e_phnum * sizeof(Elf64_Phdr));
	for (int i = 0; i < l->eh.e_phnum; i++) {
		const Elf64_Phdr *p = &l->ph[i];
		if (p->p_type == APPELF_PT_INFO)
			die("%s", "the loader image already carries a program");
		if (p->p_type != PT_LOAD)
			continue;
		if (p->p_filesz && p->p_offset + p->p_filesz > l->load_end)
			l->load_end = p->p_offset + p->p_filesz;
		if (p->p_vaddr + p->p_memsz > l->mem_end)
			l->mem_end = p->p_vaddr + p->p_memsz;
	}
	/* toro-cc --app-loader leaves zeroed room after the table. */
	size_t end = l->eh.e_phoff + l->eh.e_phnum * sizeof(Elf64_Phdr);
	while (l->room < 16 && end + (l->room + 1) * sizeof(Elf64_Phdr) <= len) {
		const uint8_t *q = b + end + l->room * sizeof(Elf64_Phdr);
		size_t k = 0;
		while (k < sizeof(Elf64_Phdr) && q[k] == 0)
			k++;
		if (k < sizeof(Elf64_Phdr))
			break;
		l->room++;
	}
}

static Elf64_Phdr load_phdr(uint64_t addr, uint64_t filesz, uint64_t memsz, uint32_t flags)
{
	return (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = flags, .p_offset = addr - BASE,
			     .p_vaddr = addr, .p_paddr = addr, .p_filesz = filesz,
			     .p_memsz = memsz, .p_align = 4096 };
}

/* The flat image is mostly zeros below the program (from the kernel's end to
 * 4 MiB): leave holes there, so the file takes only what it holds on disk. */
static int write_sparse(const char *path, const uint8_t *b, size_t len)
{
	static const uint8_t zero[4096];
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	for (size_t o = 0; o < len; o += sizeof(zero)) {
		size_t n = len - o < sizeof(zero) ? len - o : sizeof(zero);
		if (n == sizeof(zero) && !memcmp(b + o, zero, n) && o + n < len) {
			if (fseek(f, (long)n, SEEK_CUR))
				break;
		} else if (fwrite(b + o, 1, n, f) != n) {
			break;
		}
	}
	bool ok = ftell(f) == (long)len;
	return fclose(f) || !ok ? -1 : 0;
}

struct packed {
	const char *name;
	int envc, argc;
	char *const *env, *const *args;
	char strings[APPELF_INFO_MAX];
	size_t len;
};

static void add_string(struct packed *p, const char *str)
{
	size_t n = strlen(str) + 1;
	if (p->len + n > sizeof(p->strings) - sizeof(struct appelf_info))
		die("%s", "the packed environment and arguments exceed 64 KiB");
	memcpy(p->strings + p->len, str, n);
	p->len += n;
}

static void parse_args(int argc, char **argv, struct packed *p)
{
	static char *env[APPELF_PACKED_MAX];
	int i = 4;
	p->name = argv[2];
	p->env = env;
	for (; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			p->name = argv[++i];
		} else if (!strcmp(argv[i], "-e") && i + 1 < argc && strchr(argv[i + 1], '=') &&
			   argv[i + 1][0] != '=') {
			if (p->envc == APPELF_PACKED_MAX)
				die("%s", "more than 64 packed variables");
			env[p->envc++] = argv[++i];
		} else {
			die("bad argument '%s' (toroapp LOADER PROGRAM OUT [-n NAME] "
			    "[-e KEY=VALUE]... [-- ARG...])", argv[i]);
		}
	}
	if (i < argc)
		i++;
	p->args = argv + i;
	p->argc = argc - i;
	if (p->argc > APPELF_PACKED_MAX)
		die("%s", "more than 64 packed arguments");
	for (int k = 0; k < p->envc; k++)
		add_string(p, p->env[k]);
	for (int k = 0; k < p->argc; k++)
		add_string(p, p->args[k]);
}

int main(int argc, char **argv)
{
	if (argc < 4)
		die("%s", "usage: toroapp LOADER PROGRAM OUT [-n NAME] [-e KEY=VALUE]... [-- ARG...]");
	static struct packed pk;
	parse_args(argc, argv, &pk);
	size_t llen, alen;
	uint8_t *lb = slurp(argv[1], &llen), *ab = slurp(argv[2], &alen);
	struct loader l = { 0 };
	read_loader(lb, llen, &l);
	struct appelf a;
	const char *why;
	if (appelf_parse(ab, alen, alen, &a, &why))
		fprintf(stderr, "toro pack: %s: %s\n", argv[2], why), exit(1);
	if ((size_t)a.nload + 2 > l.room)
		die("%s", "the loader image has no room for the program's headers: run make");

	uint64_t info_at = up(l.mem_end, 4096);
	uint64_t info_size = up(sizeof(struct appelf_info) + pk.len, 4096);
	uint64_t info_end = info_at + info_size;
	uint64_t bias = a.pie ? (PIE_BIAS >= info_end ? PIE_BIAS : up(info_end, 0x200000)) : 0;
	if (a.lo + bias < info_end) {
		fprintf(stderr, "toro pack: %s is linked at %#llx, inside the kernel's memory "
			"(1 MiB to %#llx): link it at 4 MiB or above (the linker's default)\n",
			argv[2], (unsigned long long)a.lo, (unsigned long long)info_end);
		exit(1);
	}
	if (bias + a.hi > APPELF_MAX_END)
		die("%s", "the program lies above 1 GiB: Toro places programs below it "
			  "(its boot page tables map the first GiB)");
	uint64_t file_end = info_end;
	for (int i = 0; i < a.nload; i++)
		if (bias + a.load[i].vaddr + a.load[i].filesz > file_end)
			file_end = bias + a.load[i].vaddr + a.load[i].filesz;
	size_t olen = file_end - BASE;
	uint8_t *out = calloc(1, olen);
	if (!out)
		die("%s", "out of memory");
	memcpy(out, lb, l.load_end < llen ? l.load_end : llen);

	struct appelf_info info = { .magic = APPELF_MAGIC, .bias = bias, .hdr = bias + a.hdr_vaddr,
				    .lo = bias + a.lo, .hi = bias + a.hi, .size = (uint32_t)info_size,
				    .envc = (uint32_t)pk.envc, .argc = (uint32_t)pk.argc,
				    .strings = (uint32_t)pk.len };
	const char *slash = strrchr(pk.name, '/');
	snprintf(info.name, sizeof(info.name), "%s", slash ? slash + 1 : pk.name);
	memcpy(out + (info_at - BASE), &info, sizeof(info));
	memcpy(out + (info_at - BASE) + sizeof(info), pk.strings, pk.len);

	Elf64_Phdr *ph = l.ph;
	int n = l.eh.e_phnum;
	ph[n++] = load_phdr(info_at, info_size, info_size, PF_R);
	for (int i = 0; i < a.nload; i++) {
		const struct appelf_seg *s = &a.load[i];
		memcpy(out + (bias + s->vaddr - BASE), ab + s->offset, s->filesz);
		ph[n++] = load_phdr(bias + s->vaddr, s->filesz, s->memsz, s->flags);
	}
	ph[n++] = (Elf64_Phdr){ .p_type = APPELF_PT_INFO, .p_flags = PF_R,
				.p_offset = info_at - BASE, .p_vaddr = info_at, .p_paddr = info_at,
				.p_filesz = sizeof(info) + pk.len, .p_memsz = sizeof(info) + pk.len,
				.p_align = 8 };
	l.eh.e_phnum = (uint16_t)n;
	l.eh.e_shoff = 0;
	l.eh.e_shnum = 0;
	l.eh.e_shstrndx = 0;
	memcpy(out, &l.eh, sizeof(l.eh));
	memcpy(out + l.eh.e_phoff, ph, n * sizeof(Elf64_Phdr));

	/* Multiboot: load the whole flat file, zero up to the program's end. */
	uint32_t *mb = multiboot_header(out, olen);
	if (mb) {
		uint64_t bss_end = bias + a.hi;
		mb[5] = (uint32_t)file_end;
		if (bss_end > mb[6])
			mb[6] = (uint32_t)bss_end;
	}
	if (write_sparse(argv[3], out, olen)) {
		remove(argv[3]);
		die("%s: cannot write it", argv[3]);
	}
	return 0;
}
