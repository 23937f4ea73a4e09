// SPDX-License-Identifier: MIT
/*
 * The packed static program (k/app.h, docs/static.md): found through the
 * APPELF_PT_INFO program header the packer added to the image's own table,
 * checked again here (the packer's checks are not trusted: the same
 * appelf_parse, plus the info page against what it finds), its pages kept from
 * the allocator and given the program's protections.
 */
#include <k/app.h>
#include <k/component.h>
#include <k/console.h>
#include <k/errno.h>
#include <k/pmm.h>
#include <k/smp.h>
#include <k/string.h>
#include <k/uvm.h>
#include <k/vmm.h>

const struct app_image *app;
static struct app_image image;
static uint64_t info_page, info_size;

/* The packed environment and arguments, after the info struct. */
static bool take_strings(const struct appelf_info *in)
{
	if (sizeof(*in) + (uint64_t)in->strings > info_size ||
	    appelf_strings((const char *)(in + 1), in->strings, in->envc, in->argc,
			   image.envp, image.argv))
		return false;
	image.envc = (int)in->envc;
	image.argc = (int)in->argc;
	return true;
}

static const struct appelf_info *find_info(void)
{
	const uint8_t *eh = (const uint8_t *)__toro_load_start;
	uint64_t phoff = *(const uint64_t *)(eh + 32);
	uint16_t phnum = *(const uint16_t *)(eh + 56);
	for (int i = 0; i < phnum && i < 64; i++) {
		const uint8_t *p = eh + phoff + (uint64_t)i * 56;
		if (*(const uint32_t *)p == APPELF_PT_INFO)
			return (const struct appelf_info *)*(const uint64_t *)(p + 16);
	}
	return NULL;
}

void app_find(bool (*ram_ok)(uint64_t lo, uint64_t hi))
{
	const struct appelf_info *in = find_info();
	if (!in)
		return;
	uint64_t at = (uint64_t)in, kend = (uint64_t)__toro_bss_end;
	if (at < kend || (at & 0xfff) || !ram_ok(at, at + 4096) || in->magic != APPELF_MAGIC ||
	    in->size < 4096 || in->size > APPELF_INFO_MAX || (in->size & 0xfff) ||
	    !ram_ok(at, at + in->size))
		panic("the packed program's description is malformed: pack it again");
	info_page = at;
	info_size = in->size;
	if (!take_strings(in))
		panic("the packed program's arguments are malformed: pack it again");
	image.bias = in->bias;
	image.lo = in->lo;
	image.hi = in->hi;
	if (image.lo < at + info_size || image.hi <= image.lo || image.hi - image.lo > APPELF_MAX_SPAN ||
	    (image.lo & 0xfff) || (image.hi & 0xfff) || (image.bias & 0xfff) ||
	    in->hdr < image.lo || in->hdr >= image.hi)
		panic("the packed program's description is malformed: pack it again");
	if (image.hi > APPELF_MAX_END) /* the boot page tables map the first GiB */
		panic("the packed program lies above 1 GiB: pack it again");
	if (!ram_ok(image.lo, image.hi))
		panic("the program needs memory up to %#lx, more than this VM has: "
		      "give it more memory (-m)", (unsigned long)image.hi);
	const char *why;
	if (appelf_parse((const uint8_t *)in->hdr, image.hi - in->hdr, 0, &image.elf, &why))
		panic("the packed program: %s", why);
	if (image.elf.lo + image.bias != image.lo || image.elf.hi + image.bias != image.hi ||
	    image.elf.hdr_vaddr + image.bias != in->hdr || (image.bias && !image.elf.pie))
		panic("the packed program's description does not match its headers: pack it again");
	static char name[sizeof(in->name)];
	memcpy(name, in->name, sizeof(name) - 1);
	image.name = name[0] ? name : "app";
	app = &image;
}

void app_reserve(void)
{
	if (!app)
		return;
	pmm_reserve_range(info_page, info_size);
	pmm_reserve_range(app->lo, app->hi - app->lo);
}

void app_map(void)
{
	if (!app)
		return;
	const struct appelf *e = &app->elf;
	for (int i = 0; i < e->nload; i++) {
		const struct appelf_seg *s = &e->load[i];
		uint64_t from = app->bias + s->vaddr + s->filesz, to = app->bias + s->vaddr + s->memsz;
		memset((void *)from, 0, to - from);
	}
	for (uint64_t pg = app->lo; pg < app->hi; pg += 4096) {
		uint32_t f = appelf_page_flags(e, pg - app->bias);
		unsigned fl = VMM_U | ((f & APPELF_W) ? VMM_W : 0) | ((f & APPELF_X) ? VMM_X : 0);
		if (!f) {
			/* a hole between segments: not the program's */
			vmm_unmap(pg);
			continue;
		}
		if (vmm_protect(pg, fl))
			panic("out of memory for the program's page tables");
	}
}

bool app_range_ok(uint64_t p, uint64_t n)
{
	return app && p >= app->lo && p + n >= p && p + n <= app->hi;
}

long app_mprotect(uint64_t addr, uint64_t len, int prot)
{
	uint64_t end = (addr + len + 0xfff) & ~0xfffull;
	if ((addr & 0xfff) || end < addr || !app_range_ok(addr, end - addr))
		return -ENOMEM;
	if ((prot & PROT_WRITE) && (prot & PROT_EXEC))
		return -EACCES;
	for (uint64_t pg = addr; pg < end; pg += 4096)
		if (!appelf_page_flags(&app->elf, pg - app->bias))
			return -ENOMEM;
	unsigned fl = (prot & PROT_WRITE ? VMM_W : 0) | (prot & PROT_EXEC ? VMM_X : 0);
	/* Physical == virtual here, so PROT_NONE can unmap the page and a later
	 * mprotect map the same page back: its contents stay. */
	for (uint64_t pg = addr; pg < end; pg += 4096) {
		if (prot == 0)
			vmm_unmap(pg);
		else if (vmm_map(pg, pg, VMM_U | fl))
			return -ENOMEM;
	}
	tlb_shootdown(addr, end);
	return 0;
}

static const struct app_loader loader = { app_find, app_reserve, app_map };
SYSGROUP(app) = { SYSOPT_HOOK(SYSOPT_APP, &loader) };
