/* SPDX-License-Identifier: MIT */
/*
 * Finding and starting the other cores. How many: QEMU's fw_cfg (FW_CFG_NB_CPUS,
 * cheap, and the only source on microvm without ACPI), else the ACPI MADT; the
 * APIC ids from the MADT when there is one, else from an MP table (Firecracker
 * before 1.8 has nothing else), else 0..n-1 as QEMU numbers them.
 * Each core gets INIT, then SIPI (twice if needed) at the trampoline, and has
 * a bounded time to report in; one that does not is reported and skipped.
 * The first core is sent on its way early (smp_init), and the boot core goes
 * on with the drivers while it starts; smp_wait, before the network and the
 * program, collects it and starts the others (one trampoline: one at a time).
 */
#include <k/acpi.h>
#include <k/arch.h>
#include <k/bootstats.h>
#include <k/console.h>
#include <k/mptable.h>
#include <k/pmm.h>
#include <k/sched.h>
#include <k/smp.h>
#include <k/string.h>
#include <k/time.h>
#include <k/vmm.h>
#include "timer.h"
#include "x86.h"

#define TRAMP_BASE 0x8000
#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_SIGNATURE 0x00
#define FW_CFG_NB_CPUS 0x05

extern char trampoline_start[], trampoline_end[];
extern char tramp_cr3_off[], tramp_stack_off[], tramp_entry_off[], tramp_arg_off[],
	tramp_efer_off[];

bool cpu_prepare_ap(struct cpu *c);
void cpu_init_ap(struct cpu *c);
void sched_init_cpu(struct cpu *c);
void smp_report(void);

static int fw_cfg_cpus(void)
{
	char sig[4];
	arch_outw(FW_CFG_PORT_SEL, FW_CFG_SIGNATURE);
	for (int i = 0; i < 4; i++)
		sig[i] = (char)arch_inb(FW_CFG_PORT_DATA);
	if (memcmp(sig, "QEMU", 4))
		return 0;
	arch_outw(FW_CFG_PORT_SEL, FW_CFG_NB_CPUS);
	int n = arch_inb(FW_CFG_PORT_DATA);
	n |= arch_inb(FW_CFG_PORT_DATA) << 8;
	return n;
}


/* Set at boot by the Linux 64-bit entry: Firecracker has no fw_cfg, the
 * count comes from the MADT or the MP table (tests/boot/ checks that). */
bool smp_no_fw_cfg;
/* toro.smp.no_acpi (a test hook): ignore the MADT, so that the MP table is read. */
bool smp_no_acpi;
/* toro.debug: say how many CPUs the MP table lists. */
bool smp_debug;

const void *arch_map_firmware(void *ctx, uint64_t pa, size_t len);

/* APIC ids of the enabled application processors in the MP table; their
 * count, or -1 when there is no valid table, or it lists fewer enabled CPUs
 * than fw_cfg counts: SeaBIOS lists only the first CPU of each package. */
static int mp_discover(uint32_t *ids, int max, uint32_t self, int fw)
{
	static struct mptable_info mi;
	uint64_t fps;
	int n = 0;
	if (mptable_find(arch_map_firmware, NULL, &fps) || mptable_parse(&mi, fps, arch_map_firmware, NULL))
		return -1;
	unsigned enabled = 0;
	for (unsigned i = 0; i < mi.ncpus; i++) {
		const struct mptable_cpu *c = &mi.cpus[i];
		if (!(c->flags & MPTABLE_CPU_ENABLED))
			continue;
		enabled++;
		if (!(c->flags & MPTABLE_CPU_BSP) && c->apic_id != self && n < max)
			ids[n++] = c->apic_id;
	}
	if (smp_debug)
		kprintf("toro: MP table: %u CPUs\n", enabled);
	if (enabled == 0 || (fw > 0 && enabled < (unsigned)fw))
		return -1;
	return n;
}

/* APIC ids of the other cores, in MADT (or MP table) order; their count. */
static int discover(uint32_t *ids, int max, uint32_t self)
{
	int n = 0, fw = smp_no_fw_cfg ? 0 : fw_cfg_cpus();
	if (fw == 1)
		return 0; /* QEMU says one CPU: no tables to read */
	const struct acpi_info *ai = smp_no_acpi ? NULL : arch_acpi();
	if (ai && ai->have_madt) {
		for (unsigned i = 0; i < ai->ncpus && n < max; i++) {
			const struct acpi_cpu *c = &ai->cpus[i];
			/* Online-capable only: a hot-plug slot (-smp N,maxcpus=M). */
			if (c->apic_id != self && (c->flags & ACPI_CPU_ENABLED))
				ids[n++] = c->apic_id;
		}
		return n;
	}
	n = mp_discover(ids, max, self, fw);
	if (n >= 0)
		return n;
	n = 0;
	for (int i = 0; i < fw && n < max; i++)
		if ((uint32_t)i != self)
			ids[n++] = (uint32_t)i;
	return n;
}

/* Start-up waits count TSC ticks, not nanoseconds: knowing the TSC's rate
 * would mean calibrating it (10 ms) on every SMP boot. 10^6 ticks is 0.3 ms to
 * 1 ms on any CPU from 1 to 3 GHz, which bounds the waits well enough. */
#define MTICKS 1000000ull

static void spin_ticks(uint64_t ticks)
{
	uint64_t end = arch_rdtsc() + ticks;
	while (arch_rdtsc() < end)
		arch_pause();
}

