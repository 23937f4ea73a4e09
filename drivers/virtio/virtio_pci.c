/* SPDX-License-Identifier: MIT */
/*
 * virtio over PCI, modern interface only (virtio 1.2, 4.1): the common,
 * notify, ISR and device configuration structures found through vendor
 * capabilities (4.1.4). QEMU's virtio-*-pci devices are transitional on pc
 * and q35 (device id 0x1000 + n, the type in the subsystem id) and offer the
 * modern capabilities too. Interrupts: MSI-X when the device has it (entry 0
 * configuration changes, entry 1 the queues), else INTx on the IO-APIC input
 * the interrupt line register names (SeaBIOS writes the ISA IRQ there, which
 * is also the IO-APIC input on pc and q35), level-triggered and shared.
 */
#include <k/console.h>
#include <k/errno.h>
#include <k/fmt.h>
#include <k/irq.h>
#include <k/kheap.h>
#include <k/pci.h>

#include "virtio.h"

#define IRQ_CPU 0
#define MAX_LINES 8
#define MAX_PER_LINE 4

struct vpci {
	struct pci_dev pci;
	struct virtio_dev vdev;
	volatile uint8_t *common;
	volatile uint8_t *notify;
	uint32_t notify_mult;
	uint32_t notify_len;
	volatile uint8_t *isr;
	volatile uint8_t *device;
	uint32_t device_len;
	uint16_t queue_vector; /* MSI-X entry of the queues, or VIRTIO_MSI_NO_VECTOR */
	bool irq_attached;     /* from then on the structure is never freed */
};

/* INTx lines shared by several virtio devices. */
static struct intx_line {
	unsigned gsi;
	int n;
	struct vpci *devs[MAX_PER_LINE];
} lines[MAX_LINES];
static int nlines;

static uint8_t rd8(struct vpci *v, unsigned off) { return v->common[off]; }
static uint16_t rd16(struct vpci *v, unsigned off) { return *(volatile uint16_t *)(v->common + off); }
static uint32_t rd32(struct vpci *v, unsigned off) { return *(volatile uint32_t *)(v->common + off); }
static void wr8(struct vpci *v, unsigned off, uint8_t x) { v->common[off] = x; }
static void wr16(struct vpci *v, unsigned off, uint16_t x) { *(volatile uint16_t *)(v->common + off) = x; }
static void wr32(struct vpci *v, unsigned off, uint32_t x) { *(volatile uint32_t *)(v->common + off) = x; }

/* 4.1.3.1: 64-bit fields are written as two 32-bit halves, low first. */
static void wr64(struct vpci *v, unsigned off, uint64_t x)
{
	wr32(v, off, (uint32_t)x);
	wr32(v, off + 4, (uint32_t)(x >> 32));
}

static struct vpci *vpci_of(struct virtio_dev *d) { return d->vd_transport; }

static uint8_t get_status(struct virtio_dev *d)
{
	return rd8(vpci_of(d), VIRTIO_PCI_DEVICE_STATUS);
}

static void set_status(struct virtio_dev *d, uint8_t s)
{
	struct vpci *v = vpci_of(d);

	wr8(v, VIRTIO_PCI_DEVICE_STATUS, s);
	/* 4.1.4.3.2: after writing 0 the driver waits until it reads back 0
	 * (QEMU resets at once); bounded for a device that never does. */
	for (int i = 0; s == 0 && i < 100000 && rd8(v, VIRTIO_PCI_DEVICE_STATUS) != 0; i++)
		;
}

static uint64_t get_features(struct virtio_dev *d)
{
	struct vpci *v = vpci_of(d);
	uint64_t f;

	wr32(v, VIRTIO_PCI_DEVICE_FEATURE_SELECT, 0);
	f = rd32(v, VIRTIO_PCI_DEVICE_FEATURE);
	wr32(v, VIRTIO_PCI_DEVICE_FEATURE_SELECT, 1);
	return f | (uint64_t)rd32(v, VIRTIO_PCI_DEVICE_FEATURE) << 32;
}

static void set_features(struct virtio_dev *d, uint64_t f)
{
	struct vpci *v = vpci_of(d);

	wr32(v, VIRTIO_PCI_DRIVER_FEATURE_SELECT, 0);
	wr32(v, VIRTIO_PCI_DRIVER_FEATURE, (uint32_t)f);
	wr32(v, VIRTIO_PCI_DRIVER_FEATURE_SELECT, 1);
	wr32(v, VIRTIO_PCI_DRIVER_FEATURE, (uint32_t)(f >> 32));
}

