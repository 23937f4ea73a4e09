// SPDX-License-Identifier: MIT
/*
 * Checks of an unmodified static program's ELF headers (k/appelf.h): what the
 * packer and the kernel both rely on before a byte of it is placed or mapped.
 * Offsets are those of the ELF-64 header (e_* at 16..63) and program header
 * (p_* at 0..55); fields are read byte by byte, little-endian.
 */
#include <k/appelf.h>
#include <k/errno.h>

enum { ET_EXEC = 2, ET_DYN = 3, EM_X86_64 = 62 };
enum { PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_TLS = 7 };

static uint64_t rd(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static int fail(const char **why, const char *msg)
{
	*why = msg;
	return -ENOEXEC;
}

static uint64_t page_down(uint64_t v) { return v & ~(APPELF_PAGE - 1); }

/* The ELF header: a 64-bit little-endian x86-64 executable. */
static int parse_ehdr(const uint8_t *b, size_t len, struct appelf *a, const char **why)
{
	if (len < 64 || b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F')
		return fail(why, "not an ELF file");
	if (b[4] != 2 || b[5] != 1 || rd(b + 18, 2) != EM_X86_64)
		return fail(why, "not an x86-64 ELF file (64-bit, little-endian)");
	uint64_t type = rd(b + 16, 2);
	if (type != ET_EXEC && type != ET_DYN)
		return fail(why, "not an executable (an object file or a core dump?)");
	a->pie = type == ET_DYN;
	a->entry = rd(b + 24, 8);
	a->phoff = rd(b + 32, 8);
	a->phnum = (uint16_t)rd(b + 56, 2);
	if (rd(b + 54, 2) != 56 || a->phnum == 0 || a->phnum > 64)
		return fail(why, "malformed program header table");
	if (a->phoff > len || (uint64_t)a->phnum * 56 > len - a->phoff)
		return fail(why, "program header table outside the file");
	return 0;
}

/* One PT_LOAD: sizes that add up, file bytes inside the file, a layout a
 * page-granular mapping can honour, in ascending order. */
static int add_load(const uint8_t *p, uint64_t file_len, struct appelf *a, const char **why)
{
	struct appelf_seg s = {
		.flags = (uint32_t)rd(p + 4, 4) & 7, .offset = rd(p + 8, 8),
		.vaddr = rd(p + 16, 8), .filesz = rd(p + 32, 8), .memsz = rd(p + 40, 8),
	};
	if (s.memsz == 0)
		return 0;
	if (a->nload == APPELF_MAX_LOAD)
		return fail(why, "more loadable segments than Toro takes (12)");
	if (s.filesz > s.memsz || s.offset + s.filesz < s.offset ||
	    (file_len && s.offset + s.filesz > file_len))
		return fail(why, "a loadable segment lies outside the file");
	if ((s.vaddr & (APPELF_PAGE - 1)) != (s.offset & (APPELF_PAGE - 1)))
		return fail(why, "a loadable segment is not page-aligned with its file offset");
	if (s.vaddr + s.memsz < s.vaddr || s.vaddr + s.memsz > (1ull << 46))
		return fail(why, "a loadable segment lies outside the user address space");
	if (a->nload) {
		const struct appelf_seg *prev = &a->load[a->nload - 1];
		if (s.vaddr < prev->vaddr + prev->memsz)
			return fail(why, "loadable segments overlap or are out of order");
	}
	a->load[a->nload++] = s;
	return 0;
}

/* Pages shared by two segments take both protections: never W and X at once. */
static int check_pages(struct appelf *a, const char **why)
{
	a->lo = page_down(a->load[0].vaddr);
	const struct appelf_seg *last = &a->load[a->nload - 1];
	a->hi = page_down(last->vaddr + last->memsz + APPELF_PAGE - 1);
	if (a->hi - a->lo > APPELF_MAX_SPAN)
		return fail(why, "the program spans more than 1 GiB of addresses");
	for (int i = 0; i < a->nload; i++) {
		uint64_t pg = page_down(a->load[i].vaddr);
		uint32_t f = appelf_page_flags(a, pg);
		if ((f & APPELF_W) && (f & APPELF_X))
			return fail(why, "a page would be both writable and executable "
					 "(Toro keeps W^X)");
	}
	return 0;
}

int appelf_parse(const uint8_t *buf, size_t len, uint64_t file_len, struct appelf *a,
		 const char **why)
{
	*a = (struct appelf){ 0 };
	int err = parse_ehdr(buf, len, a, why);
	if (err)
		return err;
	bool dynamic = false;
	for (int i = 0; i < a->phnum; i++) {
		const uint8_t *p = buf + a->phoff + (uint64_t)i * 56;
		uint32_t type = (uint32_t)rd(p, 4);
		if (type == PT_INTERP)
			return fail(why, "a dynamically linked program (it names an interpreter): "
					 "link it with -static or -static-pie");
		if (type == PT_DYNAMIC)
			dynamic = true;
		if (type == PT_LOAD && (err = add_load(p, file_len, a, why)))
			return err;
	}
	if (a->pie && !dynamic)
		return fail(why, "a position-independent file without a dynamic section "
				 "(a shared library?): link the program with -static-pie");
	if (a->nload == 0)
		return fail(why, "no loadable segment");
	if ((err = check_pages(a, why)))
		return err;
	/* The headers must be mapped: AT_PHDR points at them. */
	const struct appelf_seg *h = &a->load[0];
	if (h->offset != 0 || a->phoff + (uint64_t)a->phnum * 56 > h->filesz)
		return fail(why, "the ELF and program headers are not in the first loadable "
				 "segment (an unusual link: Toro needs them mapped)");
	a->hdr_vaddr = h->vaddr;
	if (!(appelf_page_flags(a, page_down(a->entry)) & APPELF_X))
		return fail(why, "the entry point is not in an executable segment");
	return 0;
}

uint32_t appelf_page_flags(const struct appelf *a, uint64_t pg)
{
	uint32_t f = 0;
	for (int i = 0; i < a->nload; i++) {
		const struct appelf_seg *s = &a->load[i];
		if (s->vaddr < pg + APPELF_PAGE && s->vaddr + s->memsz > pg)
			f |= s->flags;
	}
	return f;
}

int appelf_strings(const char *buf, size_t len, uint32_t envc, uint32_t argc,
		   const char **env, const char **argv)
{
	const char *p = buf, *end = buf + len;
	if (envc > APPELF_PACKED_MAX || argc > APPELF_PACKED_MAX)
		return -EINVAL;
	for (uint32_t i = 0; i < envc + argc; i++) {
		const char *str = p;
		while (p < end && *p)
			p++;
		if (p == end)
			return -EINVAL;
		if (i < envc) {
			const char *eq = str;
			while (*eq && *eq != '=')
				eq++;
			if (eq == str || !*eq)
				return -EINVAL;
			env[i] = str;
		} else {
			argv[i - envc] = str;
		}
		p++;
	}
	return p == end ? 0 : -EINVAL;
}
