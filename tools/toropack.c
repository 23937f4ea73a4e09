/* SPDX-License-Identifier: MIT */
/*
 * toropack: pack a linked Toro image. The linker lays segments out on page
 * boundaries (the kernel protects each page on its own); in the file that
 * padding is waste. toropack moves each PT_LOAD to the next 16-byte boundary in
 * the file and sets its load address (p_paddr) to match, so the file stays flat
 * for QEMU's Multiboot loader (file offset == load address - base) and ELF
 * loaders put the same bytes at the same places. boot.S then moves each segment
 * from p_paddr up to p_vaddr before paging is on. Also fixes the Multiboot
 * header's load_end_addr. Usage: toropack IN OUT
 */
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *msg)
{
	fprintf(stderr, "toropack: %s\n", msg);
	exit(1);
}

static uint64_t align(uint64_t v, uint64_t a) { return a > 1 ? (v + a - 1) / a * a : v; }

int main(int argc, char **argv)
{
	if (argc != 3)
		die("usage: toropack IN OUT");
	FILE *f = fopen(argv[1], "rb");
	if (!f)
		die(strerror(errno));
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	rewind(f);
	uint8_t *in = malloc(size), *out = calloc(1, size + 4096);
	if (!in || !out || fread(in, 1, size, f) != (size_t)size)
		die("cannot read input");
	fclose(f);

	Elf64_Ehdr eh;
	if (size < (long)sizeof(eh))
		die("not an ELF file");
	memcpy(&eh, in, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum > 64 ||
	    eh.e_phoff + (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > (uint64_t)size ||
	    (eh.e_shnum && eh.e_shoff + (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr) > (uint64_t)size))
		die("malformed ELF header");
	Elf64_Phdr ph[64];
	memcpy(ph, in + eh.e_phoff, eh.e_phnum * sizeof(Elf64_Phdr));
	Elf64_Shdr *sh = calloc(eh.e_shnum + 1, sizeof(Elf64_Shdr));
	memcpy(sh, in + eh.e_shoff, eh.e_shnum * sizeof(Elf64_Shdr));

	uint64_t base = 0, cur = 0, newoff[64] = { 0 };
	int have_base = 0;
	for (int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr *p = &ph[i];
		if (p->p_type != PT_LOAD || p->p_filesz == 0)
			continue;
		if (p->p_offset + p->p_filesz > (uint64_t)size)
			die("segment beyond end of file");
		if (!have_base) {
			if (p->p_offset != 0)
				die("first segment must hold the ELF header");
			base = p->p_vaddr;
			have_base = 1;
		} else if (p->p_offset != p->p_vaddr - base || p->p_paddr != p->p_vaddr) {
			die("input is not flat (already packed?)");
		}
		newoff[i] = p->p_offset == 0 ? 0 : align(cur, 16);
		memcpy(out + newoff[i], in + p->p_offset, p->p_filesz);
		cur = newoff[i] + p->p_filesz;
	}
	if (!have_base)
		die("no loadable segment");
	uint64_t load_end = cur;

	/* Sections: allocated ones follow their segment, the rest go after. */
	for (int s = 1; s < eh.e_shnum; s++) {
		Elf64_Shdr *x = &sh[s];
		if ((x->sh_flags & SHF_ALLOC) && x->sh_type != SHT_NOBITS && x->sh_size) {
			int found = 0;
			for (int i = 0; i < eh.e_phnum; i++) {
				Elf64_Phdr *p = &ph[i];
				if (p->p_type == PT_LOAD && p->p_filesz && x->sh_addr >= p->p_vaddr &&
				    x->sh_addr + x->sh_size <= p->p_vaddr + p->p_filesz) {
					x->sh_offset = newoff[i] + (x->sh_addr - p->p_vaddr);
					found = 1;
					break;
				}
			}
			if (!found)
				die("allocated section outside every segment");
		} else if (x->sh_type == SHT_NOBITS || (x->sh_flags & SHF_ALLOC)) {
			x->sh_offset = load_end;
		} else {
			if (x->sh_offset + x->sh_size > (uint64_t)size)
				die("section beyond end of file");
			cur = align(cur, x->sh_addralign ? x->sh_addralign : 1);
			memcpy(out + cur, in + x->sh_offset, x->sh_size);
			x->sh_offset = cur;
			cur += x->sh_size;
		}
	}
	for (int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr *p = &ph[i];
		if (p->p_type == PT_LOAD && p->p_filesz) {
			p->p_offset = newoff[i];
			p->p_paddr = base + newoff[i];
			p->p_align = 16;
		} else if (p->p_type == PT_LOAD) {
			p->p_offset = load_end;
		}
	}
	for (int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr *t = &ph[i];
		if (t->p_type == PT_LOAD || t->p_type == PT_PHDR)
			continue;
		for (int j = 0; j < eh.e_phnum; j++) {
			Elf64_Phdr *p = &ph[j];
			if (p->p_type == PT_LOAD && p->p_filesz && t->p_vaddr >= p->p_vaddr &&
			    t->p_vaddr < p->p_vaddr + p->p_filesz) {
				t->p_offset = p->p_offset + (t->p_vaddr - p->p_vaddr);
				t->p_paddr = p->p_paddr + (t->p_vaddr - p->p_vaddr);
			}
		}
	}
	cur = align(cur, 8);
	eh.e_shoff = eh.e_shnum ? cur : 0;
	memcpy(out + cur, sh, eh.e_shnum * sizeof(Elf64_Shdr));
	cur += eh.e_shnum * sizeof(Elf64_Shdr);
	memcpy(out, &eh, sizeof(eh));
	memcpy(out + eh.e_phoff, ph, eh.e_phnum * sizeof(Elf64_Phdr));

	/* Multiboot 1 header with address fields: load_end_addr is at +20. */
	for (uint64_t o = 0; o + 32 <= 8192 && o + 32 <= load_end; o += 4) {
		uint32_t m[3];
		memcpy(m, out + o, 12);
		if (m[0] == 0x1badb002u && (uint32_t)(m[0] + m[1] + m[2]) == 0 && (m[1] & (1u << 16))) {
			uint32_t end = (uint32_t)(base + load_end);
			memcpy(out + o + 20, &end, 4);
			break;
		}
	}
	f = fopen(argv[2], "wb");
	if (!f || fwrite(out, 1, cur, f) != cur || fclose(f))
		die("cannot write output");
	return 0;
}
