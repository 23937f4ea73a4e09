/* SPDX-License-Identifier: MIT */
/*
 * virtio block device (virtio 1.2, 5.2) as a blkdev (k/blkdev_driver.h):
 * one request queue, a chain per request (header, data segments, status
 * byte; one ring entry with indirect descriptors), as many requests in
 * flight as the ring holds and a queue of the rest, completion from the
 * used-ring interrupt. Nothing the device reports is believed unchecked: a
 * status byte other than OK/IOERR/UNSUPP or a used length short of what the
 * request had it write fails that request with -EIO (counted, logged once).
 * Linked with the files component (fs/files.c). Try: bin/toro run --disk
 * disk.img app.elf (virtio-blk-pci on pc/q35, virtio-blk-device on microvm).
 */
#include <k/console.h>
#include <k/errno.h>
#include <k/fmt.h>
#include <k/kheap.h>
#include <k/string.h>

#include "blk_impl.h"

#define WANTED (VIRTIO_BLK_F_SIZE_MAX | VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_RO | \
		VIRTIO_BLK_F_BLK_SIZE | VIRTIO_BLK_F_FLUSH)

#define RD(x) (*(volatile __typeof__(x) *)&(x))

static unsigned cmd_index(const struct vblk *sc, const struct vblk_cmd *c)
{
	return (unsigned)(c - sc->sc_cmds);
}

static uint64_t data_bytes(const struct blk_req *r)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < r->r_nsegs; i++)
		n += r->r_segs[i].len;
	return n;
}

/* Put r on the ring (under sc_lock): 0, -ENOSPC (no room now), or the
 * queue's error. The chain: header (read), data (read for a write,
 * written for a read), status (written). */
static int start(struct vblk *sc, struct blk_req *r)
{
	struct virtq_seg segs[BLK_MAX_SEGS + 2];
	unsigned n = 0;

	if (sc->sc_nfree == 0)
		return -ENOSPC;
	uint16_t i = sc->sc_free[sc->sc_nfree - 1];
	struct vblk_cmd *c = &sc->sc_cmds[i];
	c->c_hdr.type = r->r_op == BLK_READ ? VIRTIO_BLK_T_IN :
			r->r_op == BLK_WRITE ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_FLUSH;
	c->c_hdr.reserved = 0;
	c->c_hdr.sector = r->r_op == BLK_FLUSH ? 0 : r->r_sector;
	c->c_status = VBLK_S_NONE;
	segs[n++] = (struct virtq_seg){ (uintptr_t)&c->c_hdr, sizeof(c->c_hdr), false };
	for (unsigned k = 0; k < r->r_nsegs; k++)
		segs[n++] = (struct virtq_seg){ (uintptr_t)r->r_segs[k].buf, r->r_segs[k].len,
						r->r_op == BLK_READ };
	segs[n++] = (struct virtq_seg){ (uintptr_t)&c->c_status, 1, true };
	int e = virtq_add(sc->sc_vq, segs, n, c);
	if (e)
		return e;
	sc->sc_nfree--;
	sc->sc_cmd_req[i] = r;
	if (virtq_in_flight(sc->sc_vq) > sc->sc_stats.in_flight_max)
		sc->sc_stats.in_flight_max = virtq_in_flight(sc->sc_vq);
	return 0;
}

/* Start waiting requests, oldest first, while they fit (under sc_lock). A
 * request the queue refuses outright (a buffer outside the identity map) is
 * chained on **tail to fail with that error. */
static void start_waiting(struct vblk *sc, struct blk_req ***tail)
{
	struct blk_req *r;
	int e = 0;

	while ((r = sc->sc_wait_head) != NULL && (e = start(sc, r)) != -ENOSPC) {
		sc->sc_wait_head = r->r_next;
		if (sc->sc_wait_head == NULL)
			sc->sc_wait_tail = NULL;
		r->r_next = NULL;
		if (e == 0)
			continue;
		r->r_status = e == -EIO ? -ENODEV : e;
		**tail = r;
		*tail = &r->r_next;
	}
}

