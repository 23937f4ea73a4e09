/* SPDX-License-Identifier: MIT */
/*
 * The block cache (k/bcache.h): blocks of a device kept in memory, shared by
 * every cache through one LRU list and one limit, written back in class order
 * (data, FAT, directories, boot sector) so that a power cut leaves no
 * directory entry pointing at another file's data.
 *
 * Callers hold the VFS lock, so only one thread at a time works here; the
 * lock below orders that thread against read-ahead completions, which run in
 * interrupt context and may arrive on another core.
 */
#include <k/bcache.h>
#include <k/blkdev.h>
#include <k/errno.h>
#include <k/kheap.h>
#include <k/pmm.h>
#include <k/spinlock.h>
#include <k/string.h>
#include <k/wait.h>

#define BF_VALID 1u /* b_data holds the device's bytes (or newer) */
#define BF_DIRTY 2u
#define BF_IO    4u /* a read is in flight */

#define HASH_BUCKETS 512
#define WRITE_BATCH 256   /* dirty blocks gathered per write pass */
#define LIMIT_MIN 32
#define LIMIT_MAX 32768   /* 128 MiB of 4 KiB blocks */

struct bc_buf {
	struct buf b;            /* first: what callers see */
	struct bcache *c;
	struct bc_buf *hnext;
	struct bc_buf *lprev, *lnext; /* its LRU list (clean or dirty), most recent first */
	int pins;
	unsigned flags;
	enum bc_class cls;       /* when BF_DIRTY */
	int err;                 /* of a failed read-ahead */
};

struct bcache {
	struct blkdev *dev;
	uint32_t bsize, spb;     /* bytes and sectors per block */
	uint64_t nblocks;
	unsigned ndirty;
	struct bc_buf *hash[HASH_BUCKETS];
};

static struct spinlock lock = SPINLOCK_INIT;
/* Two LRU lists: eviction looks for a clean block without walking past the
 * dirty ones, and write-back walks only the dirty ones. */
struct lru {
	struct bc_buf *head, *tail;
};
static struct lru clean_lru, dirty_lru;
static size_t ndirty_all;
static size_t ncached, limit;

struct ra;
static struct ra *ra_finished;
static void ra_reap(void);

size_t bcache_limit(void) { return limit; }
size_t bcache_cached(void) { return ncached; }

size_t bcache_dirty_blocks(void)
{
	return __atomic_load_n(&ndirty_all, __ATOMIC_RELAXED);
}
void bcache_set_limit(size_t blocks) { limit = blocks < 2 ? 2 : blocks; }
uint32_t bcache_bsize(const struct bcache *c) { return c->bsize; }
uint64_t bcache_nblocks(const struct bcache *c) { return c->nblocks; }
bool bcache_dirty_any(const struct bcache *c) { return c->ndirty != 0; }

static unsigned hash_of(uint64_t blkno)
{
	return (unsigned)((blkno * 0x9e3779b97f4a7c15ull) >> 40) % HASH_BUCKETS;
}

static struct lru *lru_of(const struct bc_buf *x)
{
	return (x->flags & BF_DIRTY) ? &dirty_lru : &clean_lru;
}

static void lru_unlink(struct bc_buf *x)
{
	struct lru *l = lru_of(x);
	if (x->lprev)
		x->lprev->lnext = x->lnext;
	else
		l->head = x->lnext;
	if (x->lnext)
		x->lnext->lprev = x->lprev;
	else
		l->tail = x->lprev;
	x->lprev = x->lnext = NULL;
}

static void lru_push_front(struct bc_buf *x)
{
	struct lru *l = lru_of(x);
	x->lprev = NULL;
	x->lnext = l->head;
	if (l->head)
		l->head->lprev = x;
	l->head = x;
	if (!l->tail)
		l->tail = x;
}

