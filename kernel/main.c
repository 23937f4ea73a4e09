/* SPDX-License-Identifier: MIT */
/*
 * Kernel start: console, boot information, CPU, memory, time, then the
 * application. Try it: `bin/toro run build/examples/hello.elf -- world`.
 * Options: toro.debug prints the memory map and CPU features at boot;
 * toro.bench prints the TSC at kernel entry (with -icount, an instruction count);
 * toro.bootstats the TSC at each boot phase (k/bootstats.h).
 */
#include <k/app.h>
#include <k/arch.h>
#include <k/bootargs.h>
#include <k/bootinfo.h>
#include <k/bootstats.h>
#include <k/cmdline.h>
#include <k/component.h>
#include <k/console.h>
#include <k/fmt.h>
#include <k/fd.h>
#include <k/pmm.h>
#include <k/proc.h>
#include <k/sched.h>
#include <k/smp.h>
#include <k/string.h>
#include <k/time.h>
#include <k/uart.h>
#include <k/uvm.h>
#include <k/vmm.h>

void cpu_init(void);
void timer_init(void);
void cpu_print_features(void);
extern uint64_t boot_rsdp;

static struct boot_info bi;
static struct cmdline cl;
static bool debug;
extern bool syscall_trace, time_debug;

/* Before paging is rebuilt, the boot tables map the first 1 GiB. */
static const void *map_boot(uint64_t pa, size_t len)
{
	if (pa == 0 || pa + len < pa || pa + len > 0x40000000ull)
		return NULL;
	return (const void *)pa;
}

/* The loader put the image at 1 MiB and zeroed its bss wherever that falls:
 * it must all be RAM, or the kernel would run on memory that is not there. */
static void check_image_fits(void)
{
	uint64_t start = (uint64_t)__toro_load_start, end = (uint64_t)__toro_bss_end;
	for (int i = 0; i < bi.nmem; i++) {
		const struct boot_mem *m = &bi.mem[i];
		if (m->type == BOOT_MEM_RAM && m->base <= start && m->base + m->len >= end)
			return;
	}
	panic("the image needs %lu KiB of RAM from 1 MiB on, more than this VM has: "
	      "give it more memory (-m)", (unsigned long)((end - start) >> 10));
}

static bool is_ram(uint64_t lo, uint64_t hi)
{
	for (int i = 0; i < bi.nmem; i++) {
		const struct boot_mem *m = &bi.mem[i];
		if (m->type == BOOT_MEM_RAM && m->base <= lo && m->base + m->len >= hi)
			return true;
	}
	return false;
}

static void memory_init(void)
{
	/* The loader of a program packed with toro pack --app: linked only
	 * into its loader image (the app component). */
	const struct syscall_opt *o = sysopt_next(NULL, SYSOPT_APP);
	const struct app_loader *ld = o ? o->p : NULL;

	check_image_fits();
	if (ld)
		ld->find(is_ram);
	pmm_init();
	for (int i = 0; i < bi.nmem; i++)
		if (bi.mem[i].type == BOOT_MEM_RAM)
			pmm_add_range(bi.mem[i].base, bi.mem[i].len);
	pmm_reserve_range(0, 0x1000);
	pmm_reserve_range(0x8000, 0x1000); /* start-up code of the other cores */
	pmm_reserve_range((uint64_t)__toro_load_start,
			  (uint64_t)__toro_bss_end - (uint64_t)__toro_load_start);
	if (ld)
		ld->reserve();
	if (pmm_total_pages() == 0)
		panic("no usable memory in the firmware memory map");
	vmm_init(&bi);
	if (ld)
		ld->map();
	uvm_init();
}

static void print_boot_info(void)
{
	kprintf("toro: booted by %s\n", bi.proto == BOOT_PVH ? "PVH"
				       : bi.proto == BOOT_LINUX64 ? "the Linux 64-bit entry" : "Multiboot");
	for (int i = 0; i < bi.nmem; i++)
		kprintf("toro: memory %#014lx-%#014lx %s\n", bi.mem[i].base,
			bi.mem[i].base + bi.mem[i].len - 1, bootinfo_type_name(bi.mem[i].type));
	if (bi.nmem_dropped)
		kprintf("toro: %d memory map entries dropped\n", bi.nmem_dropped);
	kprintf("toro: %zu KiB free of %zu KiB\n", pmm_free_pages() * 4, pmm_total_pages() * 4);
	cpu_print_features();
}

