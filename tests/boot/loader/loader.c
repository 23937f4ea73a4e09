/* SPDX-License-Identifier: MIT */
/*
 * The loader test image: enters a Toro ELF (the Multiboot module or PVH
 * initrd) exactly as Firecracker's Linux 64-bit boot does, so that the entry
 * Firecracker uses can be tested under QEMU (no KVM here, no Firecracker).
 * Firecracker's layout (its documented guest memory layout and boot set-up):
 *   0x500 GDT, 0x520 IDT, 0x7000 boot_params, 0x8ff0 stack, 0x9000/0xa000/0xb000
 *   PML4/PDPT/PD, 0x20000 command line (2048 bytes at most), 0x9fc00 the MP
 *   table, 0xe0000 the RSDP (ACPI, Firecracker >= 1.8); PT_LOAD segments at
 *   p_paddr (p_filesz bytes), entry e_entry; e820: [0, 0x9fc00) RAM,
 *   [0x9fc00, 1 MiB) reserved, RAM from 1 MiB on.
 * Its command line: loader words, then "--", then Toro's command line:
 *   fc.mp       MP table only: no RSDP address in boot_params (for a machine
 *               without ACPI tables, QEMU microvm acpi=off), as Firecracker < 1.8
 *   (default)   the MP table and the firmware's ACPI tables, their RSDP in
 *               boot_params.acpi_rsdp_addr, as Firecracker >= 1.8 (passed
 *               through: QEMU's tables, not Firecracker's)
 *   fc.pvh      Firecracker's PVH boot instead (its versions with PVH support):
 *               hvm_start_info at 0x6000, its memory map at 0x7000, the command
 *               line at 0x20000, the ELF's PVH note entry in 32-bit protected
 *               mode with EBX = 0x6000 (the MP table as well; no RSDP address)
 *   fc.bad=e820|cmdline|header  a malformed boot_params (tests/boot/run.sh)
 * Errors print "loader: ..." on the serial port and stop the VM.
 */
#include <stddef.h>
#include <stdint.h>

#include "mptable_fc.h"

#define GDT 0x500
#define IDT 0x520
#define ZERO_PAGE 0x7000
#define PML4 0x9000
#define PDPT 0xa000
#define PD 0xb000
#define CMDLINE 0x20000
#define CMDLINE_MAX 2048
#define EBDA 0x9fc00
#define HIMEM 0x100000
#define LOADER_LOW 0x6000000 /* loader.ld */
#define PVH_MAGIC 0x336ec578u
#define MB_MAGIC 0x2badb002u

void enter64(uint32_t lo, uint32_t hi) __attribute__((noreturn));
void enter_pvh(uint32_t entry) __attribute__((noreturn));
static void say(const char *s);
void loader_main(uint32_t eax, uint32_t ebx);

/* ---- console and port I/O ---- */
static void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }

static void putc_serial(char c)
{
	for (int i = 0; i < 100000 && !(inb(0x3fd) & 0x20); i++)
		;
	outb(0x3f8, (uint8_t)c);
}

static void say(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			putc_serial('\r');
		putc_serial(*s);
	}
}

static void say_hex(uint64_t v)
{
	char b[19] = "0x";
	int n = 2;
	for (int sh = 60; sh >= 0; sh -= 4)
		if ((v >> sh) || sh == 0 || n > 2)
			b[n++] = "0123456789abcdef"[(v >> sh) & 15];
	b[n] = 0;
	say(b);
}

