/* SPDX-License-Identifier: MIT */
/*
 * Freeing clusters in write order. The block cache writes data, then the
 * FAT, then directories; a free must go the other way round: first the
 * reference goes (an entry removed, a size made smaller, a chain cut), and
 * only once that is on the disk may the FAT say the cluster is free and
 * another file take it. So:
 *
 *  - unlink (and rename over a file): the entry's removal is dirtied, the
 *    chain is "released": still allocated in the FAT, listed here;
 *  - the next complete write-back (fat_flush) makes the removal durable, then
 *    marks the released clusters free (written at the write-back after);
 *  - truncation to a shorter size: the size is dirtied; after the next
 *    write-back the chain is cut and its tail released, freed after the one
 *    after that.
 *
 * A power cut anywhere leaves at most lost clusters (allocated, no entry
 * reaching them: fsck.fat reclaims them), never an entry pointing at free
 * clusters or at clusters another file took.
 */
#include <k/bcache.h>
#include <k/console.h>
#include <k/errno.h>
#include <k/kheap.h>
#include <k/string.h>
#include <k/vfs.h>

#include "fat_impl.h"

static int pend_grow(struct fat_vol *v)
{
	unsigned cap = v->cappend ? v->cappend * 2 : 16;
	struct fat_range *p = kmalloc(cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	if (v->npend)
		memcpy(p, v->pend, v->npend * sizeof(*p));
	kfree(v->pend);
	v->pend = p;
	v->cappend = cap;
	return 0;
}

static int pend_add(struct fat_vol *v, uint32_t c)
{
	if (v->npend) {
		struct fat_range *r = &v->pend[v->npend - 1];
		if (c == r->start + r->len) {
			r->len++;
			v->pend_clusters++;
			return 0;
		}
	}
	if (v->npend >= FAT_PEND_SOFT && !v->flushing) {
		/* A long fragmented chain: write back now rather than keep a
		 * list without bound. */
		int err = fat_flush(v);
		if (err)
			return err;
	}
	if (v->npend == v->cappend && pend_grow(v))
		return -ENOMEM;
	v->pend[v->npend++] = (struct fat_range){c, 1};
	v->pend_clusters++;
	return 0;
}

int fat_release_chain(struct fat_vol *v, uint32_t c)
{
	struct fat_walk w;
	/* Walk it whole first: a loop releases nothing (the clusters stay
	 * allocated; fsck.fat can reclaim them). */
	int err = fat_chain_walk(v, c, 1, &w);
	for (uint32_t i = 0; !err && i < w.n; i++) {
		uint32_t next = FAT_EOC;
		if (i + 1 < w.n)
			err = fat_get(v, c, &next);
		if (!err)
			err = pend_add(v, c);
		c = next;
	}
	if (err)
		kprintf("fat: %s: cluster chain from %u not freed (%d)\n", v->m->m_dev,
			(unsigned)c, err);
	return err;
}

void fat_trim_later(struct fat_node *n)
{
	if (n->trim_pending)
		return;
	n->trim_pending = true;
	vfs_vref(n->vn);
	n->trim_next = n->vol->trims;
	n->vol->trims = n;
}

/* The write-back succeeded: what was released is unreferenced on the disk. */
static int free_released(struct fat_vol *v)
{
	struct fat_range *list = v->pend;
	unsigned n = v->npend;
	int err = 0;
	v->pend = NULL;
	v->npend = v->cappend = 0;
	v->pend_clusters = 0;
	for (unsigned i = 0; i < n; i++)
		for (uint32_t k = 0; k < list[i].len; k++) {
			int e = fat_set(v, list[i].start + k, FAT_FREE);
			if (e && !err)
				err = e;
			if (!e && v->free_known)
				v->free_count++;
		}
	kfree(list);
	return err;
}

/* New sizes are on the disk: cut the chains down to them. */
static int cut_trimmed(struct fat_vol *v)
{
	struct fat_node *n = v->trims;
	int err = 0;
	v->trims = NULL;
	while (n) {
		struct fat_node *next = n->trim_next;
		uint32_t keep = (uint32_t)(((uint64_t)n->size + n->vol->g.csize - 1) / n->vol->g.csize);
		/* vvfat knows a file by its first cluster: one emptied and
		 * written again must keep it, or vvfat deletes the host's file
		 * as the "old" one (QEMU 7.2). */
		if (keep == 0 && v->g.vvfat)
			keep = 1;
		n->trim_pending = false;
		n->trim_next = NULL;
		/* An unlinked file gives up its whole chain when it goes. */
		int e = n->bad || n->unlinked ? 0 : fat_shrink(n, keep);
		if (!e && keep == 0 && !n->unlinked)
			e = fat_node_update(n, 0); /* the entry's first cluster goes */
		if (e && !err)
			err = e;
		vfs_vput(n->vn);
		n = next;
	}
	return err;
}

int fat_flush(struct fat_vol *v)
{
	if (v->flushing)
		return bcache_sync(v->bc);
	v->flushing = true;
	int err = bcache_sync(v->bc);
	if (!err)
		err = free_released(v);
	if (!err)
		err = cut_trimmed(v);
	v->flushing = false;
	return err;
}