static int vblk_submit(struct blkdev *bd, struct blk_req *r)
{
	struct vblk *sc = bd->bd_softc;
	int e = 0;

	spin_lock(&sc->sc_lock);
	if (sc->sc_dead) {
		e = -ENODEV;
	} else if (sc->sc_wait_head == NULL && (e = start(sc, r)) == 0) {
		virtq_kick(sc->sc_vq);
	} else if (e == -ENOSPC || sc->sc_wait_head != NULL) {
		/* Behind the others, so the device sees requests in order. */
		e = 0;
		r->r_next = NULL;
		if (sc->sc_wait_tail)
			sc->sc_wait_tail->r_next = r;
		else
			sc->sc_wait_head = r;
		sc->sc_wait_tail = r;
		sc->sc_stats.queued++;
	} else if (e == -EIO) {
		e = -ENODEV; /* the queue is broken */
	}
	spin_unlock(&sc->sc_lock);
	return e;
}

static void log_once(struct vblk *sc, bool *logged, const char *what, unsigned st,
		     uint32_t len, uint64_t want)
{
	if (*logged)
		return;
	*logged = true;
	kprintf("toro: virtio-blk %s at %s: %s (status %u, length %u of %llu); the request "
		"fails with EIO, further ones counted only\n", sc->sc_bd.bd_name,
		sc->sc_dev->vd_where, what, st, len, (unsigned long long)want);
}

/* The outcome of command c, which the device returned with used length
 * len: 0 or -EIO. The status byte (preset to VBLK_S_NONE) must hold one of
 * the three values; a success must also have written every byte a read
 * asked for (the used length counts them with the status byte). A failure
 * may be short: Firecracker reports only what it wrote before the error. */
static int reply_status(struct vblk *sc, const struct vblk_cmd *c, const struct blk_req *r,
			uint32_t len)
{
	uint8_t st = RD(c->c_status);
	uint64_t want = (r->r_op == BLK_READ ? data_bytes(r) : 0) + 1;

	if (st == VIRTIO_BLK_S_IOERR || st == VIRTIO_BLK_S_UNSUPP) {
		sc->sc_stats.io_errors++;
		log_once(sc, &sc->sc_logged_ioerr, st == VIRTIO_BLK_S_IOERR ? "I/O error" :
			 "request unsupported", st, len, want);
		return -EIO;
	}
	if (st != VIRTIO_BLK_S_OK || len < want) {
		sc->sc_stats.bad_replies++;
		log_once(sc, &sc->sc_logged_bad, st != VIRTIO_BLK_S_OK ? "bad status byte" :
			 "short used length", st, len, want);
		return -EIO;
	}
	return 0;
}

/* The queue broke (a used index more than a ring ahead): the device can no
 * longer be believed about anything. Reset it so it stops using the
 * buffers, then fail every request it had and every one waiting, so no
 * thread waits for ever (under sc_lock; the failed requests are chained on
 * *out for completion after it). */
static void fail_all(struct vblk *sc, struct blk_req **out)
{
	sc->sc_dead = true;
	sc->sc_dev->vd_ops->set_status(sc->sc_dev, 0);
	kprintf("toro: virtio-blk %s at %s: queue broken; device reset, its requests fail\n",
		sc->sc_bd.bd_name, sc->sc_dev->vd_where);
	for (uint16_t i = 0; i < sc->sc_ncmds; i++) {
		struct blk_req *r = sc->sc_cmd_req[i];
		if (r == NULL)
			continue;
		sc->sc_cmd_req[i] = NULL;
		sc->sc_free[sc->sc_nfree++] = i;
		r->r_status = -EIO;
		r->r_next = *out;
		*out = r;
	}
	while (sc->sc_wait_head) {
		struct blk_req *r = sc->sc_wait_head;
		sc->sc_wait_head = r->r_next;
		r->r_status = -ENODEV;
		r->r_next = *out;
		*out = r;
	}
	sc->sc_wait_tail = NULL;
}

