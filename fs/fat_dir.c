/* SPDX-License-Identifier: MIT */
/*
 * Directories: arrays of 32-byte slots, the fixed root of FAT12/16 or a
 * cluster chain. Reading assembles long names (a bad checksum or order, or a
 * name no path can hold, leaves the short name standing, as Windows does);
 * adding an entry finds a run of free slots (growing the directory by zeroed
 * clusters, written before the FAT links them) and gives it a short alias
 * unique in the directory. At most 65536 slots per directory.
 */
#include <k/bcache.h>
#include <k/errno.h>
#include <k/kheap.h>
#include <k/string.h>

#include "fat_impl.h"



static int cur_at(struct fat_cur *c, uint64_t off, uint8_t **p)
{
	uint64_t blk = off / c->v->bsize;
	if (!c->b || blk != c->blk) {
		if (c->b)
			fat_put(c->v, c->b);
		c->b = NULL;
		int err = fat_block(c->v, off, false, &c->b, p);
		if (err)
			return err;
		c->blk = blk;
	}
	*p = c->b->b_data + off % c->v->bsize;
	return 0;
}

static void cur_end(struct fat_cur *c)
{
	if (c->b)
		fat_put(c->v, c->b);
	c->b = NULL;
}

/* Slots dir has now. */
static int dir_size(struct fat_node *dir, uint32_t *slots)
{
	struct fat_vol *v = dir->vol;
	if (fat_is_root16(dir)) {
		*slots = v->g.root_slots;
		return 0;
	}
	int err = fat_node_chain(dir);
	if (err)
		return err;
	uint64_t n = (uint64_t)dir->nclu * v->g.csize / FAT_DIRENT;
	*slots = n > FAT_DIR_MAX_SLOTS ? FAT_DIR_MAX_SLOTS : (uint32_t)n;
	return 0;
}

int fat_dir_slot(struct fat_node *dir, uint32_t idx, uint64_t *off)
{
	struct fat_vol *v = dir->vol;
	uint32_t slots;
	int err = dir_size(dir, &slots);
	if (err)
		return err;
	if (idx >= slots)
		return -ENOENT;
	if (fat_is_root16(dir)) {
		*off = v->g.root_start + (uint64_t)idx * FAT_DIRENT;
		return 0;
	}
	uint64_t byte = (uint64_t)idx * FAT_DIRENT;
	uint32_t clu;
	err = fat_bmap(dir, (uint32_t)(byte / v->g.csize), &clu);
	if (err)
		return err;
	*off = fat_clus_off(v, clu) + byte % v->g.csize;
	return 0;
}

/* ---- reading ---- */

static bool is_lfn(const uint8_t *e) { return (e[DE_ATTR] & ATTR_LFN_MASK) == ATTR_LFN; }

void fat_dent_init(struct fat_dent *d, struct fat_node *dir)
{
	d->cur.v = dir->vol;
	d->cur.b = NULL;
	d->run.dir = NULL;
}

void fat_dir_done(struct fat_dent *d)
{
	cur_end(&d->cur);
	d->run.dir = NULL;
}

/* The device offset of slot pos: from the run found last when pos follows
 * it, else from the chain. */
static int slot_off(struct fat_node *dir, struct fat_run *r, uint32_t pos, uint64_t *off)
{
	if (r->dir != dir || r->pos != pos || r->left == 0) {
		int err = fat_dir_slot(dir, pos, off);
		if (err)
			return err;
		uint32_t per = dir->vol->g.csize / FAT_DIRENT;
		r->dir = dir;
		r->left = fat_is_root16(dir) ? dir->vol->g.root_slots - pos : per - pos % per;
		r->off = *off;
	}
	*off = r->off;
	r->pos = pos + 1;
	r->off += FAT_DIRENT;
	r->left--;
	return 0;
}

