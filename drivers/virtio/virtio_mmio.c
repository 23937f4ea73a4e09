/* SPDX-License-Identifier: MIT */
/*
 * virtio over MMIO (virtio 1.2, 4.2): version 2 (modern; Firecracker, QEMU
 * with -global virtio-mmio.force-legacy=false) and legacy version 1 (QEMU's
 * default: GuestPageSize, QueueAlign and QueuePFN, 4.2.4). Devices come from
 * the command line's virtio_mmio.device=SIZE@BASE:IRQ words, which QEMU
 * microvm appends (with acpi=off) to the line it hands a PVH kernel and to
 * its fw_cfg copy, but not to the Multiboot information: there the fw_cfg
 * copy is read. The IRQ is an IO-APIC input; QEMU drives it as a level (high
 * while InterruptStatus is non-zero), so it is attached level-triggered.
 */
#include <k/arch.h>
#include <k/cmdline.h>
#include <k/console.h>
#include <k/errno.h>
#include <k/fmt.h>
#include <k/irq.h>
#include <k/kheap.h>
#include <k/vmm.h>

#include "virtio.h"

#define IRQ_CPU 0
#define PAGE 4096u
#define FW_CFG_SEL 0x510
#define FW_CFG_DATA 0x511
#define FW_CFG_SIGNATURE 0x00
#define FW_CFG_CMDLINE_SIZE 0x14
#define FW_CFG_CMDLINE_DATA 0x15
#define FW_CFG_CMDLINE_MAX 4096

struct vmmio {
	volatile uint8_t *base;
	uint64_t size;
	unsigned irq;
	uint32_t version;
	struct virtio_dev vdev;
	bool irq_attached; /* from then on the structure is never freed */
};

static uint32_t rd(struct vmmio *m, unsigned off) { return *(volatile uint32_t *)(m->base + off); }
static void wr(struct vmmio *m, unsigned off, uint32_t v) { *(volatile uint32_t *)(m->base + off) = v; }
static struct vmmio *vmmio_of(struct virtio_dev *d) { return d->vd_transport; }

static uint8_t get_status(struct virtio_dev *d)
{
	return (uint8_t)rd(vmmio_of(d), VIRTIO_MMIO_STATUS);
}

static void set_status(struct virtio_dev *d, uint8_t s)
{
	struct vmmio *m = vmmio_of(d);

	wr(m, VIRTIO_MMIO_STATUS, s);
	/* A reset is done when Status reads 0 (QEMU: at once); bounded. */
	for (int i = 0; s == 0 && i < 100000 && rd(m, VIRTIO_MMIO_STATUS) != 0; i++)
		;
}