/* Interrupt context, core 0: take back what the device finished, start
 * what waited for room, complete outside the lock (a request's done may
 * take locks of its own). */
static void vblk_intr(struct virtq *vq)
{
	struct vblk *sc = vq->vq_owner;
	struct blk_req *done = NULL, **tail = &done;
	struct vblk_cmd *c;
	uint32_t len;

	spin_lock(&sc->sc_lock);
	while ((c = virtq_get(vq, &len)) != NULL || !virtq_intr_enable(vq)) {
		if (c == NULL)
			continue;
		unsigned i = cmd_index(sc, c);
		struct blk_req *r = sc->sc_cmd_req[i];
		sc->sc_cmd_req[i] = NULL;
		sc->sc_free[sc->sc_nfree++] = (uint16_t)i;
		r->r_status = reply_status(sc, c, r, len);
		r->r_next = NULL;
		*tail = r;
		tail = &r->r_next;
	}
	if (vq->vq_broken && !sc->sc_dead)
		fail_all(sc, tail);
	if (!sc->sc_dead) {
		start_waiting(sc, &tail);
		virtq_kick(vq);
	}
	spin_unlock(&sc->sc_lock);
	while (done) {
		struct blk_req *r = done;
		done = r->r_next;
		blkdev_complete(r, r->r_status);
	}
}

static const struct blkdev_ops vblk_ops = { .submit = vblk_submit };

/* The configuration: capacity and the limits Toro must keep to. 0, or
 * -ENOTSUP with a console line for a device Toro cannot drive. */
static int read_config(struct vblk *sc, struct virtio_dev *d)
{
	uint64_t f = d->vd_features;
	uint32_t v;

	sc->sc_bd.bd_sectors = virtio_cfg_read64(d, VIRTIO_BLK_CFG_CAPACITY);
	sc->sc_bd.bd_ro = (f & VIRTIO_BLK_F_RO) != 0;
	sc->sc_bd.bd_flush = (f & VIRTIO_BLK_F_FLUSH) != 0;
	if ((f & VIRTIO_BLK_F_BLK_SIZE) &&
	    (v = virtio_cfg_read(d, VIRTIO_BLK_CFG_BLK_SIZE, 4)) != BLK_SECTOR) {
		kprintf("toro: virtio-blk at %s: block size %u not supported (only 512)\n",
			d->vd_where, v);
		return -ENOTSUP;
	}
	/* A segment limit below a sector leaves no request possible. */
	sc->sc_bd.bd_max_seg_len = 0;
	if (f & VIRTIO_BLK_F_SIZE_MAX) {
		v = virtio_cfg_read(d, VIRTIO_BLK_CFG_SIZE_MAX, 4);
		if (v < BLK_SECTOR) {
			kprintf("toro: virtio-blk at %s: segment size limit %u is below a sector\n",
				d->vd_where, v);
			return -ENOTSUP;
		}
		sc->sc_bd.bd_max_seg_len = v & ~(BLK_SECTOR - 1);
	}
	/* Without SEG_MAX, one data segment: Firecracker takes no more. */
	unsigned segs = 1;
	if (f & VIRTIO_BLK_F_SEG_MAX) {
		v = virtio_cfg_read(d, VIRTIO_BLK_CFG_SEG_MAX, 4);
		segs = v == 0 ? 1 : v > BLK_MAX_SEGS ? BLK_MAX_SEGS : v;
	}
	sc->sc_bd.bd_max_segs = segs;
	if (sc->sc_bd.bd_sectors == 0) {
		kprintf("toro: virtio-blk at %s: no sectors (an empty disk)\n", d->vd_where);
		return -ENOTSUP;
	}
	return 0;
}

/* The commands, one per ring entry, and the segment limit the ring sets:
 * a chain is at most one indirect table, or without tables the ring. */
