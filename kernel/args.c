/* SPDX-License-Identifier: MIT */
/*
 * Where the program's arguments and environment come from (k/bootargs.h):
 * the fw_cfg file opt/org.toro/args that `toro run` writes, with no limit on
 * content and up to 1 MiB; without it (Firecracker, a plain -append), the
 * kernel command line's words, as they always came.
 */
#include <k/arch.h>
#include <k/bootargs.h>
#include <k/cmdline.h>
#include <k/console.h>
#include <k/errno.h>
#include <k/pmm.h>
#include <k/proc.h>

#define PAGE 4096u

static __attribute__((noreturn)) void refuse(const char *why)
{
	kprintf("toro: the arguments file (fw_cfg " BOOTARGS_FWCFG_NAME ") is refused: %s\n", why);
	proc_poweroff(2);
}

static void *alloc_bytes(size_t n)
{
	void *p = pmm_alloc_contig(n == 0 ? 1 : (n + PAGE - 1) / PAGE);

	if (p == NULL)
		refuse("no memory for it: give the VM more (--mem)");
	return p;
}

static void from_cmdline(const struct cmdline *cl, struct bootargs_vec *out)
{
	out->argv = (const char *const *)cl->argv;
	out->argc = cl->argc;
	out->envp = (const char *const *)cl->envp;
	out->envc = cl->envc;
}

void bootargs_load(const struct cmdline *cl, struct bootargs_vec *out)
{
	uint16_t key;
	uint32_t size;
	struct bootargs ba;
	const char *why;
	const char **vec;
	char *buf;

	if (arch_fwcfg_find(BOOTARGS_FWCFG_NAME, &key, &size) != 0) {
		from_cmdline(cl, out);
		return;
	}
	if (size > BOOTARGS_MAX_BYTES)
		refuse("larger than 1 MiB");
	buf = alloc_bytes(size);
	if (arch_fwcfg_read(key, buf, size) != 0)
		refuse("fw_cfg did not deliver it (DMA error)");
	if (bootargs_parse(buf, size, &ba, &why) != 0)
		refuse(why);
	vec = alloc_bytes(((size_t)ba.argc + ba.envc) * sizeof(*vec));
	bootargs_split(&ba, vec);
	out->argv = vec;
	out->argc = (int)ba.argc;
	out->envp = vec + ba.argc;
	out->envc = (int)ba.envc;
	if (proc_debug)
		kprintf("toro: arguments file: %u bytes, %u arguments, %u variables (fw_cfg %s)\n",
			size, ba.argc, ba.envc, arch_fwcfg_has_dma() ? "DMA" : "port reads");
	/* The file is all of argv and envp; say so if the command line had some too. */
	if (cl->argc || cl->envc)
		kprintf("toro: arguments and environment from fw_cfg " BOOTARGS_FWCFG_NAME
			"; the command line's %d arguments and %d variables are not used\n",
			cl->argc, cl->envc);
}