/* Written back: from the dirty list to the cold end of the clean one. */
static void make_clean(struct bc_buf *x)
{
	lru_unlink(x);
	x->flags &= ~BF_DIRTY;
	ndirty_all--;
	x->lnext = NULL;
	x->lprev = clean_lru.tail;
	if (clean_lru.tail)
		clean_lru.tail->lnext = x;
	clean_lru.tail = x;
	if (!clean_lru.head)
		clean_lru.head = x;
}

static struct bc_buf *find(struct bcache *c, uint64_t blkno)
{
	for (struct bc_buf *x = c->hash[hash_of(blkno)]; x; x = x->hnext)
		if (x->b.b_blkno == blkno)
			return x;
	return NULL;
}

static void *data_alloc(uint32_t bsize)
{
	return bsize == PAGE_SIZE ? pmm_alloc() : kmalloc(bsize);
}

static void data_free(void *p, uint32_t bsize)
{
	if (bsize == PAGE_SIZE)
		pmm_free(p);
	else
		kfree(p);
}

/* Drop a clean, unpinned, idle block. Lock held. */
static void drop(struct bc_buf *x)
{
	struct bc_buf **pp = &x->c->hash[hash_of(x->b.b_blkno)];
	while (*pp != x)
		pp = &(*pp)->hnext;
	*pp = x->hnext;
	lru_unlink(x);
	ncached--;
	data_free(x->b.b_data, x->c->bsize);
	kfree(x);
}

static bool idle(const struct bc_buf *x)
{
	return x->pins == 0 && !(x->flags & BF_IO);
}

/* The least recently used block that could go without a write. Lock held. */
static struct bc_buf *clean_victim(void)
{
	for (struct bc_buf *x = clean_lru.tail; x; x = x->lprev)
		if (idle(x))
			return x;
	return NULL;
}

static struct bc_buf *dirty_victim(void)
{
	for (struct bc_buf *x = dirty_lru.tail; x; x = x->lprev)
		if (idle(x))
			return x;
	return NULL;
}

static int write_class(struct bcache *c, enum bc_class cls);

/*
 * Room for one more block: below the limit, or by dropping a clean block,
 * or (unless clean_only) by writing dirty ones: data blocks on their own,
 * a later class only with everything before it (a whole sync). Lock held;
 * dropped while writing.
 */
static int make_room(bool clean_only)
{
	for (int tries = 0; tries < 4; tries++) {
		if (ncached < limit)
			return 0;
		struct bc_buf *x = clean_victim();
		if (x) {
			drop(x);
			return 0;
		}
		if (clean_only)
			return -ENOMEM;
		x = dirty_victim();
		if (!x)
			return -ENOMEM;
		struct bcache *c = x->c;
		int r;
		spin_unlock(&lock);
		if (x->cls == BC_DATA)
			r = write_class(c, BC_DATA);
		else
			r = bcache_sync(c);
		spin_lock(&lock);
		if (r)
			return r;
	}
	return -ENOMEM;
}

/* A new block for blkno, pinned, in the table, with `flags`. Lock held. */
static int new_buf(struct bcache *c, uint64_t blkno, unsigned flags, bool clean_only,
		   struct bc_buf **out)
{
	int r = make_room(clean_only);
	if (r)
		return r;
	struct bc_buf *x = kzalloc(sizeof(*x));
	void *data = x ? data_alloc(c->bsize) : NULL;
	if (!data) {
		/* Memory is shorter than the limit thought: give a block back. */
		kfree(x);
		struct bc_buf *v = clean_victim();
		if (!v || clean_only)
			return -ENOMEM;
		drop(v);
		x = kzalloc(sizeof(*x));
		data = x ? data_alloc(c->bsize) : NULL;
		if (!data) {
			kfree(x);
			return -ENOMEM;
		}
	}
	x->b.b_blkno = blkno;
	x->b.b_data = data;
	uint64_t left = (blkdev_sectors(c->dev) - blkno * c->spb) * BLK_SECTOR;
	x->b.b_valid = left < c->bsize ? (uint32_t)left : c->bsize;
	x->c = c;
	x->flags = flags;
	x->pins = 1;
	unsigned h = hash_of(blkno);
	x->hnext = c->hash[h];
	c->hash[h] = x;
	lru_push_front(x);
	ncached++;
	*out = x;
	return 0;
}

