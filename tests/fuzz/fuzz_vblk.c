// sources: drivers/virtio/blk.c drivers/virtio/virtio.c drivers/virtio/virtq.c drivers/blkdev.c tests/unit/vblk_sim.c tests/unit/virtio_sim.c lib/fmt.c
/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for drivers/virtio/blk.c against the simulated device of
 * tests/unit/vblk_sim.c, under the real virtio core, virtq and block layer.
 * The input picks the device (modern or legacy, features, the configuration
 * space: capacity, seg_max, size_max, blk_size, any values, and the queue
 * size), then a script of driver requests (valid or not) and device actions:
 * take a chain, complete any taken chain honestly or with any status byte,
 * used id and used length, jump the used index, interrupt. Always: a request
 * the block layer refuses never completes, every request it takes completes
 * exactly once with 0, -EIO, -ENODEV or -EINVAL; nothing leaks. While the
 * device has been honest, every request succeeds and ends once the device
 * served it, and every sector a read returns holds what the disk had there
 * (the first pattern or the one writes put). A device that lied may hide a
 * completion for good (no driver can tell that from a slow device): such a
 * request stays counted in the ring or the driver's queue.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <k/errno.h>

#include "../unit/vblk_sim.h"

/* The kernel console and hooks, silent. */
int kprintf(const char *fmt, ...) { return 0; }
void console_write(const char *s, size_t len) {}
void panic(const char *fmt, ...) { abort(); }
void smp_poll(void) {}
void arch_pause(void) {}
#include <k/component.h>
extern const struct syscall_opt host_virtio_opt; /* the simulated device's driver */
const struct syscall_opt *sysopt_next(const struct syscall_opt *prev, long kind)
{
	return !prev && kind == SYSOPT_VIRTIO ? &host_virtio_opt : NULL;
}

#define SLOTS 40
#define SLOT_BYTES (32 * 1024)
#define POISON 0xee
#define TAKEN_MAX 256

struct reader {
	const uint8_t *p;
	size_t n;
};

static unsigned take(struct reader *r)
{
	if (r->n == 0)
		return 0;
	r->n--;
	return *r->p++;
}
static unsigned take16(struct reader *r) { return take(r) | take(r) << 8; }
static uint32_t take32(struct reader *r) { return (uint32_t)take16(r) | (uint32_t)take16(r) << 16; }

static struct slot {
	struct blk_req r;
	bool busy;      /* submitted, not completed */
	int done;       /* completions seen */
	bool honest;    /* the device served it as it should */
	uint8_t buf[SLOT_BYTES];
} slots[SLOTS];

static struct vsim_chain taken[TAKEN_MAX];
static int ntaken;
static bool honest;
static uint64_t capacity;

/* What the disk holds at byte `off`: the first pattern, or the writes'. */
static uint8_t first_byte(uint64_t off) { return (uint8_t)(off * 7 + (off >> 9)); } /* bsim_reset's */
static uint8_t written_byte(uint64_t off) { return (uint8_t)(off * 13 + 0x5a + (off >> 9)); }

static void on_done(struct blk_req *r)
{
	struct slot *s = (struct slot *)r;

	s->done++;
	if (s->done != 1 || !s->busy)
		abort();
	s->busy = false;
	if (r->r_status != 0 && r->r_status != -EIO && r->r_status != -ENODEV &&
	    r->r_status != -EINVAL)
		abort();
	if (honest && r->r_status != 0)
		abort();
	if (r->r_status != 0 || !s->honest || r->r_op != BLK_READ)
		return;
	uint64_t off = r->r_sector * BLK_SECTOR;
	for (unsigned i = 0; i < r->r_nsegs; i++) {
		const uint8_t *b = r->r_segs[i].buf;
		for (uint32_t k = 0; k < r->r_segs[i].len; k += BLK_SECTOR, off += BLK_SECTOR) {
			bool a = true, w = true;
			for (uint32_t j = 0; j < BLK_SECTOR; j++) {
				a &= b[k + j] == first_byte(off + j);
				w &= b[k + j] == written_byte(off + j);
			}
			if (!a && !w)
				abort(); /* a sector from somewhere else */
		}
	}
}