static uint16_t queue_max(struct virtio_dev *d, uint16_t idx)
{
	struct vpci *v = vpci_of(d);

	if (idx >= rd16(v, VIRTIO_PCI_NUM_QUEUES))
		return 0;
	wr16(v, VIRTIO_PCI_QUEUE_SELECT, idx);
	return rd16(v, VIRTIO_PCI_QUEUE_SIZE);
}

static void notify(struct virtq *vq)
{
	*(volatile uint16_t *)vq->vq_transport = vq->vq_index;
}

static int queue_setup(struct virtio_dev *d, struct virtq *vq)
{
	struct vpci *v = vpci_of(d);

	wr16(v, VIRTIO_PCI_QUEUE_SELECT, vq->vq_index);
	wr16(v, VIRTIO_PCI_QUEUE_SIZE, vq->vq_size);
	if (v->queue_vector != VIRTIO_MSI_NO_VECTOR) {
		wr16(v, VIRTIO_PCI_QUEUE_MSIX_VECTOR, v->queue_vector);
		/* The device says NO_VECTOR when it could not take it. */
		if (rd16(v, VIRTIO_PCI_QUEUE_MSIX_VECTOR) != v->queue_vector)
			return -EIO;
	}
	uint64_t off = (uint64_t)rd16(v, VIRTIO_PCI_QUEUE_NOTIFY_OFF) * v->notify_mult;
	if (off + 2 > v->notify_len)
		return -EIO;
	wr64(v, VIRTIO_PCI_QUEUE_DESC, virtq_desc_addr(vq));
	wr64(v, VIRTIO_PCI_QUEUE_DRIVER, virtq_avail_addr(vq));
	wr64(v, VIRTIO_PCI_QUEUE_DEVICE, virtq_used_addr(vq));
	vq->vq_transport = (void *)(v->notify + off);
	vq->vq_notify = notify;
	wr16(v, VIRTIO_PCI_QUEUE_ENABLE, 1);
	return 0;
}

static void msix_config_intr(void *ctx)
{
	struct vpci *v = ctx;

	if (v->vdev.vd_config_changed)
		v->vdev.vd_config_changed(&v->vdev);
}

static void msix_queue_intr(void *ctx)
{
	struct vpci *v = ctx;

	virtio_intr(&v->vdev, v->queue_vector == 0);
}

/* Reading the ISR clears it and lowers the line (4.1.4.5). */
static void intx_intr(void *ctx)
{
	struct intx_line *l = ctx;

	for (int i = 0; i < l->n; i++) {
		uint8_t isr = *l->devs[i]->isr;

		if (isr)
			virtio_intr(&l->devs[i]->vdev, (isr & VIRTIO_ISR_CONFIG) != 0);
	}
}

static int msix_vector(struct vpci *v, unsigned entry, irq_handler_fn fn)
{
	uint64_t addr;
	uint32_t data;
	int r = irq_alloc_msi(IRQ_CPU, fn, v, &addr, &data);

	return r < 0 ? r : pci_msix_set(&v->pci, entry, addr, data);
}

static int setup_msix(struct vpci *v)
{
	int n = pci_msix_enable(&v->pci);

	if (n < 0)
		return n;
	v->irq_attached = true;
	v->queue_vector = n >= 2 ? 1 : 0;
	int r = msix_vector(v, v->queue_vector, msix_queue_intr);
	if (r == 0 && n >= 2)
		r = msix_vector(v, 0, msix_config_intr);
	if (r)
		return r;
	wr16(v, VIRTIO_PCI_CONFIG_MSIX_VECTOR, 0);
	return rd16(v, VIRTIO_PCI_CONFIG_MSIX_VECTOR) == 0 ? 0 : -EIO;
}

static int setup_intx(struct vpci *v)
{
	unsigned gsi = v->pci.irq_line;
	int i;

	if (v->pci.irq_pin == 0 || gsi >= 0xff)
		return -ENODEV;
	for (i = 0; i < nlines && lines[i].gsi != gsi; i++)
		;
	if (i == MAX_LINES || (i < nlines && lines[i].n == MAX_PER_LINE))
		return -ENOSPC;
	lines[i].devs[lines[i].n++] = v;
	v->irq_attached = true;
	if (i < nlines)
		return 0;
	lines[i].gsi = gsi;
	nlines++;
	/* PCI INTx is level-triggered; QEMU drives the IO-APIC input high. */
	int r = irq_attach_gsi(gsi, true, false, IRQ_CPU, intx_intr, &lines[i]);
	return r < 0 ? r : 0;
}

static int intr_setup(struct virtio_dev *d)
{
	struct vpci *v = vpci_of(d);

	v->queue_vector = VIRTIO_MSI_NO_VECTOR;
	if (v->pci.msix_cap)
		return setup_msix(v);
	return setup_intx(v);
}

