/* SPDX-License-Identifier: MIT */
/*
 * The process: its main thread and the Linux process stack musl's _start
 * expects (argc, argv, envp, auxv with AT_PHDR/AT_PHNUM/AT_RANDOM/...), built
 * at the top of a fresh user stack. The ELF header page is supervisor-only, so
 * the program headers are copied onto the stack and AT_PHDR points there.
 */
#include <k/app.h>
#include <k/arch.h>
#include <k/cmdline.h>
#include <k/console.h>
#include <k/errno.h>
#include <k/kheap.h>
#include <k/proc.h>
#include <k/random.h>
#include <k/sched.h>
#include <k/smp.h>
#include <k/string.h>
#include <k/syscall.h>
#include <k/uvm.h>
#include <k/vmm.h>
#include <k/wait.h>

#define MAIN_STACK_SIZE (8ull << 20)

struct process proc;
bool proc_debug;

extern char _start[];
extern const char toro_app_name[] __attribute__((weak));


enum {
	AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6, AT_BASE = 7,
	AT_FLAGS = 8, AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14,
	AT_PLATFORM = 15, AT_HWCAP = 16, AT_CLKTCK = 17, AT_SECURE = 23, AT_RANDOM = 25,
	AT_HWCAP2 = 26, AT_EXECFN = 31,
};

/* Push bytes below *sp; returns their user address, 0 on a fault. */
static uint64_t push(uint64_t *sp, const void *data, size_t n)
{
	*sp -= n;
	return user_copy_out(*sp, data, n) ? 0 : *sp;
}

static uint64_t push_str(uint64_t *sp, const char *s)
{
	return push(sp, s, strlen(s) + 1);
}

uint64_t arch_hwcap(void);
void arch_user_regs(struct regs **r, uint64_t entry, uint64_t sp);
struct thread *thread_alloc(bool user);
int thread_register(struct thread *t);

/* The host's shutdown requests are armed by a kernel thread on the first
 * core with nothing to do (sched_when_idle): on one core when the program
 * first waits, so reading the ACPI tables never delays its first steps, and
 * no second thread in the run queue makes the boot core arm a time slice
 * (which needs the TSC and local APIC rates: a 0.5 ms PIT measurement). */
static void shutdown_events(void *verbose)
{
	arch_shutdown_events_start(verbose != NULL);
}

/* What the process stack describes: the image's own program (toro-cc) or
 * a packed one (k/app.h). */
struct proc_image {
	const char *name;
	uint64_t entry;
	const void *phdr;   /* program headers to copy onto the stack, or NULL */
	uint64_t phdr_user; /* else their address in the program's memory */
	uint64_t phent, phnum;
};

static void proc_image_of(struct proc_image *pi)
{
	if (app) {
		const struct appelf *e = &app->elf;
		pi->name = app->name;
		pi->entry = app->bias + e->entry;
		pi->phdr = NULL;
		pi->phdr_user = app->bias + e->hdr_vaddr + e->phoff;
		pi->phent = 56;
		pi->phnum = e->phnum;
		return;
	}
	/* Program headers, from the ELF header at the image start. */
	const uint8_t *eh = (const uint8_t *)__toro_load_start;
	pi->name = toro_app_name ? toro_app_name : "app";
	pi->entry = (uint64_t)_start;
	pi->phdr = eh + *(const uint64_t *)(eh + 32);
	pi->phdr_user = 0;
	pi->phent = *(const uint16_t *)(eh + 54);
	pi->phnum = *(const uint16_t *)(eh + 56);
}

/* The boot's variables, then the packed ones whose names it does not set:
 * getenv finds the first, so the boot's win either way. out has room for
 * envc + app->envc. */
static int merge_env(const char **out, const char *const *envp, int envc)
{
	int n = 0;
	for (int i = 0; i < envc; i++)
		out[n++] = envp[i];
	for (int i = 0; i < app->envc; i++) {
		const char *v = app->envp[i];
		size_t klen = 0;
		while (v[klen] != '=')
			klen++;
		bool set = false;
		for (int j = 0; j < envc && !set; j++)
			set = strncmp(envp[j], v, klen + 1) == 0;
		if (!set)
			out[n++] = v;
	}
	return n;
}

/* Bytes the strings of list take with their NULs. */
static size_t strings_size(const char *const *list, int n)
{
	size_t total = 0;

	for (int i = 0; i < n; i++)
		total += strlen(list[i]) + 1;
	return total;
}