static void stop(const char *why) __attribute__((noreturn));
static void stop(const char *why)
{
	say("loader: ");
	say(why);
	say("\n");
	outb(0x64, 0xfe); /* the i8042 reset: QEMU -no-reboot exits */
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* ---- small library ---- */
static void *mset(void *d, int c, size_t n)
{
	uint8_t *p = d;
	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

static void mmove(void *d, const void *s, size_t n)
{
	uint8_t *dp = d;
	const uint8_t *sp = s;
	if (dp < sp)
		while (n--)
			*dp++ = *sp++;
	else
		while (n--)
			dp[n] = sp[n];
}

static size_t slen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

static int has_word(const char *s, size_t n, const char *w)
{
	size_t wl = slen(w);
	for (size_t i = 0; i + wl <= n; i++) {
		if ((i == 0 || s[i - 1] == ' ') && (i + wl == n || s[i + wl] == ' ')) {
			size_t k = 0;
			while (k < wl && s[i + k] == w[k])
				k++;
			if (k == wl)
				return 1;
		}
	}
	return 0;
}

static uint32_t rd32(const void *p) { return *(const uint32_t *)p; }
static uint64_t rd64(const void *p) { return *(const uint64_t *)p; }
static void wr16(uint32_t a, uint16_t v) { *(volatile uint16_t *)a = v; }
static void wr32(uint32_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static void wr64(uint32_t a, uint64_t v) { *(volatile uint64_t *)a = v; }

/* ---- what QEMU gave: the module, the command line, the memory map ---- */
struct given {
	uint32_t mod, mod_size;
	const char *cmdline;
	uint64_t ram_base[32], ram_len[32];
	int nram;
};

static void add_ram(struct given *g, uint64_t base, uint64_t len, uint32_t type)
{
	if (type == 1 && len && g->nram < 32) {
		g->ram_base[g->nram] = base;
		g->ram_len[g->nram++] = len;
	}
}

static void from_pvh(struct given *g, uint32_t si)
{
	if (rd32((void *)(si + 12)) == 0)
		stop("no module: give the Toro ELF with -initrd");
	uint32_t mods = (uint32_t)rd64((void *)(si + 16));
	g->mod = (uint32_t)rd64((void *)mods);
	g->mod_size = (uint32_t)rd64((void *)(mods + 8));
	g->cmdline = (const char *)(uint32_t)rd64((void *)(si + 24));
	uint32_t mm = (uint32_t)rd64((void *)(si + 40)), n = rd32((void *)(si + 48));
	for (uint32_t i = 0; rd32((void *)(si + 4)) >= 1 && i < n; i++)
		add_ram(g, rd64((void *)(mm + i * 24)), rd64((void *)(mm + i * 24 + 8)),
			rd32((void *)(mm + i * 24 + 16)));
}

static void from_multiboot(struct given *g, uint32_t mb)
{
	uint32_t flags = rd32((void *)mb);
	if (!(flags & (1u << 3)) || rd32((void *)(mb + 20)) == 0)
		stop("no module: give the Toro ELF with -initrd");
	uint32_t mods = rd32((void *)(mb + 24));
	g->mod = rd32((void *)mods);
	g->mod_size = rd32((void *)(mods + 4)) - g->mod;
	g->cmdline = flags & (1u << 2) ? (const char *)rd32((void *)(mb + 16)) : "";
	if (!(flags & (1u << 6)))
		stop("no memory map from the boot loader");
	uint32_t len = rd32((void *)(mb + 44)), m = rd32((void *)(mb + 48));
	for (uint32_t off = 0; off + 24 <= len; off += rd32((void *)(m + off)) + 4)
		add_ram(g, rd64((void *)(m + off + 4)), rd64((void *)(m + off + 12)),
			rd32((void *)(m + off + 20)));
}

/* ---- the Toro ELF's PT_LOAD segments at p_paddr, as Firecracker loads them ---- */
static uint64_t load_elf(const struct given *g)
{
	const uint8_t *f = (const uint8_t *)g->mod;
	if (g->mod_size < 64 || rd32(f) != 0x464c457f || f[4] != 2 || f[5] != 1 ||
	    *(const uint16_t *)(f + 18) != 0x3e)
		stop("the module is not an x86-64 ELF");
	uint64_t entry = rd64(f + 24), phoff = rd64(f + 32);
	uint16_t phentsize = *(const uint16_t *)(f + 54), phnum = *(const uint16_t *)(f + 56);
	if (phentsize != 56 || phoff < 64 || phoff + (uint64_t)phnum * 56 > g->mod_size)
		stop("bad program headers");
	if (entry < HIMEM)
		stop("e_entry below 1 MiB (Firecracker refuses it)");
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = f + phoff + i * 56;
		uint64_t off = rd64(ph + 8), pa = rd64(ph + 24), fsz = rd64(ph + 32);
		if (rd32(ph) != 1 || fsz == 0)
			continue;
		if (off + fsz > g->mod_size || pa < HIMEM || pa + fsz > LOADER_LOW ||
		    (pa + fsz > g->mod && pa < (uint64_t)g->mod + g->mod_size))
			stop("a PT_LOAD segment lies outside [1 MiB, 96 MiB) or over the module");
		mmove((void *)(uint32_t)pa, f + off, (size_t)fsz);
	}
	return entry;
}

/* ---- Firecracker's boot state ---- */
static void page_tables(void)
{
	mset((void *)PML4, 0, 3 * 4096);
	wr64(PML4, PDPT | 3);
	wr64(PDPT, PD | 3);
	for (uint32_t i = 0; i < 512; i++)
		wr64(PD + i * 8, ((uint64_t)i << 21) | 0x83);
}

static void gdt_idt(void)
{
	wr64(GDT, 0);
	wr64(GDT + 8, 0x00af9b000000ffffull);  /* code */
	wr64(GDT + 16, 0x00cf93000000ffffull); /* data */
	wr64(GDT + 24, 0x008f8b000000ffffull); /* TSS */
	wr64(IDT, 0);
}

static void e820_add(uint32_t *n, uint64_t base, uint64_t len, uint32_t type)
{
	uint32_t e = ZERO_PAGE + 0x2d0 + *n * 20;
	if (*n == 128)
		stop("more than 128 e820 entries");
	wr64(e, base);
	wr64(e + 8, len);
	wr32(e + 16, type);
	(*n)++;
}

static uint32_t e820(const struct given *g)
{
	uint32_t n = 0;
	e820_add(&n, 0, EBDA, 1);
	e820_add(&n, EBDA, HIMEM - EBDA, 2);
	for (int i = 0; i < g->nram; i++) {
		uint64_t b = g->ram_base[i], end = b + g->ram_len[i];
		if (end <= HIMEM)
			continue;
		if (b < HIMEM)
			b = HIMEM;
		e820_add(&n, b, end - b, 1);
	}
	return n;
}

/* The firmware's RSDP, 16-byte aligned in 0xe0000-0xfffff (ACPI 5.2.5.1). */
static uint32_t find_rsdp(void)
{
	for (uint32_t a = 0xe0000; a < 0x100000; a += 16) {
		const uint8_t *p = (const uint8_t *)a;
		if (rd32(p) != 0x20445352 || rd32(p + 4) != 0x20525450) /* "RSD PTR " */
			continue;
		uint8_t sum = 0;
		for (int i = 0; i < 20; i++)
			sum += p[i];
		if (sum == 0)
			return a;
	}
	return 0;
}

static int fw_cfg_cpus(void)
{
	outw(0x510, 0x05); /* FW_CFG_NB_CPUS */
	int n = inb(0x511);
	n |= inb(0x511) << 8;
	return n >= 1 && n <= 254 ? n : 1;
}

/* The Toro command line: what follows the first "--" word. */
static const char *toro_words(const char *s)
{
	for (size_t i = 0; s[i]; i++)
		if (s[i] == '-' && s[i + 1] == '-' && (i == 0 || s[i - 1] == ' ') &&
		    (s[i + 2] == ' ' || s[i + 2] == 0))
			return s[i + 2] ? s + i + 3 : s + i + 2;
	return "";
}

static void zero_page(const struct given *g, const char *opts, size_t nopts)
{
	const char *words = toro_words(g->cmdline);
	size_t len = slen(words);
	if (len + 1 > CMDLINE_MAX)
		stop("the command line is longer than Firecracker's 2048 bytes");
	mmove((void *)CMDLINE, words, len + 1);
	mset((void *)ZERO_PAGE, 0, 4096);
	wr16(ZERO_PAGE + 0x1fe, 0xaa55);          /* boot_flag */
	wr32(ZERO_PAGE + 0x202, 0x53726448);      /* header "HdrS" */
	*(volatile uint8_t *)(ZERO_PAGE + 0x210) = 0xff; /* type_of_loader: other */
	wr32(ZERO_PAGE + 0x228, CMDLINE);         /* cmd_line_ptr */
	wr32(ZERO_PAGE + 0x230, 0x01000000);      /* kernel_alignment */
	wr32(ZERO_PAGE + 0x238, (uint32_t)len + 1); /* cmdline_size */
	*(volatile uint8_t *)(ZERO_PAGE + 0x1e8) = (uint8_t)e820(g);
	if (!has_word(opts, nopts, "fc.mp")) {
		uint32_t rsdp = find_rsdp();
		if (!rsdp)
			stop("no RSDP in 0xe0000-0xfffff: this machine has no ACPI (use fc.mp)");
		wr64(ZERO_PAGE + 0x070, rsdp);    /* acpi_rsdp_addr */
	}
	if (has_word(opts, nopts, "fc.bad=e820"))
		*(volatile uint8_t *)(ZERO_PAGE + 0x1e8) = 0;
	if (has_word(opts, nopts, "fc.bad=cmdline"))
		wr32(ZERO_PAGE + 0x228, 0xfffff000);
	if (has_word(opts, nopts, "fc.bad=header"))
		wr32(ZERO_PAGE + 0x202, 0);
}

/* The ELF's PVH entry (XEN_ELFNOTE_PHYS32_ENTRY, type 18, name "Xen"), or 0. */
static uint32_t pvh_entry(const struct given *g)
{
	const uint8_t *f = (const uint8_t *)g->mod;
	uint64_t phoff = rd64(f + 32);
	uint16_t phnum = *(const uint16_t *)(f + 56);
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = f + phoff + i * 56;
		uint64_t off = rd64(ph + 8), sz = rd64(ph + 32);
		if (rd32(ph) != 4 || off + sz > g->mod_size)
			continue;
		for (uint64_t o = 0; o + 12 <= sz;) {
			const uint8_t *n = f + off + o;
			uint32_t nsz = rd32(n), dsz = rd32(n + 4), type = rd32(n + 8);
			uint64_t d = o + 12 + ((nsz + 3) & ~3u);
			if (type == 18 && nsz == 4 && rd32(n + 12) == 0x006e6558 && d + 4 <= sz)
				return rd32(f + off + d);
			o = d + ((dsz + 3) & ~3u);
		}
	}
	return 0;
}

/* Firecracker's PVH layout: start_info, memory map, GDT; then the entry. */
static void boot_pvh(const struct given *g, uint32_t entry)
{
	uint32_t n = e820(g); /* written at 0x72d0: copied to the PVH map below */
	uint8_t tmp[128 * 20];
	mmove(tmp, (void *)(ZERO_PAGE + 0x2d0), n * 20);
	mset((void *)0x6000, 0, 0x2000);
	for (uint32_t i = 0; i < n; i++) {
		mmove((void *)(0x7000 + i * 24), tmp + i * 20, 20);
		wr32(0x7000 + i * 24 + 20, 0);
	}
	wr32(0x6000, 0x336ec578);   /* magic */
	wr32(0x6004, 1);            /* version */
	wr64(0x6018, CMDLINE);      /* cmdline_paddr */
	wr64(0x6028, 0x7000);       /* memmap_paddr */
	wr32(0x6030, n);            /* memmap_entries */
	wr64(GDT, 0);
	wr64(GDT + 8, 0x00cf9b000000ffffull);  /* 32-bit code */
	wr64(GDT + 16, 0x00cf93000000ffffull); /* data */
	wr64(GDT + 24, 0x0000890000000067ull); /* TSS (ltr marks it busy) */
	wr64(IDT, 0);
	say("loader: entering the PVH entry at ");
	say_hex(entry);
	say("\n");
	enter_pvh(entry);
}

void loader_main(uint32_t eax, uint32_t ebx)
{
	static struct given g;
	if (rd32((void *)ebx) == PVH_MAGIC)
		from_pvh(&g, ebx);
	else if (eax == MB_MAGIC)
		from_multiboot(&g, ebx);
	else
		stop("booted by neither PVH nor Multiboot");
	const char *words = toro_words(g.cmdline);
	size_t nopts = (size_t)(words - g.cmdline);
	uint64_t entry = load_elf(&g);
	int ncpus = fw_cfg_cpus();
	zero_page(&g, g.cmdline, nopts);
	mp_write(EBDA, ncpus);
	wr16(0x40e, 0); /* no BIOS data area under Firecracker: no EBDA pointer */
	if (has_word(g.cmdline, nopts, "fc.pvh")) {
		uint32_t pe = pvh_entry(&g);
		if (!pe)
			stop("fc.pvh: the ELF has no PVH note");
		boot_pvh(&g, pe);
	}
	page_tables();
	gdt_idt();
	say("loader: entering the ELF at ");
	say_hex(entry);
	say(has_word(g.cmdline, nopts, "fc.mp") ? " (MP table only, " : " (ACPI and MP table, ");
	say_hex((uint64_t)ncpus);
	say(" CPUs)\n");
	enter64((uint32_t)entry, (uint32_t)(entry >> 32));
}
