/* SPDX-License-Identifier: MIT */
/*
 * PCI configuration mechanism #1 (ports 0xcf8/0xcfc), bus enumeration, BAR
 * sizing and MSI-X (include/k/pci.h). QEMU's pc and q35 put their devices on
 * bus 0; the buses behind bridges are followed as the firmware numbered them.
 * Every loop is bounded, whatever a device or bridge reports.
 */
#include <k/arch.h>
#include <k/console.h>
#include <k/errno.h>
#include <k/pci.h>
#include <k/spinlock.h>
#include <k/vmm.h>

#define CFG_ADDR 0xcf8
#define CFG_DATA 0xcfc
#define CFG_ENABLE 0x80000000u
#define MAX_CAPS 48 /* (256 - 64) / 4: more means the list loops */
#define MSIX_ENABLE (1u << 15)
#define MSIX_FMASK (1u << 14)

static struct spinlock cfg_lock = SPINLOCK_INIT;

static uint32_t cfg_addr(const struct pci_dev *d, unsigned off)
{
	return CFG_ENABLE | (uint32_t)d->bus << 16 | (uint32_t)(d->slot & 31) << 11 |
	       (uint32_t)(d->func & 7) << 8 | (off & 0xfc);
}

uint32_t pci_read32(const struct pci_dev *d, unsigned off)
{
	spin_lock(&cfg_lock);
	arch_outl(CFG_ADDR, cfg_addr(d, off));
	uint32_t v = arch_inl(CFG_DATA);
	spin_unlock(&cfg_lock);
	return v;
}

uint16_t pci_read16(const struct pci_dev *d, unsigned off)
{
	return (uint16_t)(pci_read32(d, off) >> ((off & 2) * 8));
}

uint8_t pci_read8(const struct pci_dev *d, unsigned off)
{
	return (uint8_t)(pci_read32(d, off) >> ((off & 3) * 8));
}

void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v)
{
	spin_lock(&cfg_lock);
	arch_outl(CFG_ADDR, cfg_addr(d, off));
	arch_outl(CFG_DATA, v);
	spin_unlock(&cfg_lock);
}

void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v)
{
	spin_lock(&cfg_lock);
	arch_outl(CFG_ADDR, cfg_addr(d, off));
	arch_outw((uint16_t)(CFG_DATA + (off & 2)), v);
	spin_unlock(&cfg_lock);
}

/* The address register latches what is written to it; with no host bridge
 * behind the port (microvm, Firecracker) it reads back all ones. */
static bool pci_present(void)
{
	spin_lock(&cfg_lock);
	arch_outl(CFG_ADDR, CFG_ENABLE);
	bool r = arch_inl(CFG_ADDR) == CFG_ENABLE;
	spin_unlock(&cfg_lock);
	return r;
}

static bool take_bus(uint32_t *seen, unsigned bus)
{
	if (seen[bus / 32] & (1u << (bus % 32)))
		return false;
	seen[bus / 32] |= 1u << (bus % 32);
	return true;
}

/* Fill in one function that answered; false when it reports junk. */
static bool read_function(struct pci_dev *d, uint32_t id)
{
	uint32_t cr = pci_read32(d, PCI_CLASS_REV);

	d->vendor = (uint16_t)id;
	d->device = (uint16_t)(id >> 16);
	d->header_type = pci_read8(d, PCI_HEADER_TYPE) & 0x7f;
	d->revision = (uint8_t)cr;
	d->prog_if = (uint8_t)(cr >> 8);
	d->subclass = (uint8_t)(cr >> 16);
	d->class_code = (uint8_t)(cr >> 24);
	if (d->header_type > 2) {
		kprintf("toro: pci %02x:%02x.%x: header type %#x, skipped\n", d->bus, d->slot,
			d->func, d->header_type);
		return false;
	}
	return true;
}

/* Scan one bus; bridges' secondary buses go on the queue. */
static int scan_bus(unsigned bus, pci_found_fn fn, uint8_t *queue, unsigned *qlen, uint32_t *seen)
{
	struct pci_dev d = { .bus = (uint8_t)bus };
	int n = 0;

	for (unsigned slot = 0; slot < 32; slot++) {
		unsigned nfunc = 1;

		d.slot = (uint8_t)slot;
		for (unsigned func = 0; func < nfunc; func++) {
			d.func = (uint8_t)func;
			uint32_t id = pci_read32(&d, PCI_VENDOR);
			if ((id & 0xffff) == 0xffff || (id & 0xffff) == 0)
				continue;
			if (func == 0 && (pci_read8(&d, PCI_HEADER_TYPE) & 0x80))
				nfunc = 8;
			if (!read_function(&d, id))
				continue;
			if (d.header_type == 1) {
				unsigned sec = pci_read8(&d, PCI_SECONDARY_BUS);
				if (sec != 0 && *qlen < 256 && take_bus(seen, sec))
					queue[(*qlen)++] = (uint8_t)sec;
			}
			fn(&d);
			n++;
		}
	}
	return n;
}

int pci_scan(pci_found_fn fn)
{
	uint8_t queue[256];
	uint32_t seen[256 / 32] = { 1 }; /* bus 0 */
	unsigned qlen = 1;
	int n = 0;

	if (!pci_present())
		return 0;
	queue[0] = 0;
	/* Each bus enters the queue once, so this ends after at most 256. */
	for (unsigned i = 0; i < qlen; i++)
		n += scan_bus(queue[i], fn, queue, &qlen, seen);
	return n;
}

static uint32_t probe_bar(const struct pci_dev *d, unsigned off, uint32_t *orig)
{
	*orig = pci_read32(d, off);
	pci_write32(d, off, ~0u);
	uint32_t mask = pci_read32(d, off);
	pci_write32(d, off, *orig);
	return mask;
}