/*
 * Copy n strings to *str (advancing it) and their addresses to the pointer
 * table at *tab (advancing it), then the table's NULL. Each is copied straight
 * to its place: no kernel array bounds how many there are.
 */
static int put_strings(uint64_t *tab, uint64_t *str, const char *const *list, int n)
{
	uint64_t zero = 0;
	int err = 0;

	for (int i = 0; i < n && !err; i++) {
		size_t len = strlen(list[i]) + 1;

		err |= user_copy_out(*str, list[i], len);
		err |= user_copy_out(*tab, str, 8);
		*str += len;
		*tab += 8;
	}
	err |= user_copy_out(*tab, &zero, 8);
	*tab += 8;
	return err;
}

/*
 * The stack from the top: AT_RANDOM bytes, "x86_64", argv[0], the argument
 * and environment strings, the program headers, then (16-byte aligned)
 * argc, argv[] + NULL, envp[] + NULL, auxv.
 */
void proc_start(const char *const *argv, int argc, const char *const *envp, int envc)
{
	struct thread *t = thread_alloc(true);
	uint64_t sp = uvm_alloc_stack(MAIN_STACK_SIZE);
	if (!t || !sp || thread_register(t))
		panic("out of memory for the main thread");
	t->cpu = 0;
	t->affinity = ncpus >= 64 ? ~0ull : (1ull << ncpus) - 1;

	struct proc_image pi;
	proc_image_of(&pi);
	if (app) { /* the arguments and variables packed with it (k/app.h) */
		const char **envs = kmalloc(((size_t)envc + APPELF_PACKED_MAX) * sizeof(*envs));
		if (!envs)
			panic("out of memory for the program's environment");
		if (argc == 0) {
			argv = app->argv;
			argc = app->argc;
		}
		envc = merge_env(envs, envp, envc);
		envp = envs; /* kept: the program runs until the VM ends */
	}
	uint8_t rnd[16];
	random_fill(rnd, sizeof(rnd));
	uint64_t at_random = push(&sp, rnd, sizeof(rnd));
	uint64_t at_platform = push_str(&sp, "x86_64");
	uint64_t at_execfn = push_str(&sp, pi.name);
	size_t strbytes = strings_size(argv, argc) + strings_size(envp, envc);
	if (strbytes + (size_t)(argc + envc) * 8 > MAIN_STACK_SIZE / 2)
		panic("arguments and environment too large for the main stack");
	sp -= strbytes;
	uint64_t strs = sp;

	sp &= ~7ull;
	uint64_t at_phdr = pi.phdr ? push(&sp, pi.phdr, pi.phnum * pi.phent) : pi.phdr_user;

	uint64_t aux[][2] = {
		{ AT_PHDR, at_phdr }, { AT_PHENT, pi.phent }, { AT_PHNUM, pi.phnum },
		{ AT_PAGESZ, 4096 }, { AT_BASE, 0 }, { AT_FLAGS, 0 },
		{ AT_ENTRY, pi.entry }, { AT_UID, 0 }, { AT_EUID, 0 }, { AT_GID, 0 },
		{ AT_EGID, 0 }, { AT_PLATFORM, at_platform }, { AT_HWCAP, arch_hwcap() },
		{ AT_CLKTCK, 100 }, { AT_SECURE, 0 }, { AT_RANDOM, at_random },
		{ AT_HWCAP2, 0 }, { AT_EXECFN, at_execfn }, { AT_NULL, 0 },
	};
	size_t nptrs = 1 + ((size_t)argc + 2) + ((size_t)envc + 1); /* argc, argv+NULL, envp+NULL */
	size_t total = nptrs * 8 + sizeof(aux);
	sp = (sp - total) & ~15ull;
	uint64_t p = sp;
	uint64_t v = (uint64_t)argc + 1;
	int err = user_copy_out(p, &v, 8);
	p += 8;
	err |= user_copy_out(p, &at_execfn, 8);
	p += 8;
	err |= put_strings(&p, &strs, argv, argc);
	err |= put_strings(&p, &strs, envp, envc);
	err |= user_copy_out(p, aux, sizeof(aux));
	if (err || !at_random || !at_phdr)
		panic("cannot build the process stack");
	struct regs *r;
	arch_user_regs(&r, pi.entry, sp);
	if (!arch_thread_init(t, r, 0))
		panic("cannot start the main thread");
	t->affinity = ncpus >= 64 ? ~0ull : (1ull << ncpus) - 1;
	sched_wake(t);
	sched_when_idle(shutdown_events, proc_debug ? (void *)1 : NULL,
			"shutdown requests from the host are not armed");
	sched_run_idle();
}