static struct slot *slot_of(const struct vsim_chain *c)
{
	if (c->ndesc < 3)
		return NULL; /* a flush: no data to find it by */
	for (int i = 0; i < SLOTS; i++)
		if (c->d[1].addr >= slots[i].buf && c->d[1].addr < slots[i].buf + SLOT_BYTES)
			return &slots[i];
	abort();
}

/* A request from the input: valid for the device, or (1 in 16) not. */
static void drv_submit(struct blkdev *d, struct reader *r)
{
	struct slot *s = &slots[take(r) % SLOTS];
	unsigned op = take(r) % 3, bad = take(r) % 16;

	if (s->busy)
		return;
	memset(&s->r, 0, sizeof(s->r));
	s->r.r_op = (int)op;
	s->r.r_done = on_done;
	uint32_t seg = BLK_SECTOR * (1 + take(r) % 8);
	if (d->bd_max_seg_len && seg > d->bd_max_seg_len)
		seg = d->bd_max_seg_len;
	unsigned nsegs = op == BLK_FLUSH ? 0 : 1 + take(r) % (d->bd_max_segs < 8 ? d->bd_max_segs : 8);
	uint64_t count = (uint64_t)nsegs * seg / BLK_SECTOR;
	if (count > capacity)
		return;
	s->r.r_sector = op == BLK_FLUSH ? 0 : take32(r) % (capacity - count + 1);
	s->r.r_nsegs = nsegs;
	for (unsigned i = 0; i < nsegs; i++) {
		s->r.r_segs[i].buf = s->buf + i * seg;
		s->r.r_segs[i].len = seg;
	}
	memset(s->buf, POISON, count * BLK_SECTOR);
	if (op == BLK_WRITE)
		for (uint64_t k = 0; k < count * BLK_SECTOR; k++)
			s->buf[k] = written_byte(s->r.r_sector * BLK_SECTOR + k);
	if (bad == 0 && op != BLK_FLUSH)
		s->r.r_sector = capacity - count + 1 + take(r); /* beyond the end */
	else
		bad = 1;
	s->done = 0;
	s->honest = false;
	s->busy = true;
	int e = blkdev_submit(d, &s->r);
	if (e != 0) {
		s->busy = false;
		if (s->done != 0 || (bad != 0 && !(e == -EROFS && d->bd_ro) && e != -ENODEV))
			abort(); /* a valid request refused, or done ran for a refused one */
	} else if (bad == 0) {
		abort(); /* a request past the end accepted */
	}
}

/* Complete a taken chain: as QEMU would, or with any status byte, used
 * length or id (a wrong id leaves the chain taken, to be completed later;
 * after the device lied, a chain may be stale and is served as nothing). */
static void dev_complete(struct reader *r, bool be_honest)
{
	if (ntaken == 0)
		return;
	int i = (int)(take(r) % (unsigned)ntaken);
	struct vsim_chain c = taken[i];
	struct slot *s = slot_of(&c);
	if (be_honest) {
		taken[i] = taken[--ntaken];
		if (s)
			s->honest = honest;
		bsim_put(c.head, bsim_serve(&c, VIRTIO_BLK_S_OK));
		return;
	}
	honest = false;
	bsim.lenient = true;
	unsigned how = take(r) % 4;
	uint32_t len = how == 0 ? take16(r) : how == 1 ? take32(r) : c.wlen;
	if (how == 3) {
		bsim_put(take16(r), len);
		return;
	}
	taken[i] = taken[--ntaken];
	if (s)
		s->honest = false;
	struct bsim_req q;
	if (bsim_parse(&c, &q))
		*q.status = (uint8_t)take(r);
	bsim_put(c.head, len);
}