int fat_dir_next(struct fat_node *dir, uint32_t *pos, struct fat_dent *d)
{
	uint32_t lfn_first = 0;
	fat_lfn_reset(&d->acc);
	for (;;) {
		uint64_t off;
		uint8_t *e;
		int err = slot_off(dir, &d->run, *pos, &off);
		if (!err)
			err = cur_at(&d->cur, off, &e);
		if (err)
			return err == -ENOENT ? 0 : err;
		if (e[0] == DE_FREE_ALL)
			return 0;
		uint32_t idx = (*pos)++;
		if (e[0] == DE_DELETED) {
			fat_lfn_reset(&d->acc);
		} else if (is_lfn(e)) {
			if (e[LFN_ORD] & LFN_LAST)
				lfn_first = idx;
			fat_lfn_feed(&d->acc, e);
		} else if ((e[DE_ATTR] & ATTR_VOLUME) || e[0] == '.') {
			fat_lfn_reset(&d->acc); /* a label, or "." and ".." */
		} else {
			d->idx = idx;
			d->off = off;
			memcpy(d->de, e, FAT_DIRENT);
			d->nlen = fat_lfn_finish(&d->acc, e, d->name);
			d->has_lfn = d->nlen > 0;
			d->first = d->has_lfn ? lfn_first : idx;
			return 1; /* a short name is made on demand: fat_dent_name */
		}
	}
}

size_t fat_dent_name(struct fat_dent *d)
{
	if (!d->has_lfn && d->nlen == 0)
		d->nlen = fat_sfn_to_utf16(d->de, d->name);
	return d->nlen;
}

static bool short_matches(struct fat_dent *d, const uint16_t *u, size_t n, const uint8_t *sfn)
{
	if (sfn)
		return memcmp(d->de + DE_NAME, sfn, 11) == 0;
	uint16_t s[12];
	size_t sn = fat_sfn_to_utf16(d->de, s);
	return fat_name_eq(u, n, s, sn);
}

static bool dent_matches(struct fat_dent *d, const uint16_t *u, size_t n, const uint8_t *sfn)
{
	return (d->has_lfn && fat_name_eq(u, n, d->name, d->nlen)) || short_matches(d, u, n, sfn);
}

/* The entry the name cache points at, read from its first slot on and
 * compared as a walk would: 1 if it is the one, else 0 (and the hint is
 * dropped). FAT never moves an entry, and a slot only goes from used to
 * deleted (a directory's new clusters are zeroed): a stale hint reads a
 * deleted slot, the end, or another name. */
static int find_hinted(struct fat_node *dir, const uint16_t *u, size_t n, const uint8_t *sfn,
		       uint32_t hash, struct fat_dent *d)
{
	uint32_t first, pos;
	if (!fat_nc_find(dir, hash, &first))
		return 0;
	pos = first;
	fat_dent_init(d, dir);
	int r = fat_dir_next(dir, &pos, d);
	if (r == 1 && d->first == first && dent_matches(d, u, n, sfn)) {
		fat_dent_name(d);
		fat_dir_done(d);
		return 1;
	}
	fat_dir_done(d);
	fat_nc_drop(dir, hash, first);
	return 0;
}

int fat_dir_find(struct fat_node *dir, const uint16_t *u, size_t n, struct fat_dent *d)
{
	/* A name that is a plain 8.3 name (any case) matches a short entry
	 * exactly when its upper-case 11-byte form does: no conversion of
	 * every short name met. */
	struct fat_sfn_plan p;
	fat_sfn_plan(u, n, &p);
	const uint8_t *sfn = p.tail ? NULL : p.sfn;
	uint32_t pos = 0, hash = fat_nc_hash(u, n);
	int r;
	if (find_hinted(dir, u, n, sfn, hash, d)) {
		fat_nc_count(dir->vol, true);
		return 1;
	}
	fat_nc_count(dir->vol, false);
	fat_dent_init(d, dir);
	while ((r = fat_dir_next(dir, &pos, d)) == 1) {
		if (dent_matches(d, u, n, sfn)) {
			fat_dent_name(d);
			fat_nc_add(dir, hash, d->first);
			break;
		}
	}
	fat_dir_done(d);
	return r;
}

int fat_dir_empty(struct fat_node *dir)
{
	struct fat_dent *d = kmalloc(sizeof(*d));
	if (!d)
		return -ENOMEM;
	uint32_t pos = 0;
	fat_dent_init(d, dir);
	int r = fat_dir_next(dir, &pos, d);
	fat_dir_done(d);
	kfree(d);
	return r < 0 ? r : r == 0;
}