static uint32_t cfg_read(struct virtio_dev *d, unsigned off, unsigned width)
{
	struct vpci *v = vpci_of(d);
	volatile uint8_t *p = v->device + off;

	if (v->device == NULL || off + width > v->device_len || (off & (width - 1)))
		return 0;
	return width == 1 ? *p : width == 2 ? *(volatile uint16_t *)p : *(volatile uint32_t *)p;
}

static uint32_t cfg_generation(struct virtio_dev *d)
{
	return rd8(vpci_of(d), VIRTIO_PCI_CONFIG_GENERATION);
}

static const struct virtio_ops vpci_ops = {
	.get_status = get_status,
	.set_status = set_status,
	.get_features = get_features,
	.set_features = set_features,
	.queue_max = queue_max,
	.queue_setup = queue_setup,
	.intr_setup = intr_setup,
	.cfg_read = cfg_read,
	.cfg_generation = cfg_generation,
};

/* Map the structure of one virtio capability at config offset c. */
static void take_cap(struct vpci *v, unsigned c)
{
	const struct pci_dev *p = &v->pci;
	unsigned type = pci_read8(p, c + VIRTIO_PCI_CAP_TYPE);
	unsigned bar = pci_read8(p, c + VIRTIO_PCI_CAP_BAR);
	uint32_t off = pci_read32(p, c + VIRTIO_PCI_CAP_OFFSET);
	uint32_t len = pci_read32(p, c + VIRTIO_PCI_CAP_LENGTH);

	/* 4.1.4.1: use the first structure of each type that can be used. */
	if (type == VIRTIO_PCI_CAP_COMMON_CFG && !v->common && len >= VIRTIO_PCI_COMMON_MIN_LEN) {
		v->common = pci_map_bar(p, bar, off, len);
	} else if (type == VIRTIO_PCI_CAP_NOTIFY_CFG && !v->notify && len >= 2) {
		v->notify_mult = pci_read32(p, c + VIRTIO_PCI_CAP_NOTIFY_MULT);
		v->notify_len = len;
		v->notify = pci_map_bar(p, bar, off, len);
	} else if (type == VIRTIO_PCI_CAP_ISR_CFG && !v->isr && len >= 1) {
		v->isr = pci_map_bar(p, bar, off, len);
	} else if (type == VIRTIO_PCI_CAP_DEVICE_CFG && !v->device) {
		v->device_len = len;
		v->device = pci_map_bar(p, bar, off, len);
	}
}

static bool find_caps(struct vpci *v)
{
	unsigned c = pci_find_cap(&v->pci, PCI_CAP_VENDOR, 0);

	for (int n = 0; c != 0 && n < 48; n++) {
		if (pci_read8(&v->pci, c + VIRTIO_PCI_CAP_LEN) >= 16)
			take_cap(v, c);
		c = pci_find_cap(&v->pci, PCI_CAP_VENDOR, c);
	}
	return v->common && v->notify && v->isr;
}

/* The virtio type of a virtio PCI function, 0 when it is not one. */
static uint16_t virtio_type(const struct pci_dev *p)
{
	if (p->vendor != VIRTIO_PCI_VENDOR)
		return 0;
	if (p->device >= VIRTIO_PCI_DEV_MODERN && p->device <= VIRTIO_PCI_DEV_MODERN_LAST)
		return (uint16_t)(p->device - VIRTIO_PCI_DEV_MODERN);
	if (p->device >= VIRTIO_PCI_DEV_TRANS_FIRST && p->device <= VIRTIO_PCI_DEV_TRANS_LAST)
		return pci_read16(p, PCI_SUBSYSTEM + 2);
	return 0;
}

void virtio_pci_probe(const struct pci_dev *p)
{
	uint16_t type = virtio_type(p);
	struct vpci *v;

	if (type == 0 || virtio_find_driver(type) == NULL)
		return;
	v = kzalloc(sizeof(*v));
	if (v == NULL)
		return;
	v->pci = *p;
	fmt_snprintf(v->vdev.vd_where, sizeof(v->vdev.vd_where), "pci %02x:%02x.%x", p->bus,
		     p->slot, p->func);
	if (pci_setup(&v->pci) != 0)
		goto fail;
	if (!find_caps(v)) {
		kprintf("toro: virtio at %s: no usable modern interface, skipped\n",
			v->vdev.vd_where);
		goto fail;
	}
	pci_enable(&v->pci, PCI_CMD_MEM | PCI_CMD_MASTER);
	v->vdev.vd_ops = &vpci_ops;
	v->vdev.vd_transport = v;
	v->vdev.vd_type = type;
	v->vdev.vd_modern = true;
	if (virtio_attach(&v->vdev) == 0 || v->irq_attached)
		return; /* an attached interrupt handler may still name v */
fail:
	kfree(v);
}