static void configure(struct reader *r)
{
	unsigned f = take(r), g = take(r);

	bsim_reset();
	bsim.modern = !(f & 1);
	if (!bsim.modern)
		bsim.offered &= 0xffffffffull;
	if (f & 2)
		bsim.offered &= ~VIRTIO_F_INDIRECT_DESC;
	if (f & 4)
		bsim.offered &= ~VIRTIO_F_EVENT_IDX;
	if (f & 8)
		bsim.offered &= ~VIRTIO_BLK_F_FLUSH;
	if (f & 16)
		bsim.offered |= VIRTIO_BLK_F_RO;
	if (f & 32)
		bsim.offered &= ~VIRTIO_BLK_F_SEG_MAX;
	if (f & 64) {
		bsim.offered |= VIRTIO_BLK_F_SIZE_MAX;
		bsim_cfg32(VIRTIO_BLK_CFG_SIZE_MAX, g & 1 ? take32(r) : 512u * (1 + take(r) % 16));
	}
	if (f & 128)
		bsim_cfg32(VIRTIO_BLK_CFG_BLK_SIZE, g & 2 ? take32(r) : 512u << (take(r) % 4));
	bsim_cfg32(VIRTIO_BLK_CFG_SEG_MAX, g & 4 ? take32(r) : take(r) % 40);
	bsim.qmax = (uint16_t)(g & 8 ? take16(r) : 1u << (take(r) % 10));
	capacity = 1 + take16(r) % BSIM_DISK_SECTORS;
	bsim_capacity(capacity);
	/* Each run starts from the first pattern: a lying device's run may
	 * have written stale buffers anywhere. */
	static uint8_t pristine[BSIM_DISK_SECTORS * BLK_SECTOR];
	static bool made;
	for (uint64_t i = 0; !made && i < sizeof(pristine); i++)
		pristine[i] = first_byte(i);
	made = true;
	memcpy(bsim.disk, pristine, sizeof(pristine));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, size };

	configure(&r);
	if (take(&r) == 0xff) {
		/* Any capacity: attach and go (no I/O past the RAM disk). */
		bsim_capacity((uint64_t)take32(&r) << 32 | take32(&r));
		bsim_attach();
		bsim_detach();
		if (bsim.pages_out != 0)
			abort();
		return 0;
	}
	for (int i = 0; i < SLOTS; i++)
		slots[i].busy = false;
	ntaken = 0;
	honest = true;
	if (bsim_attach() != 0) {
		bsim_detach();
		if (bsim.pages_out != 0 || blkdev_count() != 0)
			abort();
		return 0;
	}
	struct blkdev *d = bsim_blkdev();
	if (d->bd_max_segs < 1 || d->bd_max_segs > BLK_MAX_SEGS || d->bd_sectors != capacity)
		abort();
	while (r.n > 0) {
		switch (take(&r) % 8) {
		case 0:
		case 1:
			drv_submit(d, &r);
			break;
		case 2:
			if (ntaken < TAKEN_MAX && bsim_take(&taken[ntaken]))
				ntaken++;
			break;
		case 3:
		case 4:
			dev_complete(&r, true);
			break;
		case 5:
			dev_complete(&r, false);
			break;
		case 6:
			/* The used index moved anywhere, seen at once: a
			 * jump the driver never looks at, undone by later
			 * entries, would hide requests from it for good (no
			 * driver can tell that from a slow device). */
			honest = false;
			bsim.lenient = true;
			bsim.dev_used = (uint16_t)take16(&r);
			bsim_vq()->vq_used->idx = bsim.dev_used;
			bsim_intr();
			break;
		default:
			bsim_intr();
			break;
		}
	}
	/* Drain: the device serves everything it has honestly, as long as that
	 * ends requests. An honest device (or a dead one) leaves none behind;
	 * one that lied may have hidden completions (a used index wound back,
	 * an entry never written): those requests stay the driver's, counted
	 * in the ring or its queue, never lost or completed twice. */
	for (int round = 0, idle = 0; round < 4 * SLOTS && idle < 2; round++) {
		while (ntaken > 0)
			dev_complete(&r, true);
		/* The interrupt may start requests that waited: one more
		 * round serves those. */
		idle = bsim_run() ? 0 : idle + 1;
	}
	struct vblk *sc = bsim_softc();
	unsigned busy = 0, waiting = 0;
	for (int i = 0; i < SLOTS; i++)
		busy += slots[i].busy;
	for (struct blk_req *w = sc->sc_wait_head; w; w = w->r_next)
		waiting++;
	if ((honest || sc->sc_dead) && busy != 0)
		abort(); /* a request that never ends */
	if (!sc->sc_dead && (busy != virtq_in_flight(bsim_vq()) + waiting ||
			     sc->sc_nfree + virtq_in_flight(bsim_vq()) != sc->sc_ncmds))
		abort();
	bsim_detach();
	if (bsim.pages_out != 0)
		abort();
	return 0;
}