int smp_want;
const char *smp_bad_cpus;

/* toro.cpus=N: use at most N cores (0 or junk: all, with a message). */
static int parse_cpus(void)
{
	const char *v = cmdline_opt(&cl, "toro.cpus");
	unsigned long long n;
	if (!v)
		return 0;
	if (cmdline_parse_u64(v, &n) || n == 0 || n > MAX_CPUS) {
		smp_bad_cpus = v; /* smp_init says so, with the count it found */
		return 0;
	}
	return (int)n;
}

void kmain(uint32_t magic, uint32_t info)
{
	uint64_t entry_tsc = arch_rdtsc();

	uart_init();
	/* First: its control register bits are part of what QEMU's TCG keys
	 * translated code by, so code run before it is translated again after. */
	cpu_init();
	if (magic == LINUX64_MAGIC) { /* Firecracker: see docs/deploy.md */
		extern bool smp_no_fw_cfg, power_reset_first;
		smp_no_fw_cfg = power_reset_first = time_no_cmos = true;
	}
	if (bootinfo_parse(&bi, magic, info, map_boot) && bi.error[0])
		panic("%s", bi.error); /* a known protocol with unusable information */
	if (bi.proto == BOOT_NONE)
		panic("unknown boot protocol (eax %#x): boot with PVH, Multiboot or the "
		      "Linux 64-bit entry", magic);
	boot_rsdp = bi.rsdp;
	/* QEMU's Multiboot puts the kernel's file name first (GRUB's does not). */
	char *words = bi.cmdline;
	if (bi.cmdline_has_name) {
		while (*words && *words != ' ')
			words++;
	}
	if (cmdline_parse(&cl, words))
		kprintf("toro: command line too long, extra words ignored\n");
	debug = cmdline_opt(&cl, "toro.debug") != NULL;
	time_debug = debug;
	proc_debug = debug;
	syscall_trace = cmdline_opt(&cl, "toro.strace") != NULL;
	bootstats_init(entry_tsc, cmdline_opt(&cl, "toro.bootstats") != NULL);
	bootstats_stamp("cpu");
	memory_init();
	bootstats_stamp("memory");
	time_init(entry_tsc);
	timer_init();
	sched_init_cpu(&cpus[0]);
	sched_cores_ready();
	fd_init();
	smp_want = parse_cpus();
	const char *extra = cmdline_opt(&cl, "toro.smp.extra_apic");
	unsigned long long id;
	if (extra && cmdline_parse_u64(extra, &id) == 0 && id < 255) {
		extern int smp_extra_apic;
		smp_extra_apic = (int)id;
	}
	extern bool smp_no_acpi, smp_debug;
	smp_no_acpi = cmdline_opt(&cl, "toro.smp.no_acpi") != NULL;
	smp_debug = debug;
	if (debug)
		print_boot_info();
	if (cmdline_opt(&cl, "toro.bench"))
		kprintf("toro: entry_tsc=%lu\n", entry_tsc);
	bootstats_stamp("timer+sched");
	smp_init(smp_want);
	bootstats_stamp("smp");
	component_probe(&cl); /* PCI and virtio, when a linked driver needs them */
	bootstats_stamp("drivers");
	component_init(&cl); /* the file systems mount here, the stats channel starts */
	bootstats_stamp("components");
	smp_wait(); /* the other cores started while the drivers came up */
	bootstats_stamp("smp: cores up");
	component_start(&cl); /* the network, when linked: it takes every network device */
	bootstats_stamp("started components (network)");
	struct bootargs_vec args;
	bootargs_load(&cl, &args); /* fw_cfg's file, else the command line's words */
	time_refine_start(); /* when something measured the TSC's rate already */
	bootstats_main();
	proc_start(args.argv, args.argc, args.envp, args.envc);
}

void panic(const char *fmt, ...)
{
	va_list ap;
	char buf[256];
	va_start(ap, fmt);
	fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kprintf("toro: panic: %s\n", buf);
	proc_poweroff(255); /* a kernel in doubt writes nothing back */
}
