// sources: kernel/bootinfo.c kernel/bootinfo_linux.c
/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for kernel/bootinfo.c: the input is a fake physical memory
 * at address 0 plus the EAX and EBX the boot entry would see. Each map call
 * returns an exact-size heap copy, so ASan reports any read past what the
 * parser mapped; the result is checked for the bounds the header promises.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <k/bootinfo.h>
#include <k/errno.h>

/*
 * Byte 0 chooses EAX: 0 -> 0, 1 -> MULTIBOOT_MAGIC, 2 -> LINUX64_MAGIC (the
 * boot_params of kernel/bootinfo_linux.c), otherwise bytes 5..8.
 * Bytes 1..4 (little endian) are EBX, taken modulo the memory size plus 64 so
 * it mostly lands inside and sometimes just past the end. Bytes 9.. are the
 * physical memory from address 0.
 */
#define HDR 9
#define MAX_COPIES 64

static const uint8_t *mem;
static size_t mem_size;
static void *copies[MAX_COPIES];
static size_t ncopies;

static const void *fuzz_map(uint64_t pa, size_t len)
{
	if (len == 0 || pa > mem_size || len > mem_size - pa || ncopies == MAX_COPIES)
		return NULL;
	void *c = malloc(len);
	if (!c)
		abort();
	memcpy(c, mem + pa, len);
	copies[ncopies++] = c;
	return c;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct boot_info bi;

	if (size < HDR)
		return 0;
	uint32_t eax = data[0] == 0 ? 0 : data[0] == 1 ? MULTIBOOT_MAGIC
		       : data[0] == 2 ? LINUX64_MAGIC : le32(data + 5);
	mem = data + HDR;
	mem_size = size - HDR;
	uint64_t ebx = le32(data + 1) % (mem_size + 64);
	ncopies = 0;

	int r = bootinfo_parse(&bi, eax, ebx, fuzz_map);

	if (r != 0 && r != -EINVAL)
		abort();
	if ((r == 0) != (bi.proto != BOOT_NONE))
		abort();
	if (bi.nmem < 0 || bi.nmem > BOOT_MAX_MEM || bi.nmem_dropped < 0)
		abort();
	if (bi.nmem_dropped > 0 && bi.nmem != BOOT_MAX_MEM)
		abort();
	if (memchr(bi.cmdline, 0, sizeof(bi.cmdline)) == NULL)
		abort();
	if (memchr(bi.error, 0, sizeof(bi.error)) == NULL || (r == 0 && bi.error[0]))
		abort();
	for (int i = 0; i < bi.nmem; i++) {
		if (bi.mem[i].len == 0 || bi.mem[i].base + bi.mem[i].len < bi.mem[i].base)
			abort();
		(void)bootinfo_type_name(bi.mem[i].type);
	}
	for (size_t i = 0; i < ncopies; i++)
		free(copies[i]);
	return 0;
}
