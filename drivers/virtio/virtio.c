/* SPDX-License-Identifier: MIT */
/*
 * The virtio core: device initialization (virtio 1.2, 3.1.1: reset,
 * ACKNOWLEDGE, DRIVER, features, FEATURES_OK read back, queues, DRIVER_OK;
 * FAILED when a step fails), feature negotiation, queue memory, interrupt
 * fan-out to the queues. Legacy devices (MMIO version 1) have 32 feature bits
 * and no FEATURES_OK step (3.1.2). With VIRTIO_F_INDIRECT_DESC every queue
 * gets its indirect tables here, so a driver's chains of 2 to
 * VIRTQ_INDIRECT_MAX segments take one ring entry (2.7.5.3). Portable:
 * tests/unit/test_virtio.c runs it against a fake transport.
 */
#include <k/component.h>
#include <k/console.h>
#include <k/errno.h>
#include <k/kheap.h>
#include <k/pmm.h>

#include "virtio.h"

/* Features Toro's virtq handles whatever the driver is. */
#define CORE_FEATURES (VIRTIO_F_EVENT_IDX | VIRTIO_F_INDIRECT_DESC)

struct vq_mem {
	struct virtq vq; /* first: kfree(vq) frees the whole */
	struct virtq_slot slots[];
};

static void add_status(struct virtio_dev *d, uint8_t bits)
{
	d->vd_ops->set_status(d, (uint8_t)(d->vd_ops->get_status(d) | bits));
}

const struct virtio_driver *virtio_find_driver(uint16_t type)
{
	/* Each driver is a component of its own (drivers/drivers.c). */
	for (const struct syscall_opt *o = NULL; (o = sysopt_next(o, SYSOPT_VIRTIO)) != NULL;) {
		const struct virtio_driver *drv = o->p;
		if (drv->type == type)
			return drv;
	}
	return NULL;
}

int virtio_attach(struct virtio_dev *d)
{
	const struct virtio_driver *drv = virtio_find_driver(d->vd_type);
	int r;

	if (drv == NULL)
		return -ENODEV;
	d->vd_ops->set_status(d, 0);
	add_status(d, VIRTIO_STATUS_ACKNOWLEDGE);
	add_status(d, VIRTIO_STATUS_DRIVER);
	r = d->vd_ops->intr_setup(d);
	if (r == 0)
		r = drv->attach(d);
	if (r != 0) {
		kprintf("toro: virtio-%s at %s: not attached (error %d)\n", drv->name,
			d->vd_where, r);
		virtio_detach(d);
		d->vd_ops->set_status(d, VIRTIO_STATUS_FAILED);
	}
	return r;
}

int virtio_negotiate(struct virtio_dev *d, uint64_t wanted)
{
	uint64_t offered = d->vd_ops->get_features(d);

	wanted |= CORE_FEATURES;
	if (d->vd_modern) {
		if (!(offered & VIRTIO_F_VERSION_1))
			return -ENODEV;
		wanted |= VIRTIO_F_VERSION_1;
	} else {
		wanted &= 0xffffffffull & ~VIRTIO_F_VERSION_1;
	}
	d->vd_features = offered & wanted;
	d->vd_ops->set_features(d, d->vd_features);
	if (!d->vd_modern)
		return 0;
	add_status(d, VIRTIO_STATUS_FEATURES_OK);
	/* The device says here whether it accepts the subset. */
	if (!(d->vd_ops->get_status(d) & VIRTIO_STATUS_FEATURES_OK))
		return -ENODEV;
	return 0;
}

static uint16_t pow2_floor(uint16_t v)
{
	uint16_t p = 1;

	while (p <= v / 2)
		p = (uint16_t)(p * 2);
	return p;
}

static size_t ring_pages(uint16_t size)
{
	return (virtq_ring_bytes(size) + PAGE_SIZE - 1) / PAGE_SIZE;
}

/* Indirect tables for every descriptor of vq, allocated once here (nothing
 * is allocated per request): VIRTQ_INDIRECT_MAX entries each, or what the
 * driver asked for, at most the queue's size. A queue of one entry has no
 * use for them. */
