/* SPDX-License-Identifier: MIT */
/*
 * An unmodified static program packed into the image (`toro pack --app`,
 * docs/static.md; format in k/appelf.h). The packer placed its segments at
 * their own addresses (physical == virtual); the kernel keeps those pages from
 * the page allocator, gives them the program's protections as user pages and
 * starts the program at its entry instead of the image's own main.
 * Call order at boot: app_find (before pmm_init's ranges are used), app_reserve
 * (after pmm_add_range), app_map (after vmm_init), then proc_start.
 */
#ifndef K_APP_H
#define K_APP_H

#include <stdbool.h>
#include <stdint.h>
#include <k/appelf.h>

struct app_image {
	struct appelf elf;      /* its headers, checked (unbiased addresses) */
	uint64_t bias;
	uint64_t lo, hi;        /* its pages (biased) */
	const char *name;       /* argv[0], AT_EXECFN */
	/* Packed with the program (toro pack -- ...): used when the boot gives
	 * no arguments; its variables come after the boot's, which win. */
	int argc, envc;
	const char *argv[APPELF_PACKED_MAX], *envp[APPELF_PACKED_MAX];
};

/* The packed program, or NULL when the image is an ordinary toro-cc one. */
extern const struct app_image *app;

/* The steps below, as the `app` component's SYSOPT_HOOK(SYSOPT_APP, ...)
 * lists them: only the loader image of toro pack --app links them (toro-cc
 * --app-loader), so an ordinary image carries no loader; kmain finds them
 * with sysopt_next. */
struct app_loader {
	void (*find)(bool (*ram_ok)(uint64_t lo, uint64_t hi));
	void (*reserve)(void);
	void (*map)(void);
};

/* Look for a packed program and check it; panics with the reason when the
 * image carries one that is malformed. ram_ok(lo, hi) says whether [lo, hi)
 * is RAM of the memory map. */
void app_find(bool (*ram_ok)(uint64_t lo, uint64_t hi));
/* Keep the program's pages (and the info pages) from the page allocator. */
void app_reserve(void);
/* Zero what the segments do not carry from the file, then give each page the
 * program's protection (user, W or X as its segments say). */
void app_map(void);
/* Is [p, p+n) inside the program's pages? */
bool app_range_ok(uint64_t p, uint64_t n);
/* mprotect of the program's own pages (glibc makes its RELRO read-only):
 * -EACCES for W and X together, -ENOMEM when [addr, addr+len) is not all its. */
long app_mprotect(uint64_t addr, uint64_t len, int prot);

#endif
