/* SPDX-License-Identifier: MIT */
/*
 * File data: the cluster chain as an array (a cached position makes
 * sequential access O(1) per cluster), read with read-ahead of the
 * physically contiguous clusters that follow, write with growth (new
 * clusters next to the last one where free, a gap zeroed: FAT has no
 * holes), truncation both ways, sizes up to 4 GiB - 1.
 *
 * Order: data blocks are dirtied as BC_DATA, the FAT links as BC_FAT, the
 * directory entry (size, first cluster) as BC_DIR; the cache writes them in
 * that order.
 */
#include <k/bcache.h>
#include <k/errno.h>
#include <k/string.h>
#include <k/vfs.h>

#include "fat_impl.h"

#define RA_BYTES (512u * 1024) /* read-ahead window of a sequential reader, at most */

static uint32_t clusters_for(const struct fat_vol *v, uint64_t bytes)
{
	return (uint32_t)((bytes + v->g.csize - 1) / v->g.csize);
}

/* ci's cluster from a run already seen. */
static bool run_lookup(const struct fat_node *n, uint32_t ci, uint32_t *clu)
{
	for (unsigned i = 0; i < n->nruns; i++) {
		const struct fat_crun *r = &n->runs[i];
		if (ci >= r->ci && ci - r->ci < r->len) {
			*clu = r->clu + (ci - r->ci);
			return true;
		}
	}
	return false;
}

/* The walk reached index ci at cluster clu: grow the run it continues, or
 * start one (the first FAT_RUNS runs of a file are kept). */
static void run_note(struct fat_node *n, uint32_t ci, uint32_t clu)
{
	for (unsigned i = 0; i < n->nruns; i++) {
		struct fat_crun *r = &n->runs[i];
		if (r->ci + r->len == ci && r->clu + r->len == clu) {
			r->len++;
			return;
		}
		if (ci >= r->ci && ci - r->ci < r->len)
			return; /* known */
	}
	if (n->nruns < FAT_RUNS)
		n->runs[n->nruns++] = (struct fat_crun){ ci, clu, 1 };
}

int fat_bmap(struct fat_node *n, uint32_t ci, uint32_t *clu)
{
	int err = fat_node_chain(n);
	if (err)
		return err;
	if (ci >= n->nclu)
		return -EIO;
	if (ci == n->nclu - 1) {
		*clu = n->tail;
		return 0;
	}
	if (run_lookup(n, ci, clu))
		return 0;
	if (ci < n->pos_ci) {
		/* Back: from the end of the last run before ci, or the start. */
		n->pos_ci = 0;
		n->pos_clu = n->start;
		for (unsigned i = 0; i < n->nruns; i++) {
			const struct fat_crun *r = &n->runs[i];
			if (r->ci + r->len - 1 <= ci && r->ci + r->len - 1 > n->pos_ci) {
				n->pos_ci = r->ci + r->len - 1;
				n->pos_clu = r->clu + r->len - 1;
			}
		}
	}
	while (n->pos_ci < ci) {
		uint32_t next;
		err = fat_get(n->vol, n->pos_clu, &next);
		if (err)
			return err;
		if (!fat_clus_ok(n->vol, next))
			return -EIO;
		n->pos_clu = next;
		n->pos_ci++;
		run_note(n, n->pos_ci, next);
	}
	*clu = n->pos_clu;
	return 0;
}

int fat_extend(struct fat_node *n, uint32_t want)
{
	struct fat_vol *v = n->vol;
	int err = fat_node_chain(n);
	if (err)
		return err;
	while (n->nclu < want) {
		uint32_t c;
		err = fat_alloc(v, n->tail ? n->tail + 1 : 0, &c);
		if (err)
			return err;
		if (n->nclu == 0) {
			n->start = c;
			fat_forget_pos(n);
			run_note(n, 0, c);
		} else if ((err = fat_set(v, n->tail, c)) != 0) {
			fat_set(v, c, FAT_FREE);
			return err;
		}
		n->tail = c;
		n->nclu++;
	}
	return 0;
}

int fat_shrink(struct fat_node *n, uint32_t keep)
{
	struct fat_vol *v = n->vol;
	int err = fat_node_chain(n);
	if (err || keep >= n->nclu)
		return err;
	uint32_t first;
	if (keep == 0) {
		first = n->start;
		n->start = 0;
		n->tail = 0;
	} else {
		uint32_t last;
		err = fat_bmap(n, keep - 1, &last);
		if (!err)
			err = fat_get(v, last, &first);
		if (!err)
			err = fat_set(v, last, FAT_EOC);
		if (err)
			return err;
		n->tail = last;
	}
	n->nclu = keep;
	fat_forget_pos(n);
	n->ra_next = 0;
	return fat_release_chain(v, first);
}

