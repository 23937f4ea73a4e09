/* SPDX-License-Identifier: MIT */
/*
 * CPU set-up: feature detection (CPUID, on the boot core), and for every core
 * its GDT with a TSS whose IST stacks take NMI, double fault and machine check,
 * the shared IDT, control register bits (NX, WP, SMEP, SMAP, UMIP, SSE/XSAVE)
 * and the syscall MSRs.
 */
#include <k/arch.h>
#include <k/console.h>
#include <k/pmm.h>
#include <k/string.h>
#include "x86.h"
#include <k/kheap.h>
#include <k/sched.h>
#include <k/vmm.h>

struct cpu_features cpu_feat;

struct tss {
	uint32_t rsvd0;
	uint64_t rsp[3];
	uint64_t rsvd1;
	uint64_t ist[7];
	uint64_t rsvd2;
	uint16_t rsvd3;
	uint16_t iomap_base;
} __attribute__((packed));

struct idt_entry {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, rsvd;
} __attribute__((packed));

/* Per-core descriptor tables (cpu->arch). */
struct cpu_arch {
	uint64_t gdt[7];
	struct tss tss;
};

static struct cpu_arch boot_arch;
static struct idt_entry idt[256];
static bool smap_on;
extern char vec_stubs[], vec_other[];
#define VEC_STUBS 0x80
extern char syscall_entry[];

#define IST_NMI 1
#define IST_DF 2
#define IST_MC 3
#define IST_SIZE 4096
/* IST stacks, each with an unmapped guard page below (see vmm_init). */
__attribute__((aligned(4096), section(".bss.ist"))) char ist_stacks[3][2][IST_SIZE];

static void detect_features(void)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	cpu_feat.max_leaf = r[0];
	cpuid(1, 0, r);
	cpu_feat.xsave = r[2] & (1u << 26);
	cpu_feat.avx = r[2] & (1u << 28);
	cpu_feat.rdrand = r[2] & (1u << 30);
	cpu_feat.tsc_deadline = r[2] & (1u << 24);
	cpu_feat.x2apic = r[2] & (1u << 21);
	cpu_feat.hypervisor = r[2] & (1u << 31);
	if (cpu_feat.max_leaf >= 7) {
		cpuid(7, 0, r);
		cpu_feat.fsgsbase = r[1] & 1;
		cpu_feat.smep = r[1] & (1u << 7);
		cpu_feat.smap = r[1] & (1u << 20);
		cpu_feat.rdseed = r[1] & (1u << 18);
		cpu_feat.avx512 = r[1] & (1u << 16);
		cpu_feat.umip = r[2] & (1u << 2);
	}
	cpuid(0x80000000, 0, r);
	cpu_feat.max_ext_leaf = r[0];
	if (cpu_feat.max_ext_leaf >= 0x80000001) {
		cpuid(0x80000001, 0, r);
		cpu_feat.nx = r[3] & (1u << 20);
		cpu_feat.pdpe1gb = r[3] & (1u << 26);
	}
	if (cpu_feat.max_ext_leaf >= 0x80000007) {
		cpuid(0x80000007, 0, r);
		cpu_feat.invariant_tsc = r[3] & (1u << 8);
	}
}