static int setup_indirect(struct virtio_dev *d, struct virtq *vq)
{
	uint16_t want = d->vd_ind_max ? d->vd_ind_max : VIRTQ_INDIRECT_MAX;
	uint16_t max = vq->vq_size < want ? vq->vq_size : want;
	struct virtq_desc *t;

	if (!(d->vd_features & VIRTIO_F_INDIRECT_DESC) || max < 2)
		return 0;
	t = kzalloc(virtq_indirect_bytes(vq->vq_size, max));
	if (t == NULL)
		return -ENOMEM;
	int r = virtq_set_indirect(vq, t, max);
	if (r)
		kfree(t);
	return r;
}

int virtio_alloc_vq(struct virtio_dev *d, uint16_t idx, uint16_t max_size,
		    void (*intr)(struct virtq *vq), void *owner, struct virtq **out)
{
	uint16_t size = d->vd_ops->queue_max(d, idx);
	struct vq_mem *m;
	void *ring;
	int r = -ENOMEM;

	if (idx >= VIRTIO_MAX_QUEUES || d->vd_vq[idx] != NULL)
		return -EINVAL;
	if (size == 0)
		return -ENODEV;
	if (size > max_size)
		size = max_size;
	if (size > VIRTQ_MAX_SIZE)
		size = VIRTQ_MAX_SIZE;
	size = pow2_floor(size);
	ring = pmm_alloc_contig(ring_pages(size));
	m = kzalloc(sizeof(*m) + size * sizeof(struct virtq_slot));
	if (ring == NULL || m == NULL)
		goto fail;
	r = virtq_init(&m->vq, idx, size, ring, m->slots,
		       (d->vd_features & VIRTIO_F_EVENT_IDX) != 0);
	m->vq.vq_intr = intr;
	m->vq.vq_owner = owner;
	if (r == 0)
		r = setup_indirect(d, &m->vq);
	if (r == 0)
		r = d->vd_ops->queue_setup(d, &m->vq);
	if (r != 0)
		goto fail;
	d->vd_vq[idx] = &m->vq;
	*out = &m->vq;
	return 0;
fail:
	if (ring)
		pmm_free_contig(ring, ring_pages(size));
	if (m)
		kfree(m->vq.vq_ind);
	kfree(m);
	return r;
}

void virtio_driver_ok(struct virtio_dev *d)
{
	add_status(d, VIRTIO_STATUS_DRIVER_OK);
}

void virtio_detach(struct virtio_dev *d)
{
	/* Reset first: the device stops using the rings before they are freed. */
	d->vd_ops->set_status(d, 0);
	for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++) {
		struct virtq *vq = d->vd_vq[i];

		if (vq == NULL)
			continue;
		d->vd_vq[i] = NULL;
		pmm_free_contig(vq->vq_desc, ring_pages(vq->vq_size));
		kfree(vq->vq_ind);
		kfree(vq);
	}
}

void virtio_intr(struct virtio_dev *d, bool config)
{
	for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++) {
		struct virtq *vq = d->vd_vq[i];

		if (vq != NULL && vq->vq_intr != NULL)
			vq->vq_intr(vq);
	}
	if (config && d->vd_config_changed)
		d->vd_config_changed(d);
}

uint32_t virtio_cfg_read(struct virtio_dev *d, unsigned off, unsigned width)
{
	return d->vd_ops->cfg_read(d, off, width);
}

uint64_t virtio_cfg_read64(struct virtio_dev *d, unsigned off)
{
	uint64_t v = 0;

	/* Bounded: a device whose generation never settles gets the last read. */
	for (int tries = 0; tries < 16; tries++) {
		uint32_t gen = d->vd_ops->cfg_generation(d);

		v = d->vd_ops->cfg_read(d, off, 4) |
		    (uint64_t)d->vd_ops->cfg_read(d, off + 4, 4) << 32;
		if (d->vd_ops->cfg_generation(d) == gen)
			break;
	}
	return v;
}