/* ---- moving bytes ---- */

/* File data goes first: before the FAT links a cluster and before an entry
 * covers it. QEMU's vvfat wants the opposite: it copies a file to the host
 * when it sees the file's clusters written while the image is consistent,
 * using the size the entry has then, so a size written after the data is
 * never seen (an append within the last cluster would be lost). There the
 * data goes last; vvfat is no disk a power cut can harm. */
static int data_class(const struct fat_vol *v)
{
	return v->g.vvfat ? BC_META : BC_DATA;
}

/* Copy between buf and the file's bytes [pos, pos + len), which lie in one
 * cluster at device offset dev. Writing: buf NULL writes zeros; `size` is
 * the file size before the write (bytes past it need not be read). */
static int io_cluster(struct fat_node *n, uint64_t dev, uint64_t pos, uint8_t *buf, size_t len,
		      bool write)
{
	struct fat_vol *v = n->vol;
	while (len > 0) {
		uint32_t in = (uint32_t)(dev % v->bsize);
		size_t k = v->bsize - in < len ? v->bsize - in : len;
		uint64_t blk_pos = pos - in; /* file offset of the block's start */
		bool whole = in == 0 && k == v->bsize;
		bool fresh = write && blk_pos >= n->size;
		struct buf *b;
		uint8_t *p;
		int err = fat_block(v, dev, write && (whole || fresh), &b, &p);
		if (err)
			return err;
		if (!write) {
			memcpy(buf, p, k);
		} else {
			if (fresh && !whole)
				memset(p - in, 0, v->bsize);
			if (buf)
				memcpy(p, buf, k);
			else
				memset(p, 0, k);
			fat_dirty(v, b, data_class(v));
		}
		fat_put(v, b);
		dev += k;
		pos += k;
		len -= k;
		if (buf)
			buf += k;
	}
	return 0;
}

/* Read ahead the clusters after ci (on disk at clu) up to the window,
 * in runs of physically consecutive clusters. */
static void readahead(struct fat_node *n, uint32_t ci, uint32_t clu)
{
	struct fat_vol *v = n->vol;
	/* At most a quarter of the cache: read-ahead must not push out the
	 * FAT and directory blocks of a small guest. */
	uint64_t bytes = (uint64_t)bcache_limit() * v->bsize / 4;
	if (bytes > RA_BYTES)
		bytes = RA_BYTES;
	uint32_t window = (uint32_t)(bytes / v->g.csize) ? (uint32_t)(bytes / v->g.csize) : 1;
	uint32_t last = clusters_for(v, n->size);
	if (n->ra_next > ci + 1 + window / 2)
		return; /* far enough ahead already */
	if (n->ra_next <= ci) {
		n->ra_next = ci + 1;
		n->ra_clu = clu;
	}
	uint32_t target = ci + 1 + window < last ? ci + 1 + window : last;
	uint32_t run_start = 0, run_len = 0, bpc = v->g.csize / v->bsize;
	while (n->ra_next < target) {
		uint32_t next;
		if (fat_get(v, n->ra_clu, &next) || !fat_clus_ok(v, next))
			break;
		if (run_len && next == run_start + run_len) {
			run_len++;
		} else {
			if (run_len)
				bcache_readahead(v->bc, fat_clus_off(v, run_start) / v->bsize,
						 run_len * bpc);
			run_start = next;
			run_len = 1;
		}
		n->ra_clu = next;
		n->ra_next++;
	}
	if (run_len)
		bcache_readahead(v->bc, fat_clus_off(v, run_start) / v->bsize, run_len * bpc);
}

static int io(struct fat_node *n, uint64_t off, uint8_t *buf, size_t len, bool write)
{
	struct fat_vol *v = n->vol;
	bool seq = !write && off == n->seq_next;
	while (len > 0) {
		uint32_t ci = (uint32_t)(off / v->g.csize), in = (uint32_t)(off % v->g.csize);
		size_t k = v->g.csize - in < len ? v->g.csize - in : len;
		uint32_t clu;
		int err = fat_bmap(n, ci, &clu);
		if (err)
			return err;
		uint64_t dev = fat_clus_off(v, clu) + in;
		if (!write && v->g.csize > v->bsize && k > v->bsize)
			bcache_readahead(v->bc, dev / v->bsize, (uint32_t)((k + v->bsize - 1) / v->bsize));
		if (seq)
			readahead(n, ci, clu);
		err = io_cluster(n, dev, off, buf, k, write);
		if (err)
			return err;
		off += k;
		len -= k;
		if (buf)
			buf += k;
	}
	if (!write)
		n->seq_next = off;
	return 0;
}