int fat_dir_subdirs(struct fat_node *dir, uint32_t *n)
{
	struct fat_dent *d = kmalloc(sizeof(*d));
	if (!d)
		return -ENOMEM;
	uint32_t pos = 0;
	int r;
	*n = 0;
	fat_dent_init(d, dir);
	while ((r = fat_dir_next(dir, &pos, d)) == 1)
		*n += (d->de[DE_ATTR] & ATTR_DIR) != 0;
	fat_dir_done(d);
	kfree(d);
	return r;
}

/* ---- writing ---- */

static int zero_cluster(struct fat_vol *v, uint32_t clu)
{
	for (uint32_t o = 0; o < v->g.csize; o += v->bsize) {
		struct buf *b;
		uint8_t *p;
		int err = fat_block(v, fat_clus_off(v, clu) + o, true, &b, &p);
		if (err)
			return err;
		memset(p, 0, v->bsize);
		/* Data class: on the disk before the FAT links the cluster. */
		fat_dirty(v, b, BC_DATA);
		fat_put(v, b);
	}
	return 0;
}

/* Grow dir to at least `slots` slots with zeroed clusters. */
static int dir_grow(struct fat_node *dir, uint32_t slots)
{
	struct fat_vol *v = dir->vol;
	if (fat_is_root16(dir) || slots > FAT_DIR_MAX_SLOTS)
		return -ENOSPC;
	uint32_t had = dir->nclu;
	uint32_t want = (uint32_t)(((uint64_t)slots * FAT_DIRENT + v->g.csize - 1) / v->g.csize);
	int err = fat_extend(dir, want);
	for (uint32_t ci = had; !err && ci < dir->nclu; ci++) {
		uint32_t clu;
		err = fat_bmap(dir, ci, &clu);
		if (!err)
			err = zero_cluster(v, clu);
	}
	if (err && dir->nclu > had)
		fat_shrink(dir, had);
	return err;
}

/* One pass over dir for fat_dir_add: every short name goes to al (if any);
 * *at is the first run of `need` free slots (the caller's old slots count as
 * free), or where a run reaching the end starts (*fits false). */
static int add_scan(struct fat_node *dir, const struct fat_add *a, uint32_t need,
		    struct fat_alias *al, uint32_t *at, bool *fits)
{
	struct fat_cur c = {.v = dir->vol};
	struct fat_run where = {0};
	uint32_t total, run = 0, run_start = 0;
	bool ended = false;
	int err = dir_size(dir, &total);
	*fits = false;
	for (uint32_t idx = 0; !err && idx < total; idx++) {
		bool old = a->replace && idx >= a->first && idx <= a->last;
		bool free = ended || old;
		if (!free) {
			uint64_t off;
			uint8_t *e;
			err = slot_off(dir, &where, idx, &off);
			if (!err)
				err = cur_at(&c, off, &e);
			if (err)
				break;
			ended = e[0] == DE_FREE_ALL;
			free = ended || e[0] == DE_DELETED;
			if (!free && !is_lfn(e) && !(e[DE_ATTR] & ATTR_VOLUME) && al)
				fat_alias_see(al, e);
		}
		if (!free) {
			run = 0;
			continue;
		}
		if (run++ == 0)
			run_start = idx;
		if (!*fits && run >= need) {
			*fits = true;
			*at = run_start;
		}
		if (*fits && ended)
			break;
	}
	cur_end(&c);
	if (!*fits)
		*at = run ? run_start : total;
	return err;
}

/* Write the new slots at..at+need-1: long-name pieces, then the short
 * entry. */
static int put_slots(struct fat_node *dir, const struct fat_add *a, const struct fat_sfn_plan *p,
		     uint32_t at, uint32_t need, uint64_t *sfn_off)
{
	struct fat_cur c = {.v = dir->vol};
	uint8_t csum = fat_lfn_csum(p->sfn);
	int err = 0;
	for (uint32_t k = 0; k < need && !err; k++) {
		uint64_t off;
		uint8_t *e;
		err = fat_dir_slot(dir, at + k, &off);
		if (!err)
			err = cur_at(&c, off, &e);
		if (err)
			break;
		if (k + 1 < need) {
			fat_lfn_put(e, a->name, a->nlen, need - 1 - k, csum);
		} else {
			memcpy(e, a->proto, FAT_DIRENT);
			memcpy(e + DE_NAME, p->sfn, 11);
			e[DE_NTRES] = p->ntres;
			*sfn_off = off;
		}
		fat_dirty(dir->vol, c.b, a->cls);
	}
	cur_end(&c);
	return err;
}

