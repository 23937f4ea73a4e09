/* SPDX-License-Identifier: MIT */
/*
 * The simulated virtio-net device of vnet_sim.h, and the kernel services
 * drivers/virtio/net.c, virtio.c and virtq.c call, for the host. Plain C (no
 * test library): a broken invariant aborts, so the fuzz harness uses it too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <k/component.h>
#include <k/errno.h>
#include <k/kheap.h>
#include <k/pmm.h>
#include <k/random.h>

#include "vnet_sim.h"

struct vsim vsim;

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "vnet_sim: %s\n", #c); abort(); } } while (0)

/* ---- kernel services ---- */
void arch_mb(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
void arch_rmb(void) { __atomic_thread_fence(__ATOMIC_ACQUIRE); }
void arch_wmb(void) { __atomic_thread_fence(__ATOMIC_RELEASE); }

void *pmm_alloc_contig(size_t n)
{
	void *p = aligned_alloc(PAGE_SIZE, n * PAGE_SIZE);
	if (p) {
		memset(p, 0xa5, n * PAGE_SIZE); /* nobody may count on zeroes */
		vsim.pages_out += (long)n;
	}
	return p;
}
void pmm_free_contig(void *base, size_t n)
{
	vsim.pages_out -= (long)n;
	free(base);
}
void *kmalloc(size_t n) { return malloc(n); }
void *kzalloc(size_t n) { return calloc(1, n); }
void kfree(void *p) { free(p); }

void random_fill(void *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((uint8_t *)buf)[i] = (uint8_t)rand();
}

int netdev_count(void) { return vsim.nd ? 1 : 0; }
int netdev_register(struct netdev *nd)
{
	if (vsim.register_fails)
		return -ENOSPC;
	vsim.nd = nd;
	return 0;
}
void netdev_rx_ready(struct netdev *nd) { vsim.rx_ready++; }
void netdev_link_changed(struct netdev *nd, bool up)
{
	vsim.link_changes++;
	vsim.link_last = up;
	nd->link_up = up;
}

/* The driver under test, as its component's table lists it: the host's
 * sysopt_next (host_stubs.c, the fuzz harnesses) returns it. */
const struct syscall_opt host_virtio_opt = SYSOPT_HOOK(SYSOPT_VIRTIO, &vnet_driver);

/* ---- the transport ---- */
static uint8_t f_get_status(struct virtio_dev *d) { return vsim.status; }
static void f_set_status(struct virtio_dev *d, uint8_t s) { vsim.status = s; }
static uint64_t f_get_features(struct virtio_dev *d) { return vsim.offered; }
static void f_set_features(struct virtio_dev *d, uint64_t v) { vsim.driver_features = v; }
static uint16_t f_queue_max(struct virtio_dev *d, uint16_t i) { return i < 2 ? vsim.qmax[i] : 0; }
static void f_notify(struct virtq *vq) { vsim.notified[vq->vq_index]++; }
static int f_queue_setup(struct virtio_dev *d, struct virtq *vq)
{
	vq->vq_notify = f_notify;
	return 0;
}
static int f_intr_setup(struct virtio_dev *d) { return 0; }
static uint32_t f_cfg_read(struct virtio_dev *d, unsigned off, unsigned width)
{
	uint32_t v = 0;
	CHECK(off + width <= sizeof(vsim.cfg));
	for (unsigned i = 0; i < width; i++)
		v |= (uint32_t)vsim.cfg[off + i] << (8 * i);
	return v;
}
static uint32_t f_cfg_generation(struct virtio_dev *d) { return vsim.gen; }

static const struct virtio_ops sim_ops = {
	.get_status = f_get_status,
	.set_status = f_set_status,
	.get_features = f_get_features,
	.set_features = f_set_features,
	.queue_max = f_queue_max,
	.queue_setup = f_queue_setup,
	.intr_setup = f_intr_setup,
	.cfg_read = f_cfg_read,
	.cfg_generation = f_cfg_generation,
};

void vsim_reset(void)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

	memset(&vsim, 0, sizeof(vsim));
	vsim.modern = true;
	vsim.offered = VIRTIO_F_VERSION_1 | VIRTIO_F_EVENT_IDX | VIRTIO_NET_F_CSUM |
		       VIRTIO_NET_F_GUEST_CSUM | VIRTIO_NET_F_MAC | VIRTIO_NET_F_MRG_RXBUF |
		       VIRTIO_NET_F_STATUS;
	vsim.qmax[0] = vsim.qmax[1] = 256;
	memcpy(vsim.cfg + VIRTIO_NET_CFG_MAC, mac, 6);
	vsim.cfg[VIRTIO_NET_CFG_STATUS] = VIRTIO_NET_S_LINK_UP;
}

int vsim_attach(void)
{
	vsim.dev.vd_ops = &sim_ops;
	vsim.dev.vd_transport = &vsim;
	vsim.dev.vd_type = VIRTIO_ID_NET;
	vsim.dev.vd_modern = vsim.modern;
	strcpy(vsim.dev.vd_where, "sim");
	return virtio_attach(&vsim.dev);
}

struct vnet *vsim_softc(void) { return vsim.dev.vd_softc; }
struct virtq *vsim_vq(int q) { return vsim.dev.vd_vq[q]; }

void vsim_detach(void)
{
	struct vnet *sc = vsim_softc();

	virtio_detach(&vsim.dev);
	if (sc) {
		pmm_free_contig(sc->sc_rx_bufs, (sc->sc_nrx * VNET_BUF_SIZE + PAGE_SIZE - 1) / PAGE_SIZE);
		pmm_free_contig(sc->sc_tx_bufs, (sc->sc_ntx * VNET_BUF_SIZE + PAGE_SIZE - 1) / PAGE_SIZE);
		free(sc->sc_tx_free);
		free(sc);
	}
	vsim.dev.vd_softc = NULL;
	vsim.nd = NULL;
}

/* ---- the device side (virtio_sim.c) ---- */
bool vsim_take(int q, struct vsim_chain *c)
{
	return vsim_queue_take(vsim_vq(q), &vsim.dev_avail[q], c);
}

void vsim_put(int q, uint32_t id, uint32_t len)
{
	vsim_queue_put(vsim_vq(q), &vsim.dev_used[q], id, len);
}

void vsim_intr(bool config)
{
	virtio_intr(&vsim.dev, config);
}
