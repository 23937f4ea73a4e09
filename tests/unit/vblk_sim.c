/* SPDX-License-Identifier: MIT */
/*
 * The simulated virtio-blk device of vblk_sim.h, and the kernel services
 * drivers/virtio/blk.c, virtio.c, virtq.c and drivers/blkdev.c call, for
 * the host. Plain C (no test library): a broken invariant aborts, so the
 * fuzz harness uses it too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <k/component.h>
#include <k/errno.h>
#include <k/kheap.h>
#include <k/pmm.h>
#include <k/wait.h>

#include "../../drivers/blkdev_impl.h"
#include "vblk_sim.h"

struct bsim bsim;
static uint8_t default_disk[BSIM_DISK_SECTORS * BLK_SECTOR];
static struct blkdev fillers[BLKDEV_MAX];

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "vblk_sim: %s\n", #c); abort(); } } while (0)

/* ---- kernel services ---- */
void arch_mb(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
void arch_rmb(void) { __atomic_thread_fence(__ATOMIC_ACQUIRE); }
void arch_wmb(void) { __atomic_thread_fence(__ATOMIC_RELEASE); }

void *pmm_alloc_contig(size_t n)
{
	void *p = aligned_alloc(PAGE_SIZE, n * PAGE_SIZE);
	if (p) {
		memset(p, 0xa5, n * PAGE_SIZE); /* nobody may count on zeroes */
		bsim.pages_out += (long)n;
	}
	return p;
}
void pmm_free_contig(void *base, size_t n)
{
	bsim.pages_out -= (long)n;
	free(base);
}
void *kmalloc(size_t n) { return malloc(n); }
void *kzalloc(size_t n) { return calloc(1, n); }
void kfree(void *p) { free(p); }

int blkdev_file_add(struct blkdev *d) { return 0; }

/* A thread would sleep until the device's interrupt: here the device runs
 * instead. Nothing for it to do means the wait would never end. */
int kwait(const void *key, struct spinlock *held, uint64_t until)
{
	spin_unlock(held);
	CHECK(bsim_run() > 0);
	spin_lock(held);
	return 0;
}
int kwake(const void *key, int n) { return 0; }

/* The driver under test, as its component's table lists it: the host's
 * sysopt_next (host_stubs.c, the fuzz harnesses) returns it. */
const struct syscall_opt host_virtio_opt = SYSOPT_HOOK(SYSOPT_VIRTIO, &vblk_driver);

/* ---- the transport ---- */
static uint8_t f_get_status(struct virtio_dev *d) { return bsim.status; }
static void f_set_status(struct virtio_dev *d, uint8_t s) { bsim.status = s; }
static uint64_t f_get_features(struct virtio_dev *d) { return bsim.offered; }
static void f_set_features(struct virtio_dev *d, uint64_t v) { bsim.driver_features = v; }
static uint16_t f_queue_max(struct virtio_dev *d, uint16_t i) { return i == 0 ? bsim.qmax : 0; }
static void f_notify(struct virtq *vq) { bsim.notified++; }
static int f_queue_setup(struct virtio_dev *d, struct virtq *vq)
{
	vq->vq_notify = f_notify;
	return 0;
}
static int f_intr_setup(struct virtio_dev *d) { return 0; }
static uint32_t f_cfg_read(struct virtio_dev *d, unsigned off, unsigned width)
{
	uint32_t v = 0;
	CHECK(off + width <= sizeof(bsim.cfg));
	for (unsigned i = 0; i < width; i++)
		v |= (uint32_t)bsim.cfg[off + i] << (8 * i);
	return v;
}
static uint32_t f_cfg_generation(struct virtio_dev *d) { return bsim.gen; }

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

void bsim_cfg32(unsigned off, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		bsim.cfg[off + i] = (uint8_t)(v >> (8 * i));
}

void bsim_capacity(uint64_t sectors)
{
	bsim_cfg32(VIRTIO_BLK_CFG_CAPACITY, (uint32_t)sectors);
	bsim_cfg32(VIRTIO_BLK_CFG_CAPACITY + 4, (uint32_t)(sectors >> 32));
}

void bsim_reset(void)
{
	memset(&bsim, 0, sizeof(bsim));
	bsim.modern = true;
	bsim.offered = VIRTIO_F_VERSION_1 | VIRTIO_F_EVENT_IDX | VIRTIO_F_INDIRECT_DESC |
		       VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_BLK_SIZE | VIRTIO_BLK_F_FLUSH |
		       VIRTIO_BLK_F_GEOMETRY | VIRTIO_BLK_F_TOPOLOGY;
	bsim.qmax = 128;
	bsim_capacity(BSIM_DISK_SECTORS);
	bsim_cfg32(VIRTIO_BLK_CFG_SEG_MAX, 254);
	bsim_cfg32(VIRTIO_BLK_CFG_BLK_SIZE, BLK_SECTOR);
	/* The pattern once: what later writes leave is what a device keeps. */
	static bool filled;
	for (size_t i = 0; !filled && i < sizeof(default_disk); i++)
		default_disk[i] = (uint8_t)(i * 7 + (i >> 9));
	filled = true;
	bsim.disk = default_disk;
}

static int filler_submit(struct blkdev *d, struct blk_req *r) { return -ENODEV; }

int bsim_attach(void)
{
	static const struct blkdev_ops filler_ops = { .submit = filler_submit };

	/* Another driver took every name. */
	for (int i = blkdev_count(); bsim.register_full && i < BLKDEV_MAX; i++) {
		memset(&fillers[i], 0, sizeof(fillers[i]));
		fillers[i].bd_ops = &filler_ops;
		fillers[i].bd_sectors = 1;
		fillers[i].bd_max_segs = 1;
		CHECK(blkdev_register(&fillers[i]) == 0);
	}
	bsim.dev.vd_ops = &sim_ops;
	bsim.dev.vd_transport = &bsim;
	bsim.dev.vd_type = VIRTIO_ID_BLOCK;
	bsim.dev.vd_modern = bsim.modern;
	strcpy(bsim.dev.vd_where, "sim");
	return virtio_attach(&bsim.dev);
}

struct vblk *bsim_softc(void) { return bsim.dev.vd_softc; }
struct blkdev *bsim_blkdev(void) { return bsim_softc() ? &bsim_softc()->sc_bd : NULL; }
struct virtq *bsim_vq(void) { return bsim.dev.vd_vq[VIRTIO_BLK_REQQ]; }

void bsim_detach(void)
{
	struct vblk *sc = bsim_softc();

	virtio_detach(&bsim.dev);
	if (sc) {
		blkdev_unregister(&sc->sc_bd);
		free(sc->sc_cmds);
		free(sc->sc_cmd_req);
		free(sc->sc_free);
		free(sc);
	}
	while (blkdev_count() > 0)
		blkdev_unregister(blkdev_get(0));
	bsim.dev.vd_softc = NULL;
}

/* ---- the device side ---- */
bool bsim_take(struct vsim_chain *c)
{
	return vsim_queue_take(bsim_vq(), &bsim.dev_avail, c);
}

#define PCHECK(c) do { if (!(c)) { if (bsim.lenient) return false; \
	fprintf(stderr, "vblk_sim: %s\n", #c); abort(); } } while (0)

bool bsim_parse(const struct vsim_chain *c, struct bsim_req *q)
{
	struct virtio_blk_req_hdr h;
	int last = c->ndesc - 1;
	uint64_t cap = f_cfg_read(NULL, 0, 4) | (uint64_t)f_cfg_read(NULL, 4, 4) << 32;

	/* The header alone in the first descriptor, the status alone in the
	 * last (what a legacy device without ANY_LAYOUT needs). */
	PCHECK(c->ndesc >= 2 && !c->d[0].write && c->d[0].len == sizeof(h));
	PCHECK(c->d[last].write && c->d[last].len == 1);
	memcpy(&h, c->d[0].addr, sizeof(h));
	q->type = h.type;
	q->sector = h.sector;
	q->status = c->d[last].addr;
	q->data = 0;
	for (int i = 1; i < last; i++) {
		PCHECK(c->d[i].len % BLK_SECTOR == 0 && c->d[i].len > 0);
		PCHECK(c->d[i].write == (h.type == VIRTIO_BLK_T_IN));
		q->data += c->d[i].len;
	}
	PCHECK(h.type == VIRTIO_BLK_T_IN || h.type == VIRTIO_BLK_T_OUT ||
	       h.type == VIRTIO_BLK_T_FLUSH);
	PCHECK((h.type == VIRTIO_BLK_T_FLUSH) == (q->data == 0));
	PCHECK(h.type != VIRTIO_BLK_T_FLUSH || (bsim.driver_features & VIRTIO_BLK_F_FLUSH));
	PCHECK(h.type != VIRTIO_BLK_T_OUT || !(bsim.driver_features & VIRTIO_BLK_F_RO));
	PCHECK(h.type == VIRTIO_BLK_T_FLUSH ||
	       (q->sector < cap && q->data / BLK_SECTOR <= cap - q->sector));
	return true;
}

uint32_t bsim_serve(const struct vsim_chain *c, uint8_t status)
{
	struct bsim_req q;

	if (!bsim_parse(c, &q))
		return 0;
	bsim.served++;
	if (status == VIRTIO_BLK_S_OK && q.type != VIRTIO_BLK_T_FLUSH) {
		uint8_t *p = bsim.disk + q.sector * BLK_SECTOR;
		for (int i = 1; i < c->ndesc - 1; i++) {
			if (q.type == VIRTIO_BLK_T_IN)
				memcpy(c->d[i].addr, p, c->d[i].len);
			else
				memcpy(p, c->d[i].addr, c->d[i].len);
			p += c->d[i].len;
		}
	}
	*q.status = status;
	return (q.type == VIRTIO_BLK_T_IN ? q.data : 0) + 1;
}

void bsim_put(uint32_t id, uint32_t len)
{
	vsim_queue_put(bsim_vq(), &bsim.dev_used, id, len);
}

void bsim_intr(void)
{
	virtio_intr(&bsim.dev, false);
}

int bsim_run(void)
{
	struct vsim_chain c;
	int n = 0;

	while (bsim_take(&c)) {
		bsim_put(c.head, bsim_serve(&c, VIRTIO_BLK_S_OK));
		n++;
	}
	bsim_intr();
	return n;
}