static int setup_cmds(struct vblk *sc)
{
	struct virtq *vq = sc->sc_vq;
	unsigned room = (vq->vq_ind_max ? vq->vq_ind_max : vq->vq_size) - 2u;

	if (vq->vq_size < 3 || room < 1) {
		kprintf("toro: virtio-blk at %s: a queue of %u entries has no room for a "
			"request\n", sc->sc_dev->vd_where, vq->vq_size);
		return -ENOTSUP;
	}
	if (sc->sc_bd.bd_max_segs > room)
		sc->sc_bd.bd_max_segs = room;
	sc->sc_indirect = vq->vq_ind_max != 0;
	sc->sc_ncmds = vq->vq_size;
	sc->sc_cmds = kzalloc(sc->sc_ncmds * sizeof(*sc->sc_cmds));
	sc->sc_cmd_req = kzalloc(sc->sc_ncmds * sizeof(*sc->sc_cmd_req));
	sc->sc_free = kzalloc(sc->sc_ncmds * sizeof(*sc->sc_free));
	if (!sc->sc_cmds || !sc->sc_cmd_req || !sc->sc_free)
		return -ENOMEM;
	for (uint16_t i = 0; i < sc->sc_ncmds; i++)
		sc->sc_free[i] = (uint16_t)(sc->sc_ncmds - 1 - i);
	sc->sc_nfree = sc->sc_ncmds;
	return 0;
}

/* The size exactly: GiB or MiB when it is a whole number of them, else KiB. */
static void print_attach(const struct vblk *sc)
{
	uint64_t s = sc->sc_bd.bd_sectors;
	char size[32];

	if (s >= (1u << 21) && s % (1u << 21) == 0)
		fmt_snprintf(size, sizeof(size), "%llu GiB", (unsigned long long)(s >> 21));
	else if (s % 2048 == 0)
		fmt_snprintf(size, sizeof(size), "%llu MiB", (unsigned long long)(s >> 11));
	else
		fmt_snprintf(size, sizeof(size), "%llu%s KiB", (unsigned long long)(s / 2),
			     s & 1 ? ".5" : "");
	kprintf("toro: virtio-blk %s at %s: %llu sectors (%s)%s%s\n", sc->sc_bd.bd_name,
		sc->sc_dev->vd_where, (unsigned long long)s, size,
		sc->sc_bd.bd_ro ? ", read-only" : "",
		sc->sc_bd.bd_ro ? "" : sc->sc_bd.bd_flush ? ", flush" : ", no flush (write-through)");
}

static void free_softc(struct vblk *sc)
{
	if (sc == NULL)
		return;
	kfree(sc->sc_cmds);
	kfree(sc->sc_cmd_req);
	kfree(sc->sc_free);
	kfree(sc);
}

static int vblk_attach(struct virtio_dev *d)
{
	struct vblk *sc = kzalloc(sizeof(*sc));
	int r = -ENOMEM;

	if (sc == NULL)
		goto fail;
	sc->sc_dev = d;
	sc->sc_bd.bd_ops = &vblk_ops;
	sc->sc_bd.bd_softc = sc;
	r = virtio_negotiate(d, WANTED);
	if (r == 0)
		r = read_config(sc, d);
	d->vd_ind_max = VBLK_IND_MAX;
	if (r == 0)
		r = virtio_alloc_vq(d, VIRTIO_BLK_REQQ, VBLK_QUEUE_MAX, vblk_intr, sc, &sc->sc_vq);
	if (r == 0)
		r = setup_cmds(sc);
	if (r != 0)
		goto fail;
	d->vd_softc = sc;
	virtio_driver_ok(d);
	/* Registered once the device takes requests: a file system may look
	 * for it from here on. */
	r = blkdev_register(&sc->sc_bd);
	if (r != 0)
		goto fail;
	print_attach(sc);
	return 0;
fail:
	/* The core resets the device and frees the queue. */
	d->vd_softc = NULL;
	free_softc(sc);
	return r;
}

const struct virtio_driver vblk_driver = {
	.name = "blk",
	.type = VIRTIO_ID_BLOCK,
	.attach = vblk_attach,
};
