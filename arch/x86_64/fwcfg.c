/* SPDX-License-Identifier: MIT */
/*
 * QEMU's fw_cfg (QEMU's docs/specs/fw_cfg.rst) through its I/O ports: the
 * selector at 0x510, data at 0x511, the DMA address at 0x514 (big-endian,
 * the write of its low half at 0x518 starts the transfer). pc, q35 and
 * microvm all have it at these ports (microvm's firmware, qboot, loads the
 * kernel through it); Firecracker has none, and its ports read back junk.
 * Everything read here comes from the host: counts and names are bounded.
 */
#include <k/arch.h>
#include <k/errno.h>
#include <k/string.h>

#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_PORT_DMA_HI 0x514
#define FW_CFG_PORT_DMA_LO 0x518
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_ID 0x0001
#define FW_CFG_FILE_DIR 0x0019
#define FW_CFG_ID_DMA 0x2           /* feature bit: the DMA interface exists */
#define FW_CFG_NAME_LEN 56
#define FW_CFG_MAX_FILES 4096       /* QEMU's own ceiling on file slots */

#define DMA_CTL_ERROR 0x01
#define DMA_CTL_READ 0x02
#define DMA_CTL_SELECT 0x08
#define DMA_POLLS 100000000u        /* QEMU completes before the port write returns */

/* The DMA request, big-endian fields; the kernel image is identity-mapped,
 * so its address is the physical one the device reads. */
struct fwcfg_dma {
	uint32_t control;
	uint32_t length;
	uint64_t address;
} __attribute__((packed, aligned(16)));

static struct fwcfg_dma dma_req;

static void read_bytes(void *buf, size_t n)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < n; i++)
		p[i] = arch_inb(FW_CFG_PORT_DATA);
}

static bool present(void)
{
	char sig[4];

	arch_outw(FW_CFG_PORT_SEL, FW_CFG_SIGNATURE);
	read_bytes(sig, sizeof(sig));
	return memcmp(sig, "QEMU", 4) == 0;
}

int arch_fwcfg_find(const char *name, uint16_t *key, uint32_t *size)
{
	uint32_t count;
	size_t nlen = strlen(name);

	if (nlen >= FW_CFG_NAME_LEN)
		return -ENOENT;
	if (!present())
		return -ENODEV;
	arch_outw(FW_CFG_PORT_SEL, FW_CFG_FILE_DIR);
	read_bytes(&count, sizeof(count));
	count = __builtin_bswap32(count);
	if (count > FW_CFG_MAX_FILES)
		count = FW_CFG_MAX_FILES;
	for (uint32_t i = 0; i < count; i++) {
		struct { uint32_t size; uint16_t select, reserved; char name[FW_CFG_NAME_LEN]; } e;

		read_bytes(&e, sizeof(e));
		/* The name must match with its NUL inside the 56 bytes. */
		if (memcmp(e.name, name, nlen) == 0 && e.name[nlen] == '\0') {
			*key = __builtin_bswap16(e.select);
			*size = __builtin_bswap32(e.size);
			return 0;
		}
	}
	return -ENOENT;
}

bool arch_fwcfg_has_dma(void)
{
	uint32_t id;

	if (!present())
		return false;
	arch_outw(FW_CFG_PORT_SEL, FW_CFG_ID);
	read_bytes(&id, sizeof(id)); /* little-endian, as every fw_cfg number but the directory's */
	return (id & FW_CFG_ID_DMA) != 0;
}

static int read_dma(uint16_t key, void *buf, uint32_t len)
{
	volatile struct fwcfg_dma *d = &dma_req;
	uint64_t pa = (uint64_t)&dma_req;
	uint32_t ctl = 0;

	d->control = __builtin_bswap32(((uint32_t)key << 16) | DMA_CTL_SELECT | DMA_CTL_READ);
	d->length = __builtin_bswap32(len);
	d->address = __builtin_bswap64((uint64_t)buf);
	arch_mb();
	arch_outl(FW_CFG_PORT_DMA_HI, __builtin_bswap32((uint32_t)(pa >> 32)));
	arch_outl(FW_CFG_PORT_DMA_LO, __builtin_bswap32((uint32_t)pa));
	for (uint32_t i = 0; i < DMA_POLLS; i++) {
		ctl = __builtin_bswap32(d->control);
		if ((ctl & ~DMA_CTL_ERROR) == 0)
			break;
		arch_pause();
	}
	arch_mb();
	return ctl == 0 ? 0 : -EIO;
}

int arch_fwcfg_read(uint16_t key, void *buf, uint32_t len)
{
	if (!present())
		return -EIO;
	if (arch_fwcfg_has_dma())
		return read_dma(key, buf, len);
	arch_outw(FW_CFG_PORT_SEL, key);
	read_bytes(buf, len);
	return 0;
}