/* One start-up attempt: the core claims it (WAITING -> CLAIMED) or the boot
 * core gives up on it (WAITING -> CANCELLED); a late core that finds its
 * attempt cancelled halts and never touches the cpu slot, which is reused. */
enum { WAITING, CLAIMED, CANCELLED };
static volatile int attempt_state;
static volatile int attempt_index;

/* First code of a started core, on the stack the boot core gave it. */
static void ap_entry(uint64_t unused)
{
	int expected = WAITING;
	int index = attempt_index;
	if (!__atomic_compare_exchange_n(&attempt_state, &expected, CLAIMED, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		for (;;)
			__asm__ volatile("cli; hlt");
	struct cpu *c = &cpus[index];
	cpu_init_ap(c);
	lapic_init_ap();
	sched_init_cpu(c);
	__atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
	bootstats_stamp("smp: a core online");
	sched_run_idle();
}

/* Get a core going: its stack, per-core tables and the trampoline's
 * arguments, then INIT and the first start-up IPI. false when out of memory. */
static bool launch(int index, uint32_t apic_id)
{
	struct cpu *c = &cpus[index];
	c->id = index;
	c->apic_id = apic_id;
	void *stack = vmm_alloc_kstack(4);
	if (!stack || !cpu_prepare_ap(c))
		return false;
	uint8_t *t = (uint8_t *)TRAMP_BASE;
	uint64_t efer = EFER_LME | (cpu_feat.nx ? EFER_NXE : 0);
	uint64_t cr3 = read_cr3(), entry = (uint64_t)ap_entry, arg = 0;
	uint64_t sp = (uint64_t)stack;
	memcpy(t + (uintptr_t)tramp_cr3_off, &cr3, 8);
	memcpy(t + (uintptr_t)tramp_stack_off, &sp, 8);
	memcpy(t + (uintptr_t)tramp_entry_off, &entry, 8);
	memcpy(t + (uintptr_t)tramp_arg_off, &arg, 8);
	memcpy(t + (uintptr_t)tramp_efer_off, &efer, 8);
	attempt_index = index;
	__atomic_store_n(&attempt_state, WAITING, __ATOMIC_SEQ_CST);

	lapic_send(apic_id, 0x4500); /* INIT, assert */
	spin_ticks(MTICKS / 4); /* INIT to SIPI: QEMU needs none, hardware 10 ms once */
	lapic_send(apic_id, 0x4600 | (TRAMP_BASE >> 12)); /* start-up */
	return true;
}

/* Wait for a launched core to report in, with a second start-up IPI if the
 * first went unanswered; give it up after that. */
static bool await(int index, uint32_t apic_id)
{
	struct cpu *c = &cpus[index];
	for (int tries = 0; tries < 2; tries++) {
		if (tries)
			lapic_send(apic_id, 0x4600 | (TRAMP_BASE >> 12));
		uint64_t end = arch_rdtsc() + (tries ? 400 * MTICKS : 30 * MTICKS);
		while (arch_rdtsc() < end) {
			if (__atomic_load_n(&attempt_state, __ATOMIC_ACQUIRE) == CLAIMED)
				goto claimed;
			arch_pause();
		}
	}
	int expected = WAITING;
	if (__atomic_compare_exchange_n(&attempt_state, &expected, CANCELLED, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return false;
claimed:
	while (!__atomic_load_n(&c->online, __ATOMIC_ACQUIRE))
		arch_pause();
	return true;
}

static void started(bool ok, uint32_t apic_id)
{
	if (ok)
		__atomic_store_n(&ncpus, ncpus + 1, __ATOMIC_RELEASE);
	else
		kprintf("toro: CPU with APIC id %u did not start, going on without it\n", apic_id);
}

/* toro.smp.extra_apic=ID (a test hook): also try to start a core with that
 * APIC id, as if the MADT listed one that does not answer. */
int smp_extra_apic = -1;

/* Between smp_init and smp_wait: the cores still to start, the first of them
 * launched already (first_launched) while the boot core goes on. */
static uint32_t todo[MAX_CPUS];
static int ntodo;
static bool first_launched;

void smp_init(int want)
{
	uint32_t self = lapic_id();
	cpus[0].apic_id = self;
	int n = discover(todo, MAX_CPUS - 2, self);
	bootstats_stamp("smp: cores found");
	if (smp_extra_apic >= 0 && smp_extra_apic < 255 && (uint32_t)smp_extra_apic != self)
		todo[n++] = (uint32_t)smp_extra_apic;
	if (want > 0 && n > want - 1)
		n = want - 1;
	ntodo = n;
	if (n == 0)
		return;
	/* The trampoline page is reserved at boot; make it executable for now. */
	memcpy((void *)TRAMP_BASE, trampoline_start, (size_t)(trampoline_end - trampoline_start));
	vmm_protect(TRAMP_BASE, VMM_W | VMM_X);
	first_launched = launch(ncpus, todo[0]);
}

void smp_wait(void)
{
	if (ntodo == 0) {
		smp_report();
		return;
	}
	for (int i = 0; i < ntodo; i++) {
		bool ok = i == 0 ? first_launched : launch(ncpus, todo[i]);
		started(ok && await(ncpus, todo[i]), todo[i]);
	}
	ntodo = 0;
	vmm_protect(TRAMP_BASE, VMM_W);
	smp_report();
}

/* After start-up: the message promised for a bad toro.cpus. */
void smp_report(void)
{
	extern const char *smp_bad_cpus;
	if (smp_bad_cpus)
		kprintf("toro: toro.cpus=%s is not a CPU count, using all %d CPUs\n",
			smp_bad_cpus, ncpus);
}
