/* SPDX-License-Identifier: MIT */
/*
 * Where names are in directories: a bounded, set-associative table per volume
 * from (directory, hash of the name with ASCII case folded) to the index of
 * the entry's first slot, filled by lookups that found a name and by every
 * entry added. It is only a hint: a hit is read back from the directory and
 * compared by the same rules as a full walk (fat_dir_find), so an entry gone,
 * moved or overwritten since is just a miss, and nothing needs to be told
 * when a directory changes. A name not in the table is looked for by a walk.
 */
#include <k/bcache.h>
#include <k/errno.h>
#include <k/kheap.h>
#include <k/string.h>

#include "fat_impl.h"

#define NC_WAYS 4
#define NC_MIN 256
#define NC_MAX 16384

struct nc_ent {
	uint32_t dir;   /* the directory's key + 1 (0: an empty way) */
	uint32_t hash;
	uint32_t first; /* slot index of the entry's first slot */
};

struct fat_ncache {
	uint32_t mask;  /* sets - 1 */
	uint32_t clock; /* which way a full set gives up next */
	uint64_t hits, misses;
	struct nc_ent e[];
};

uint32_t fat_nc_hash(const uint16_t *u, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a over the folded units */
	for (size_t i = 0; i < n; i++) {
		uint16_t c = u[i] >= 'A' && u[i] <= 'Z' ? (uint16_t)(u[i] + 32) : u[i];
		h = (h ^ (c & 0xff)) * 16777619u;
		h = (h ^ (c >> 8)) * 16777619u;
	}
	return h;
}

/* Two entries per block of the cache's limit (a 4 KiB directory block holds
 * 128 slots), a power of two within NC_MIN..NC_MAX: 3 KiB at -m 4, 96 KiB at
 * -m 128. */
int fat_nc_init(struct fat_vol *v)
{
	size_t want = bcache_limit() * 2, n = NC_MIN;
	while (n < want && n < NC_MAX)
		n *= 2;
	struct fat_ncache *c = kzalloc(sizeof(*c) + n * sizeof(c->e[0]));
	if (!c)
		return -ENOMEM;
	c->mask = (uint32_t)(n / NC_WAYS - 1);
	v->nc = c;
	return 0;
}

void fat_nc_free(struct fat_vol *v)
{
	kfree(v->nc);
	v->nc = NULL;
}

/* The root of FAT12/16 has no cluster: key 0. */
static uint32_t dir_key(const struct fat_node *dir)
{
	return (fat_is_root16(dir) ? 0 : dir->start) + 1;
}

static struct nc_ent *set_of(struct fat_ncache *c, uint32_t dir, uint32_t hash)
{
	uint32_t s = (hash ^ dir * 0x9e3779b9u) & c->mask;
	return &c->e[(size_t)s * NC_WAYS];
}

void fat_nc_add(struct fat_node *dir, uint32_t hash, uint32_t first)
{
	struct fat_ncache *c = dir->vol->nc;
	if (!c)
		return;
	uint32_t key = dir_key(dir);
	struct nc_ent *s = set_of(c, key, hash), *e = NULL;
	/* One way per (directory, hash): two names that share a hash take
	 * turns, and the other one is walked for. */
	for (int w = 0; w < NC_WAYS && !e; w++)
		if (s[w].dir == key && s[w].hash == hash)
			e = &s[w];
	for (int w = 0; w < NC_WAYS && !e; w++)
		if (s[w].dir == 0)
			e = &s[w];
	if (!e)
		e = &s[c->clock++ % NC_WAYS];
	*e = (struct nc_ent){ .dir = key, .hash = hash, .first = first };
}

int fat_nc_find(struct fat_node *dir, uint32_t hash, uint32_t *first)
{
	struct fat_ncache *c = dir->vol->nc;
	if (!c)
		return 0;
	uint32_t key = dir_key(dir);
	struct nc_ent *s = set_of(c, key, hash);
	for (int w = 0; w < NC_WAYS; w++) {
		if (s[w].dir == key && s[w].hash == hash) {
			*first = s[w].first;
			return 1;
		}
	}
	return 0;
}

void fat_nc_count(struct fat_vol *v, bool hit)
{
	if (v->nc)
		*(hit ? &v->nc->hits : &v->nc->misses) += 1;
}

void fat_nc_stats(struct fat_vol *v, uint64_t *hits, uint64_t *misses)
{
	*hits = v->nc ? v->nc->hits : 0;
	*misses = v->nc ? v->nc->misses : 0;
}

void fat_nc_drop(struct fat_node *dir, uint32_t hash, uint32_t first)
{
	struct fat_ncache *c = dir->vol->nc;
	if (!c)
		return;
	uint32_t key = dir_key(dir);
	struct nc_ent *s = set_of(c, key, hash);
	for (int w = 0; w < NC_WAYS; w++)
		if (s[w].dir == key && s[w].hash == hash && s[w].first == first)
			s[w].dir = 0;
}