long fat_read(struct vnode *vn, void *buf, size_t len, uint64_t off)
{
	struct fat_node *n = vn->v_priv;
	if (n->isdir)
		return -EISDIR;
	if (off >= n->size || len == 0)
		return 0;
	if (len > n->size - off)
		len = (size_t)(n->size - off);
	int err = io(n, off, buf, len, false);
	if (err)
		return err;
	if (!n->vol->ro)
		fat_node_touch(n);
	return (long)len;
}

/* Give the file `want` clusters for a write or truncation; on failure the
 * chain is as it was. */
static int grow_chain(struct fat_node *n, uint32_t want)
{
	uint32_t had = n->nclu;
	int err = fat_extend(n, want);
	if (err && n->nclu > had)
		fat_shrink(n, had);
	return err;
}

/* Before a file cut shorter grows again: write its smaller size back and
 * cut the chain, so the growth takes fresh clusters instead of writing new
 * bytes into clusters that the size on the disk still covers. */
static int trim_first(struct fat_node *n, uint64_t end)
{
	int err = fat_node_chain(n);
	if (err || !n->trim_pending || end <= n->size)
		return err;
	return fat_flush(n->vol);
}

long fat_write(struct vnode *vn, const void *buf, size_t len, uint64_t off)
{
	struct fat_node *n = vn->v_priv;
	struct fat_vol *v = n->vol;
	if (n->isdir)
		return -EISDIR;
	if (v->ro)
		return -EROFS;
	if (len == 0)
		return 0;
	if (off >= FAT_MAX_FILE)
		return -EFBIG;
	if (len > FAT_MAX_FILE - off)
		len = (size_t)(FAT_MAX_FILE - off);
	int err = trim_first(n, off + len);
	if (err)
		return err;
	uint32_t had = n->nclu;
	err = fat_extend(n, clusters_for(v, off + len));
	if (err) {
		uint64_t room = (uint64_t)n->nclu * v->g.csize;
		if (err != -ENOSPC || room <= off) {
			if (n->nclu > had)
				fat_shrink(n, had);
			return err;
		}
		len = (size_t)(room - off); /* a short write up to the full disk */
	}
	if (off > n->size && (err = io(n, n->size, NULL, (size_t)(off - n->size), true)) != 0)
		return err;
	err = io(n, off, (uint8_t *)buf, len, true);
	if (err)
		return err;
	if (off + len > n->size) {
		n->size = (uint32_t)(off + len);
		vn->v_size = n->size;
	}
	err = fat_node_update(n, FAT_STAMP_MTIME);
	return err ? err : (long)len;
}

int fat_truncate(struct vnode *vn, uint64_t size)
{
	struct fat_node *n = vn->v_priv;
	struct fat_vol *v = n->vol;
	if (n->isdir)
		return -EISDIR;
	if (v->ro)
		return -EROFS;
	if (size > FAT_MAX_FILE)
		return -EFBIG;
	int err = fat_node_chain(n);
	if (err || size == n->size)
		return err;
	if (size == 0 && n->nclu && !v->g.vvfat) {
		/* The whole chain goes at once: the entry (size 0, no first
		 * cluster) reaches the disk before the clusters are freed, and
		 * new data goes to fresh clusters, never over the old file's
		 * (fs/fat_free.c). */
		uint32_t old = n->start;
		n->start = n->nclu = n->tail = 0;
		fat_forget_pos(n);
		n->ra_next = 0;
		n->size = 0;
		vn->v_size = 0;
		err = fat_node_update(n, FAT_STAMP_MTIME);
		return err ? err : fat_release_chain(v, old);
	} else if (size < n->size) {
		/* The smaller size reaches the disk first; the chain is cut
		 * after that. */
		n->size = (uint32_t)size;
		vn->v_size = n->size;
		err = fat_node_update(n, FAT_STAMP_MTIME);
		if (!err && clusters_for(v, size) < n->nclu)
			fat_trim_later(n);
		return err;
	} else {
		err = trim_first(n, size);
		if (!err)
			err = grow_chain(n, clusters_for(v, size));
		if (err)
			return err;
		err = io(n, n->size, NULL, (size_t)(size - n->size), true);
		if (err)
			return err;
		n->size = (uint32_t)size;
	}
	vn->v_size = n->size;
	int err2 = fat_node_update(n, FAT_STAMP_MTIME);
	return err ? err : err2;
}