static uint32_t io_len(const struct bc_buf *x)
{
	return (x->b.b_valid + BLK_SECTOR - 1) & ~(BLK_SECTOR - 1);
}

/* Read x's block now (the caller owns x: pinned, BF_IO set). Lock not held. */
static int read_now(struct bcache *c, struct bc_buf *x)
{
	if (x->b.b_valid < c->bsize)
		memset(x->b.b_data + x->b.b_valid, 0, c->bsize - x->b.b_valid);
	return blkdev_rw(c->dev, BLK_READ, x->b.b_blkno * c->spb, x->b.b_data, io_len(x));
}

int bcache_get(struct bcache *c, uint64_t blkno, unsigned flags, struct buf **out)
{
	struct bc_buf *x;
	int r = 0;

	if (blkno >= c->nblocks)
		return -EINVAL;
	if (ra_finished)
		ra_reap();
	spin_lock(&lock);
	x = find(c, blkno);
	if (x) {
		x->pins++;
		lru_unlink(x);
		lru_push_front(x);
		while (x->flags & BF_IO)
			kwait(x, &lock, 0);
	} else {
		r = new_buf(c, blkno, (flags & BC_NOREAD) ? BF_VALID : 0, false, &x);
		if (r) {
			spin_unlock(&lock);
			return r;
		}
	}
	if (!(x->flags & BF_VALID) && !(flags & BC_NOREAD)) {
		/* Not read yet, or a read-ahead failed: read it here. */
		x->flags |= BF_IO;
		spin_unlock(&lock);
		r = read_now(c, x);
		spin_lock(&lock);
		x->flags &= ~BF_IO;
		if (r == 0)
			x->flags |= BF_VALID;
		kwake(x, KWAKE_ALL);
	} else if (flags & BC_NOREAD) {
		x->flags |= BF_VALID;
	}
	if (r) {
		x->pins--;
		if (idle(x) && !(x->flags & BF_DIRTY))
			drop(x);
		spin_unlock(&lock);
		return r;
	}
	spin_unlock(&lock);
	*out = &x->b;
	return 0;
}

void bcache_dirty(struct bcache *c, struct buf *b, enum bc_class cls)
{
	struct bc_buf *x = (struct bc_buf *)b;
	spin_lock(&lock);
	if (!(x->flags & BF_DIRTY)) {
		lru_unlink(x);
		x->flags |= BF_DIRTY;
		lru_push_front(x);
		x->cls = cls;
		c->ndirty++;
		ndirty_all++;
	} else if (cls < x->cls) {
		x->cls = cls;
	}
	spin_unlock(&lock);
}

void bcache_put(struct bcache *c, struct buf *b)
{
	struct bc_buf *x = (struct bc_buf *)b;
	spin_lock(&lock);
	x->pins--;
	spin_unlock(&lock);
}

/* ---- read-ahead ---- */

struct ra {
	struct blk_req req;
	struct bcache *c;
	struct bc_buf *bufs[BLK_MAX_SEGS];
	unsigned n;
	struct ra *next;
};

/* Read-aheads finished (ra_finished): the block layer owns a request until
 * it sets r_complete, after r_done, so they are freed later from a thread. */
static void ra_reap(void)
{
	spin_lock(&lock);
	struct ra **pp = &ra_finished;
	while (*pp) {
		struct ra *ra = *pp;
		if (__atomic_load_n(&ra->req.r_complete, __ATOMIC_ACQUIRE)) {
			*pp = ra->next;
			kfree(ra);
		} else {
			pp = &ra->next;
		}
	}
	spin_unlock(&lock);
}