/* Size BAR i the write-ones way; the number of BAR slots it takes (1 or 2),
 * or -EIO for junk. Decoding is off while the caller sizes. */
static int size_bar(struct pci_dev *d, unsigned i)
{
	struct pci_bar *b = &d->bar[i];
	unsigned off = PCI_BAR0 + 4 * i;
	uint32_t lo, hi = 0, mhi = 0, mlo = probe_bar(d, off, &lo);
	uint64_t mask;

	if (lo & 1) {
		mask = mlo & ~3u;
		if (mask == 0)
			return 1; /* not implemented */
		if (!(mask & 0xffff0000u))
			mask |= 0xffff0000u; /* a 16-bit I/O decoder */
		b->io = true;
		b->base = lo & ~3u;
		b->size = (uint32_t)(~mask + 1);
		return b->size & (b->size - 1) ? -EIO : 1;
	}
	unsigned type = (lo >> 1) & 3;
	if (type == 1 || type == 3 || (type == 2 && i == 5))
		return -EIO;
	if (type == 2)
		mhi = probe_bar(d, off + 4, &hi);
	mask = ((uint64_t)mhi << 32) | (mlo & ~0xfu);
	if (type == 0)
		mask |= 0xffffffff00000000ull;
	b->mem64 = type == 2;
	b->prefetch = (lo & 8) != 0;
	b->base = ((uint64_t)hi << 32) | (lo & ~0xfu);
	b->size = mask == 0xffffffff00000000ull || mask == 0 ? 0 : ~mask + 1;
	if (b->size & (b->size - 1))
		return -EIO;
	return type == 2 ? 2 : 1;
}

int pci_setup(struct pci_dev *d)
{
	uint32_t v;
	int r = 0;

	if (d->header_type != 0)
		return -EIO;
	v = pci_read32(d, PCI_SUBSYSTEM);
	d->subvendor = (uint16_t)v;
	d->subdevice = (uint16_t)(v >> 16);
	v = pci_read32(d, PCI_INTR_LINE);
	d->irq_line = (uint8_t)v;
	d->irq_pin = (uint8_t)(v >> 8);
	uint16_t cmd = pci_read16(d, PCI_COMMAND);
	pci_write16(d, PCI_COMMAND, cmd & ~(PCI_CMD_IO | PCI_CMD_MEM));
	for (unsigned i = 0; i < 6 && r >= 0; i += (unsigned)r) {
		r = size_bar(d, i);
		if (r < 0)
			kprintf("toro: pci %02x:%02x.%x: BAR %u is junk, device skipped\n", d->bus,
				d->slot, d->func, i);
	}
	pci_write16(d, PCI_COMMAND, cmd);
	d->msix_cap = (uint8_t)pci_find_cap(d, PCI_CAP_MSIX, 0);
	return r < 0 ? -EIO : 0;
}

void pci_enable(const struct pci_dev *d, uint16_t cmd_bits)
{
	pci_write16(d, PCI_COMMAND, pci_read16(d, PCI_COMMAND) | cmd_bits);
}

unsigned pci_find_cap(const struct pci_dev *d, uint8_t id, unsigned after)
{
	unsigned p;

	if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAPS))
		return 0;
	p = pci_read8(d, after ? after + 1 : PCI_CAP_PTR);
	for (int n = 0; n < MAX_CAPS && p >= 0x40 && p < 0x100; n++) {
		p &= 0xfc;
		if (pci_read8(d, p) == id)
			return p;
		p = pci_read8(d, p + 1);
	}
	return 0;
}

volatile void *pci_map_bar(const struct pci_dev *d, unsigned bar, uint64_t off, uint64_t len)
{
	const struct pci_bar *b;

	if (bar >= 6)
		return NULL;
	b = &d->bar[bar];
	if (b->io || b->size == 0 || b->base == 0 || off > b->size || len > b->size - off)
		return NULL;
	/* The identity map ends where the application's window begins. */
	if (b->base + b->size > USER_WIN_BASE || vmm_map_mmio(b->base + off, len))
		return NULL;
	return (volatile void *)(b->base + off);
}

int pci_msix_enable(struct pci_dev *d)
{
	if (!d->msix_cap)
		return -ENODEV;
	uint16_t mc = pci_read16(d, d->msix_cap + 2);
	uint32_t tbl = pci_read32(d, d->msix_cap + 4);
	unsigned count = (mc & 0x7ffu) + 1;
	volatile uint32_t *t = pci_map_bar(d, tbl & 7, tbl & ~7u, count * 16ull);

	if (!t) {
		kprintf("toro: pci %02x:%02x.%x: MSI-X table outside its BAR\n", d->bus, d->slot,
			d->func);
		return -EIO;
	}
	/* Function mask while the entries are written: nothing fires half-set. */
	pci_write16(d, d->msix_cap + 2, (uint16_t)(mc | MSIX_ENABLE | MSIX_FMASK));
	for (unsigned i = 0; i < count; i++)
		t[4 * i + 3] = 1;
	pci_enable(d, PCI_CMD_INTX_OFF);
	pci_write16(d, d->msix_cap + 2, (uint16_t)((mc | MSIX_ENABLE) & ~MSIX_FMASK));
	d->msix_table = t;
	d->msix_count = count;
	return (int)count;
}

int pci_msix_set(struct pci_dev *d, unsigned n, uint64_t addr, uint32_t data)
{
	if (!d->msix_table || n >= d->msix_count)
		return -EINVAL;
	volatile uint32_t *e = d->msix_table + 4 * n;
	e[3] = 1;
	e[0] = (uint32_t)addr;
	e[1] = (uint32_t)(addr >> 32);
	e[2] = data;
	e[3] = 0;
	return 0;
}