static void enable_fpu(void)
{
	uint64_t cr0 = read_cr0();

	cr0 = (cr0 & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE;
	write_cr0(cr0);
	uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
	if (cpu_feat.xsave)
		cr4 |= CR4_OSXSAVE;
	write_cr4(cr4);
	cpu_feat.xsave_size = 512;
	if (cpu_feat.xsave) {
		uint32_t r[4];
		cpuid(0xd, 0, r);
		/* x87 | SSE, plus AVX and AVX-512 state when supported. */
		uint64_t want = 0x3;
		if (cpu_feat.avx)
			want |= 0x4;
		if (cpu_feat.avx512)
			want |= 0xe0;
		cpu_feat.xcr0 = want & (((uint64_t)r[3] << 32) | r[0]);
		xsetbv(0, cpu_feat.xcr0);
		cpuid(0xd, 0, r);
		cpu_feat.xsave_size = r[1]; /* size for what XCR0 enables */
	}
	/* Default x87 control word and MXCSR for ring 3. */
	__asm__ volatile("fninit");
	uint32_t mxcsr = 0x1f80;
	__asm__ volatile("ldmxcsr %0" ::"m"(mxcsr));
}

void fpu_save(void *area)
{
	if (cpu_feat.xsave)
		__asm__ volatile("xsave64 (%0)" ::"r"(area), "a"((uint32_t)cpu_feat.xcr0),
				 "d"((uint32_t)(cpu_feat.xcr0 >> 32)) : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" ::"r"(area) : "memory");
}

/* The state a new thread starts with: the caller's (as clone copies it), which
 * is what the FPU holds now, since the kernel never touches it. */
void fpu_init_area(void *area)
{
	fpu_save(area);
}

void fpu_restore(const void *area)
{
	if (cpu_feat.xsave)
		__asm__ volatile("xrstor64 (%0)" ::"r"(area), "a"((uint32_t)cpu_feat.xcr0),
				 "d"((uint32_t)(cpu_feat.xcr0 >> 32)) : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" ::"r"(area) : "memory");
}

static void gdt_init(struct cpu_arch *a, const uint64_t ist_top[3])
{
	uint64_t *gdt = a->gdt;
	uint64_t base = (uint64_t)&a->tss;
	uint64_t limit = sizeof(a->tss) - 1;

	gdt[0] = 0;
	gdt[1] = 0x00209a0000000000; /* kernel code, 64-bit */
	/* Kernel data, flat with B set: what SYSCALL itself puts in SS. QEMU's
	 * TCG keys translated code by SS's B bit too, so kernel code reached
	 * through an interrupt and through a system call shares one
	 * translation (intr_common loads this SS). */
	gdt[2] = 0x00cf92000000ffff;
	gdt[3] = 0x00cff2000000ffff; /* user data, DPL 3: B set, as SYSRET loads it */
	gdt[4] = 0x0020fa0000000000; /* user code, 64-bit, DPL 3 */
	gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
		 ((limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
	gdt[6] = base >> 32;
	for (int i = 0; i < 3; i++)
		a->tss.ist[i] = ist_top[i];
	a->tss.iomap_base = sizeof(a->tss); /* no I/O bitmap: ring 3 gets no ports */

	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr = { sizeof(a->gdt) - 1, (uint64_t)gdt };
	__asm__ volatile("lgdt %0\n\t"
			 "pushq $0x08\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "mov $0x10, %%eax\n\t"
			 "mov %%eax, %%ds\n\t"
			 "mov %%eax, %%es\n\t"
			 "mov %%eax, %%ss\n\t"
			 "ltr %w1"
			 :: "m"(gdtr), "r"((uint16_t)SEL_TSS) : "rax", "memory");
}

void idt_init(void)
{
	for (int v = 0; v < 256; v++) {
		uint64_t off = v < VEC_STUBS ? (uint64_t)vec_stubs + v * 16 : (uint64_t)vec_other;
		struct idt_entry *e = &idt[v];
		e->off_lo = off & 0xffff;
		e->sel = SEL_KCODE;
		e->ist = v == 2 ? IST_NMI : v == 8 ? IST_DF : v == 18 ? IST_MC : 0;
		e->type = 0x8e; /* present, DPL 0, interrupt gate */
		e->off_mid = off >> 16 & 0xffff;
		e->off_hi = off >> 32;
		e->rsvd = 0;
	}
	/* int3 may be used from ring 3 (debuggers, __builtin_trap-like code). */
	idt[3].type = 0xee;
}

static void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" ::"m"(idtr));
}

void cpu_set_kernel_stack(uint64_t top)
{
	struct cpu *c = this_cpu();
	((struct cpu_arch *)c->arch)->tss.rsp[0] = top;
	c->kernel_rsp = top;
}

void syscall_init(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	/* sysret: CS = base + 16, SS = base + 8, with base = 0x10. */
	wrmsr(MSR_STAR, (0x10ull << 48) | ((uint64_t)SEL_KCODE << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	/* Clear IF, DF, TF, AC, NT on entry: the kernel runs with interrupts off
	 * except where it waits, and an iretq with NT (which ring 3 may set)
	 * would be a task return: #GP in long mode. (Interrupts and exceptions
	 * clear NT themselves.) */
	wrmsr(MSR_FMASK, RFLAGS_IF | RFLAGS_DF | RFLAGS_TF | RFLAGS_AC | RFLAGS_NT);
}

/* Everything a core sets up for itself, the boot core and the others alike. */
static void cpu_setup(struct cpu *c, const uint64_t ist_top[3])
{
	c->self = c;
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	wrmsr(MSR_KERNEL_GS, 0);
	gdt_init(c->arch, ist_top);
	idt_load();
	if (cpu_feat.nx)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	write_cr0(read_cr0() | CR0_WP);
	uint64_t cr4 = read_cr4();
	if (cpu_feat.smep)
		cr4 |= CR4_SMEP;
	if (cpu_feat.umip)
		cr4 |= CR4_UMIP;
	if (smap_on)
		cr4 |= CR4_SMAP;
	write_cr4(cr4);
	enable_fpu();
	syscall_init();
}

void cpu_init(void)
{
	uint64_t ist_top[3];
	detect_features();
	/* The kernel reaches user memory only through the stac/clac copy
	 * routines, so SMAP is on from the start, on every core. */
	smap_on = cpu_feat.smap;
	idt_init();
	for (int i = 0; i < 3; i++)
		ist_top[i] = (uint64_t)ist_stacks[i][1] + IST_SIZE;
	cpus[0].arch = &boot_arch;
	cpu_setup(&cpus[0], ist_top);
}

/* Descriptor tables and IST stacks of another core, made by the boot core. */
bool cpu_prepare_ap(struct cpu *c)
{
	struct cpu_arch *a = kzalloc(sizeof(*a));
	if (!a)
		return false;
	c->arch = a;
	for (int i = 0; i < 3; i++) {
		a->tss.ist[i] = (uint64_t)vmm_alloc_kstack(1);
		if (!a->tss.ist[i])
			return false;
	}
	return true;
}

void cpu_init_ap(struct cpu *c)
{
	struct cpu_arch *a = c->arch;
	uint64_t ist_top[3] = { a->tss.ist[0], a->tss.ist[1], a->tss.ist[2] };
	cpu_setup(c, ist_top);
}

void cpu_print_features(void)
{
	kprintf("toro: cpu nx=%d smep=%d smap=%d umip=%d xsave=%d avx=%d rdrand=%d "
		"tsc_deadline=%d x2apic=%d xsave_size=%u\n",
		cpu_feat.nx, cpu_feat.smep, cpu_feat.smap, cpu_feat.umip, cpu_feat.xsave,
		cpu_feat.avx, cpu_feat.rdrand, cpu_feat.tsc_deadline, cpu_feat.x2apic,
		cpu_feat.xsave_size);
}

/* The current core: %gs:0 holds the pointer to its struct cpu. volatile, as a
 * thread may resume on another core after any switch. */
struct cpu *this_cpu(void)
{
	struct cpu *c;
	__asm__ volatile("mov %%gs:0, %0" : "=r"(c));
	return c;
}

void arch_tlb_flush(uint64_t start, uint64_t end)
{
	if (end - start > 64 * 4096) {
		write_cr3(read_cr3());
		return;
	}
	for (uint64_t a = start & ~0xfffull; a < end; a += 4096)
		invlpg(a);
}