static uint64_t get_features(struct virtio_dev *d)
{
	struct vmmio *m = vmmio_of(d);
	uint64_t f;

	wr(m, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	f = rd(m, VIRTIO_MMIO_DEVICE_FEATURES);
	wr(m, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	return f | (uint64_t)rd(m, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
}

static void set_features(struct virtio_dev *d, uint64_t f)
{
	struct vmmio *m = vmmio_of(d);

	wr(m, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(m, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
	wr(m, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(m, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
}

static uint16_t queue_max(struct virtio_dev *d, uint16_t idx)
{
	struct vmmio *m = vmmio_of(d);

	wr(m, VIRTIO_MMIO_QUEUE_SEL, idx);
	/* A queue already in use is not offered again. */
	if (rd(m, m->version == 1 ? VIRTIO_MMIO_QUEUE_PFN : VIRTIO_MMIO_QUEUE_READY) != 0)
		return 0;
	uint32_t max = rd(m, VIRTIO_MMIO_QUEUE_NUM_MAX);
	return max > 32768 ? 32768 : (uint16_t)max;
}

static void notify(struct virtq *vq)
{
	wr(vq->vq_transport, VIRTIO_MMIO_QUEUE_NOTIFY, vq->vq_index);
}

static int queue_setup(struct virtio_dev *d, struct virtq *vq)
{
	struct vmmio *m = vmmio_of(d);
	uint64_t desc = virtq_desc_addr(vq);

	wr(m, VIRTIO_MMIO_QUEUE_SEL, vq->vq_index);
	wr(m, VIRTIO_MMIO_QUEUE_NUM, vq->vq_size);
	vq->vq_transport = m;
	vq->vq_notify = notify;
	if (m->version == 1) {
		/* One contiguous area at a page frame, used ring at QueueAlign:
		 * the layout virtq_ring_bytes describes. */
		if ((desc & (PAGE - 1)) || (desc / PAGE) >> 32)
			return -EINVAL;
		wr(m, VIRTIO_MMIO_GUEST_PAGE_SIZE, PAGE);
		wr(m, VIRTIO_MMIO_QUEUE_ALIGN, VIRTQ_LEGACY_ALIGN);
		wr(m, VIRTIO_MMIO_QUEUE_PFN, (uint32_t)(desc / PAGE));
		return 0;
	}
	wr(m, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	wr(m, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
	wr(m, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)virtq_avail_addr(vq));
	wr(m, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(virtq_avail_addr(vq) >> 32));
	wr(m, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)virtq_used_addr(vq));
	wr(m, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(virtq_used_addr(vq) >> 32));
	wr(m, VIRTIO_MMIO_QUEUE_READY, 1);
	return 0;
}

/* Acknowledge first: a buffer used after this raises the line again. */
static void mmio_intr(void *ctx)
{
	struct vmmio *m = ctx;
	uint32_t st = rd(m, VIRTIO_MMIO_INTERRUPT_STATUS);

	if (st == 0)
		return;
	wr(m, VIRTIO_MMIO_INTERRUPT_ACK, st);
	virtio_intr(&m->vdev, (st & VIRTIO_MMIO_INT_CONFIG) != 0);
}

static int intr_setup(struct virtio_dev *d)
{
	struct vmmio *m = vmmio_of(d);
	int r = irq_attach_gsi(m->irq, true, false, IRQ_CPU, mmio_intr, m);

	if (r < 0)
		return r;
	m->irq_attached = true;
	return 0;
}

static uint32_t cfg_read(struct virtio_dev *d, unsigned off, unsigned width)
{
	struct vmmio *m = vmmio_of(d);
	volatile uint8_t *p = m->base + VIRTIO_MMIO_CONFIG + off;

	if (off + width > m->size - VIRTIO_MMIO_CONFIG || (off & (width - 1)))
		return 0;
	return width == 1 ? *p : width == 2 ? *(volatile uint16_t *)p : *(volatile uint32_t *)p;
}

static uint32_t cfg_generation(struct virtio_dev *d)
{
	struct vmmio *m = vmmio_of(d);

	return m->version == 1 ? 0 : rd(m, VIRTIO_MMIO_CONFIG_GENERATION);
}

static const struct virtio_ops vmmio_ops = {
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

/* One window from the command line: 0 attached, -ENODEV nothing to attach. */
static int probe_one(const struct cmdline_mmio *w)
{
	volatile uint8_t *base = (volatile uint8_t *)w->base;
	struct vmmio *m;

	if (w->size < VIRTIO_MMIO_CONFIG || w->base + w->size > USER_WIN_BASE ||
	    vmm_map_mmio(w->base, w->size))
		return -EINVAL;
	uint32_t magic = *(volatile uint32_t *)(base + VIRTIO_MMIO_MAGIC);
	uint32_t version = *(volatile uint32_t *)(base + VIRTIO_MMIO_VERSION);
	uint32_t type = *(volatile uint32_t *)(base + VIRTIO_MMIO_DEVICE_ID);
	if (magic != VIRTIO_MMIO_MAGIC_VALUE || (version != 1 && version != 2))
		return -EINVAL;
	/* Type 0: an empty transport slot. */
	if (type == 0 || type > 0xffff || virtio_find_driver((uint16_t)type) == NULL)
		return -ENODEV;
	m = kzalloc(sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	m->base = base;
	m->size = w->size;
	m->irq = w->irq;
	m->version = version;
	m->vdev.vd_ops = &vmmio_ops;
	m->vdev.vd_transport = m;
	m->vdev.vd_type = (uint16_t)type;
	m->vdev.vd_modern = version == 2;
	fmt_snprintf(m->vdev.vd_where, sizeof(m->vdev.vd_where), "mmio %#lx irq %u",
		     (unsigned long)w->base, w->irq);
	int r = virtio_attach(&m->vdev);
	if (r != 0 && !m->irq_attached)
		kfree(m);
	return r;
}

int virtio_mmio_probe(const struct cmdline *cl)
{
	const char *v;
	int pos = 0, n = 0;

	while ((v = cmdline_next_opt(cl, "virtio_mmio.device", &pos)) != NULL) {
		struct cmdline_mmio w;

		if (cmdline_parse_virtio_mmio(v, &w) != 0) {
			kprintf("toro: virtio_mmio.device=%s is not SIZE@BASE:IRQ, ignored\n", v);
			continue;
		}
		int r = probe_one(&w);
		if (r == 0)
			n++;
		else if (r == -EINVAL)
			kprintf("toro: no virtio-mmio device at %#lx, ignored\n",
				(unsigned long)w.base);
	}
	return n;
}

static uint32_t fw_cfg_u32(uint16_t key)
{
	uint32_t v = 0;

	arch_outw(FW_CFG_SEL, key);
	for (int i = 0; i < 4; i++)
		v |= (uint32_t)arch_inb(FW_CFG_DATA) << (8 * i);
	return v;
}

int virtio_mmio_probe_fw_cfg(void)
{
	/* "QEMU" little-endian; no fw_cfg reads all ones. */
	if (fw_cfg_u32(FW_CFG_SIGNATURE) != 0x554d4551u)
		return 0;
	uint32_t len = fw_cfg_u32(FW_CFG_CMDLINE_SIZE);
	if (len <= 1 || len > FW_CFG_CMDLINE_MAX)
		return 0;
	char *buf = kmalloc(len + 1);
	struct cmdline *cl = kmalloc(sizeof(*cl));
	int n = 0;
	if (buf && cl) {
		arch_outw(FW_CFG_SEL, FW_CFG_CMDLINE_DATA);
		for (uint32_t i = 0; i < len; i++)
			buf[i] = (char)arch_inb(FW_CFG_DATA);
		buf[len] = '\0';
		cmdline_parse(cl, buf);
		n = virtio_mmio_probe(cl);
	}
	kfree(cl);
	kfree(buf);
	return n;
}