/* Interrupt context, or the submitting thread. */
static void ra_done(struct blk_req *r)
{
	struct ra *ra = r->r_priv;
	spin_lock(&lock);
	ra->next = ra_finished;
	ra_finished = ra;
	for (unsigned i = 0; i < ra->n; i++) {
		struct bc_buf *x = ra->bufs[i];
		x->flags &= ~BF_IO;
		if (r->r_status == 0)
			x->flags |= BF_VALID;
		x->err = r->r_status;
		x->pins--;
		kwake(x, KWAKE_ALL);
	}
	spin_unlock(&lock);
}

static unsigned max_segs(struct bcache *c)
{
	/* The block layer splits what its driver cannot take at once. */
	return BLK_MAX_SEGS;
}

void bcache_readahead(struct bcache *c, uint64_t blkno, unsigned n)
{
	ra_reap();
	while (n > 0 && blkno < c->nblocks) {
		struct ra *ra = kzalloc(sizeof(*ra));
		if (!ra)
			return;
		ra->c = c;
		spin_lock(&lock);
		while (ra->n < max_segs(c) && n > 0 && blkno < c->nblocks && !find(c, blkno)) {
			struct bc_buf *x;
			if (new_buf(c, blkno, BF_IO, true, &x))
				break;
			ra->bufs[ra->n++] = x;
			blkno++;
			n--;
		}
		spin_unlock(&lock);
		if (ra->n == 0) {
			kfree(ra);
			/* Skip a cached block; stop when short of memory. */
			if (n == 0 || blkno >= c->nblocks || !find(c, blkno))
				return;
			blkno++;
			n--;
			continue;
		}
		ra->req.r_op = BLK_READ;
		ra->req.r_sector = ra->bufs[0]->b.b_blkno * c->spb;
		ra->req.r_nsegs = ra->n;
		for (unsigned i = 0; i < ra->n; i++) {
			struct bc_buf *x = ra->bufs[i];
			if (x->b.b_valid < c->bsize)
				memset(x->b.b_data + x->b.b_valid, 0, c->bsize - x->b.b_valid);
			ra->req.r_segs[i].buf = x->b.b_data;
			ra->req.r_segs[i].len = io_len(x);
		}
		ra->req.r_done = ra_done;
		ra->req.r_priv = ra;
		int r = blkdev_submit(c->dev, &ra->req);
		if (r) {
			/* Not queued: done never runs; undo here. */
			ra->req.r_status = r;
			ra_done(&ra->req);
			ra->req.r_complete = true;
			return;
		}
	}
}

/* ---- write-back ---- */