static int plan_name(struct fat_node *dir, const struct fat_add *a, struct fat_sfn_plan *p,
		     uint32_t *at, bool *fits)
{
	struct fat_alias al = {0};
	fat_sfn_plan(a->name, a->nlen, p);
	for (int pass = 0; pass < 2; pass++) {
		uint32_t need = p->lfn ? (uint32_t)(a->nlen + LFN_CHARS - 1) / LFN_CHARS + 1 : 1;
		int err = fat_alias_init(&al, p);
		if (!err)
			err = add_scan(dir, a, need, &al, at, fits);
		if (!err && p->tail)
			err = fat_alias_pick(&al, p);
		bool clash = !p->tail && al.basis_taken;
		fat_alias_free(&al);
		if (err || !clash)
			return err;
		/* The exact 8.3 form exists already (a damaged directory, or
		 * the entry being renamed over): use a tail after all. */
		p->tail = p->lfn = true;
	}
	return 0;
}

int fat_dir_add(struct fat_node *dir, const struct fat_add *a, uint64_t *off)
{
	struct fat_sfn_plan p;
	uint32_t at = 0;
	bool fits = false;
	int err = plan_name(dir, a, &p, &at, &fits);
	if (err)
		return err;
	uint32_t need = p.lfn ? (uint32_t)(a->nlen + LFN_CHARS - 1) / LFN_CHARS + 1 : 1;
	if (a->replace && a->last - a->first + 1 >= need) {
		at = a->first; /* in place: one block when the old entry was */
		fits = true;
	}
	if (!fits && (err = dir_grow(dir, at + need)) != 0)
		return err;
	err = put_slots(dir, a, &p, at, need, off);
	if (!err)
		fat_nc_add(dir, fat_nc_hash(a->name, a->nlen), at);
	if (!err && a->replace) {
		for (uint32_t i = a->first; i <= a->last && !err; i++)
			if (i < at || i >= at + need)
				err = fat_dir_remove(dir, i, i, a->old_cls);
	}
	if (!err)
		err = fat_node_update(dir, FAT_STAMP_MTIME);
	return err;
}

int fat_dir_remove(struct fat_node *dir, uint32_t first, uint32_t last, int cls)
{
	struct fat_cur c = {.v = dir->vol};
	int err = 0;
	for (uint32_t i = first; i <= last && !err; i++) {
		uint64_t off;
		uint8_t *e;
		err = fat_dir_slot(dir, i, &off);
		if (!err)
			err = cur_at(&c, off, &e);
		if (!err) {
			e[0] = DE_DELETED;
			fat_dirty(dir->vol, c.b, cls);
		}
	}
	cur_end(&c);
	return err;
}

static void dot_entry(uint8_t *e, const char *name, uint32_t clu, const uint8_t *proto,
		      const struct fat_vol *v)
{
	memcpy(e, proto, FAT_DIRENT);
	memset(e + DE_NAME, ' ', 11);
	memcpy(e + DE_NAME, name, strlen(name));
	e[DE_ATTR] = ATTR_DIR;
	e[DE_NTRES] = 0;
	fat_de_set_clus(v, e, clu);
	fat_put32(e + DE_SIZE, 0);
}

int fat_dir_init(struct fat_vol *v, uint32_t clu, uint32_t parent, const uint8_t *proto)
{
	int err = zero_cluster(v, clu);
	struct buf *b;
	uint8_t *p;
	if (!err)
		err = fat_block(v, fat_clus_off(v, clu), false, &b, &p);
	if (err)
		return err;
	dot_entry(p, ".", clu, proto, v);
	dot_entry(p + FAT_DIRENT, "..", parent, proto, v);
	fat_dirty(v, b, BC_DATA);
	fat_put(v, b);
	return 0;
}

int fat_dir_set_parent(struct fat_node *dir, uint32_t parent)
{
	struct fat_vol *v = dir->vol;
	uint64_t off;
	struct buf *b;
	uint8_t *e;
	int err = fat_dir_slot(dir, 1, &off);
	if (!err)
		err = fat_block(v, off, false, &b, &e);
	if (err)
		return err;
	if (e[0] == '.' && e[1] == '.') {
		fat_de_set_clus(v, e, parent);
		fat_dirty(v, b, BC_DIR);
	}
	fat_put(v, b);
	return 0;
}