static void sort_bufs(struct bc_buf **v, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		struct bc_buf *x = v[i];
		unsigned j = i;
		while (j > 0 && v[j - 1]->b.b_blkno > x->b.b_blkno) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

/* Up to max dirty blocks of class cls of c, sorted by number. Lock held. */
static unsigned gather(struct bcache *c, enum bc_class cls, struct bc_buf **v, unsigned max)
{
	unsigned n = 0;
	for (struct bc_buf *x = dirty_lru.tail; x && n < max; x = x->lprev)
		if (x->c == c && x->cls == cls && !(x->flags & BF_IO))
			v[n++] = x;
	sort_bufs(v, n);
	return n;
}

/* Write v[0..n) (sorted), runs of consecutive blocks per request. */
static int write_bufs(struct bcache *c, struct bc_buf **v, unsigned n)
{
	struct blk_req *req = kmalloc(sizeof(*req));
	int first = 0;
	unsigned i = 0;
	while (i < n) {
		unsigned k = 1;
		while (i + k < n && k < max_segs(c) && v[i + k]->b.b_blkno == v[i]->b.b_blkno + k)
			k++;
		int r;
		if (req) {
			memset(req, 0, sizeof(*req));
			req->r_op = BLK_WRITE;
			req->r_sector = v[i]->b.b_blkno * c->spb;
			req->r_nsegs = k;
			for (unsigned j = 0; j < k; j++) {
				req->r_segs[j].buf = v[i + j]->b.b_data;
				req->r_segs[j].len = io_len(v[i + j]);
			}
			r = blkdev_submit(c->dev, req);
			if (r == 0)
				r = blkdev_wait(req);
		} else {
			k = 1;
			r = blkdev_rw(c->dev, BLK_WRITE, v[i]->b.b_blkno * c->spb, v[i]->b.b_data,
				      io_len(v[i]));
		}
		spin_lock(&lock);
		for (unsigned j = 0; j < k; j++) {
			if (r == 0 && (v[i + j]->flags & BF_DIRTY)) {
				make_clean(v[i + j]);
				c->ndirty--;
			}
			v[i + j]->pins--;
		}
		spin_unlock(&lock);
		if (r && !first)
			first = r;
		i += k;
	}
	kfree(req);
	return first;
}

static int write_class(struct bcache *c, enum bc_class cls)
{
	struct bc_buf *v[WRITE_BATCH];
	int first = 0;
	for (;;) {
		spin_lock(&lock);
		unsigned n = gather(c, cls, v, WRITE_BATCH);
		for (unsigned i = 0; i < n; i++)
			v[i]->pins++; /* not evicted while written */
		spin_unlock(&lock);
		if (n == 0)
			return first;
		int r = write_bufs(c, v, n);
		if (r) /* the failed ones stay dirty: do not loop on them */
			return first ? first : r;
	}
}

int bcache_sync(struct bcache *c)
{
	int first = 0;
	bool wrote = false;
	for (int cls = BC_DATA; cls < BC_NCLASS; cls++) {
		unsigned before = c->ndirty;
		int r = write_class(c, (enum bc_class)cls);
		if (r && !first)
			first = r;
		if (before != c->ndirty) {
			wrote = true;
			/* The barrier between classes: what follows must not
			 * reach the disk before this class has. */
			if (blkdev_has_flush(c->dev)) {
				r = blkdev_flush(c->dev);
				if (r && !first)
					first = r;
			}
		}
	}
	if (!wrote && blkdev_has_flush(c->dev)) {
		/* Writes of earlier evictions may still sit in the device's cache. */
		int r = blkdev_flush(c->dev);
		if (r && !first)
			first = r;
	}
	return first;
}

/* ---- life cycle ---- */

struct bcache *bcache_create(struct blkdev *d, uint32_t bsize)
{
	if (bsize < BLK_SECTOR || bsize > PAGE_SIZE || (bsize & (bsize - 1)))
		return NULL;
	struct bcache *c = kzalloc(sizeof(*c));
	if (!c)
		return NULL;
	c->dev = d;
	c->bsize = bsize;
	c->spb = bsize / BLK_SECTOR;
	c->nblocks = (blkdev_sectors(d) + c->spb - 1) / c->spb;
	spin_lock(&lock);
	if (limit == 0) {
		/* An eighth of what is not promised to the program already. */
		size_t l = pmm_avail_pages() / 8;
		limit = l < LIMIT_MIN ? LIMIT_MIN : l > LIMIT_MAX ? LIMIT_MAX : l;
	}
	spin_unlock(&lock);
	return c;
}

int bcache_destroy(struct bcache *c)
{
	int r = bcache_sync(c);
	spin_lock(&lock);
	for (unsigned h = 0; h < HASH_BUCKETS; h++) {
		while (c->hash[h]) {
			struct bc_buf *x = c->hash[h];
			while (x->flags & BF_IO)
				kwait(x, &lock, 0);
			x->pins = 0;
			if (x->flags & BF_DIRTY) {
				make_clean(x);
				c->ndirty--;
			}
			drop(x);
		}
	}
	spin_unlock(&lock);
	kfree(c);
	return r;
}
