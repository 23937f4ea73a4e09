/* SPDX-License-Identifier: MIT */
/*
 * Power cuts: a fixed workload (create, append, rewrite, truncate, unlink,
 * rename within and across directories, mkdir, syncs) runs on a FAT12,
 * FAT16 and FAT32 image whose RAM disk stops accepting writes after the
 * N-th, for every N from 0 to the number of writes the whole workload makes.
 * After each cut:
 *  - fsck.fat -n must report no clusters shared by two files except the two
 *    names of a file being renamed to another block (FAT cannot change two
 *    blocks at once: see fs/fat_rename.c), no other damage beyond lost
 *    clusters, chains longer than their file and the dirty bit;
 *  - every file reads back (through a read-only mount) as one of the states
 *    it may be in: exactly its content at the last sync that returned 0, or
 *    a state it reached after that (never a mix, never another file's data).
 * The counts of each kind of fsck.fat report are printed.
 */
#include "fat_test.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <k/bcache.h>
#include <k/errno.h>
#include <k/fd.h>

#include <cmocka.h>

/* ---- the model: what each path may hold after a cut ---- */

#define MAXV 16
struct ver {
	bool exists;
	uint32_t seed, size;
	bool prefix; /* any prefix of (seed, size) */
};
struct mfile {
	const char *path;
	struct ver cur;
	struct ver ok[MAXV];
	int nok;
};
struct model {
	struct mfile f[16];
	int n;
	int syncs_ok;
};

static struct mfile *mf(struct model *m, const char *path)
{
	for (int i = 0; i < m->n; i++)
		if (strcmp(m->f[i].path, path) == 0)
			return &m->f[i];
	struct mfile *f = &m->f[m->n++];
	memset(f, 0, sizeof(*f));
	f->path = path;
	f->ok[f->nok++] = f->cur; /* absent */
	return f;
}

static void allow(struct mfile *f, struct ver v)
{
	f->cur = v;
	if (f->nok < MAXV)
		f->ok[f->nok++] = v;
}

static void synced(struct model *m, int err)
{
	if (err)
		return; /* the cut came first: nothing more is promised */
	m->syncs_ok++;
	for (int i = 0; i < m->n; i++) {
		m->f[i].ok[0] = m->f[i].cur;
		m->f[i].ok[0].prefix = false;
		m->f[i].nok = 1;
	}
}

/* ---- the workload ---- */

#define PAT_SIZE (128u << 10)
#define NSEEDS 16
static uint8_t patterns[NSEEDS][PAT_SIZE];
static const uint8_t *pattern;

static void pat(uint32_t seed)
{
	static bool made[NSEEDS];
	if (!made[seed]) {
		ft_fill(patterns[seed], PAT_SIZE, seed);
		made[seed] = true;
	}
	pattern = patterns[seed];
}

/* Write pattern(seed)[from, to) at from. */
static void w_range(struct ft *t, struct model *m, const char *path, uint32_t seed, uint32_t from,
		    uint32_t to)
{
	struct vnode *vn;
	int err = ft_walk(t, path, &vn);
	if (err == -ENOENT)
		err = ft_create(t, path, S_IFREG | 0644, &vn);
	if (err)
		return;
	pat(seed);
	struct mfile *f = mf(m, path);
	if (!f->cur.exists)
		allow(f, (struct ver){true, seed, 0, false});
	/* Grows in pieces: any prefix may be what a cut leaves. */
	allow(f, (struct ver){true, seed, to, true});
	for (uint32_t o = from; o < to;) {
		uint32_t k = to - o < 8192 ? to - o : 8192;
		long n = vn->v_ops->write(vn, pattern + o, k, o);
		if (n <= 0)
			break;
		o += (uint32_t)n;
	}
	vfs_vput(vn);
}

static void w_new(struct ft *t, struct model *m, const char *path, uint32_t seed, uint32_t size)
{
	struct vnode *vn;
	if (ft_walk(t, path, &vn) == 0) {
		/* Rewrite: truncate to 0 first. */
		vn->v_ops->truncate(vn, 0);
		vfs_vput(vn);
		allow(mf(m, path), (struct ver){true, seed, 0, false});
	}
	w_range(t, m, path, seed, 0, size);
}

static void w_trunc(struct ft *t, struct model *m, const char *path, uint32_t size)
{
	struct vnode *vn;
	if (ft_walk(t, path, &vn))
		return;
	vn->v_ops->truncate(vn, size);
	vfs_vput(vn);
	struct mfile *f = mf(m, path);
	allow(f, (struct ver){true, f->cur.seed, size, false});
}

static void w_unlink(struct ft *t, struct model *m, const char *path)
{
	ft_unlink(t, path, false);
	allow(mf(m, path), (struct ver){false, 0, 0, false});
}

static void w_rename(struct ft *t, struct model *m, const char *from, const char *to)
{
	ft_rename(t, from, to, 0);
	struct mfile *a = mf(m, from), *b = mf(m, to);
	struct ver v = a->cur;
	allow(a, (struct ver){false, 0, 0, false});
	allow(b, v);
}

static void w_sync(struct ft *t, struct model *m)
{
	synced(m, t->m.m_fs->sync(&t->m));
}

static void workload(struct ft *t, struct model *m)
{
	ft_mkdir(t, "d1");
	ft_mkdir(t, "d2");
	w_new(t, m, "A", 1, 5000);
	w_new(t, m, "B", 2, 70000);
	w_new(t, m, "d1/C", 3, 300);
	w_new(t, m, "long name file.txt", 4, 20000);
	w_sync(t, m);
	w_range(t, m, "A", 1, 5000, 9000);                 /* append */
	w_new(t, m, "d2/E", 5, 40000);
	w_unlink(t, m, "B");
	w_new(t, m, "F", 6, 30000);                        /* may not take B's clusters */
	w_sync(t, m);
	w_trunc(t, m, "long name file.txt", 3000);
	w_range(t, m, "long name file.txt", 4, 3000, 8000); /* regrows after a cut */
	w_rename(t, m, "A", "d2/A2");                      /* across directories */
	w_rename(t, m, "d1/C", "d1/C with a longer name"); /* same directory */
	w_new(t, m, "d2/E", 7, 10000);                     /* rewrite (truncate to 0) */
	w_sync(t, m);
	ft_mkdir(t, "d3");
	w_new(t, m, "d3/G", 8, 100000);
	w_unlink(t, m, "F");
	w_new(t, m, "H", 9, 50000);
	w_trunc(t, m, "d3/G", 0);
	w_sync(t, m);
}

/* ---- judging one cut ---- */

struct tally {
	int cuts, crosslinks, rename_dups, lost_cuts, lost_clusters, longer, free_in_chain;
	int fats_differ, dirty, other;
	int states_old, states_new;
};

static bool matches(const struct ver *v, long size, const uint8_t *data)
{
	if (!v->exists)
		return false;
	if (size != (long)v->size && !(v->prefix && size <= (long)v->size))
		return false;
	pat(v->seed);
	return memcmp(data, pattern, (size_t)size) == 0;
}

static void check_files(struct ft *t, struct model *m, long cut, struct tally *ty)
{
	for (int i = 0; i < m->n; i++) {
		struct mfile *f = &m->f[i];
		uint8_t *data = NULL;
		long size = ft_read_file(t, f->path, &data);
		int k;
		for (k = 0; k < f->nok; k++) {
			if (size == -ENOENT ? !f->ok[k].exists : size >= 0 && matches(&f->ok[k], size, data))
				break;
		}
		if (k == f->nok)
			fail_msg("cut %ld: %s reads as %ld bytes%s: no state it may be in", cut, f->path,
				 size, size > 0 ? " of other content" : "");
		if (k == 0)
			ty->states_old++;
		else
			ty->states_new++;
		free(data);
	}
}

/* The renames of the workload: a cut between the block of the new entry
 * and the block of the old one leaves both. */
static const char *const renames[][2] = {
	{"/A", "/d2/A2"},
	{"/d1/C", "/d1/C with a longer name"},
};

static bool rename_pair(const char *a, const char *b)
{
	for (size_t i = 0; i < sizeof(renames) / sizeof(renames[0]); i++)
		if (strcasecmp(a, renames[i][0]) == 0 && strcasecmp(b, renames[i][1]) == 0)
			return true;
	return false;
}

static void judge_fsck(const char *img, long cut, struct tally *ty)
{
	char prev[2][600] = {"", ""};
	char *out;
	ft_fsck(img, &out);
	char *copy = strdup(out);
	bool lost = false;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned n;
		if (strstr(line, "share clusters")) {
			/* "/A  and" then "/d2/A2" */
			char first[600];
			snprintf(first, sizeof(first), "%s", prev[1]);
			char *and = strstr(first, "  and");
			if (and)
				*and = 0;
			if (rename_pair(first, prev[0]))
				ty->rename_dups++;
			else
				ty->crosslinks++;
		} else if (sscanf(line, "Reclaimed %u unused cluster", &n) == 1) {
			lost = true;
			ty->lost_clusters += (int)n;
		} else if (strstr(line, "cluster chain length is >")) {
			ty->longer++;
		} else if (strstr(line, "Contains a free cluster")) {
			ty->free_in_chain++; /* an append cut between two FAT blocks */
		} else if (strstr(line, "Dirty bit")) {
			ty->dirty++;
		} else if (strstr(line, "FATs differ but appear to be intact")) {
			ty->fats_differ++; /* cut between two copies' writes */
		} else if (strstr(line, "Free cluster summary") || strstr(line, "fsck.fat ") ||
			   strstr(line, "Leaving filesystem unchanged") ||
			   strstr(line, " files, ") || strstr(line, "Truncating file to") ||
			   strstr(line, "Automatically removing") || strstr(line, "Auto-correcting") ||
			   strstr(line, "differences between boot sector") ||
			   strstr(line, "mostly harmless") || strstr(line, "65:01/00") ||
			   strstr(line, "Not automatically fixing") || line[0] == '/' ||
			   strstr(line, "Reclaiming") || strstr(line, "Checking") ||
			   strstr(line, "Using first FAT") ||
			   strstr(line, "Truncating second to 0 bytes") ||
			   strstr(line, "cluster chain length is 0 bytes")) {
			/* context of the reports counted above */
		} else {
			ty->other++;
			fail_msg("cut %ld: fsck.fat reports: %s\n%s", cut, line, copy);
		}
		snprintf(prev[1], sizeof(prev[1]), "%s", prev[0]);
		snprintf(prev[0], sizeof(prev[0]), "%s", line);
	}
	ty->lost_cuts += lost;
	free(out);
	free(copy);
}

struct wlog {
	uint64_t sector;
	uint32_t len;
};

/* Run the workload with the power cut after `cut` writes (-1: never); the
 * sectors written, to undo them. */
static long run_cut(const char *img, long cut, struct model *m, struct wlog **log, size_t *nlog)
{
	struct ft t;
	memset(m, 0, sizeof(*m));
	assert_int_equal(ft_open(&t, img, false, false), 0);
	t.rd->cut_after = cut;
	workload(&t, m);
	if (cut < 0) {
		t.m.m_fs->unmount(&t.m);
		vfs_vput(t.m.m_root);
		t.mounted = false;
	}
	long writes = t.rd->writes;
	*nlog = 0;
	*log = malloc((t.rd->nlog + 1) * sizeof(**log));
	for (size_t i = 0; i < t.rd->nlog; i++)
		if (!t.rd->log[i].flush)
			(*log)[(*nlog)++] = (struct wlog){t.rd->log[i].sector, t.rd->log[i].len};
	ft_crash(&t);
	return writes;
}

static void restore(const char *img, const uint8_t *base, struct wlog *log, size_t n)
{
	int fd = open(img, O_WRONLY);
	assert_true(fd >= 0);
	for (size_t i = 0; i < n; i++) {
		off_t off = (off_t)(log[i].sector * BLK_SECTOR);
		assert_int_equal(pwrite(fd, base + off, log[i].len, off), (ssize_t)log[i].len);
	}
	close(fd);
}

static void crash_test(int fat, unsigned kib, const char *opts)
{
	char name[32];
	snprintf(name, sizeof(name), "crash%d.img", fat);
	const char *img = ft_path(name);
	ft_mkimg(img, fat, kib, opts);
	/* A cache large enough that only the syncs write. */
	size_t old = bcache_limit();
	bcache_set_limit(4096);
	size_t bytes = (size_t)kib * 1024;
	uint8_t *base = malloc(bytes);
	int fd = open(img, O_RDONLY);
	assert_int_equal(read(fd, base, bytes), (ssize_t)bytes);
	close(fd);

	struct model m;
	struct wlog *log;
	size_t nlog;
	/* Uncut: every sync succeeds and the result is clean. */
	long total = run_cut(img, -1, &m, &log, &nlog);
	assert_int_equal(m.syncs_ok, 4);
	char *out;
	assert_int_equal(ft_fsck(img, &out), 0);
	free(out);
	restore(img, base, log, nlog);
	free(log);

	struct tally ty = {0};
	for (long cut = 0; cut <= total; cut++) {
		run_cut(img, cut, &m, &log, &nlog);
		ty.cuts++;
		judge_fsck(img, cut, &ty);
		struct ft t;
		assert_int_equal(ft_open(&t, img, false, true), 0);
		check_files(&t, &m, cut, &ty);
		ft_close(&t);
		restore(img, base, log, nlog);
		free(log);
	}
	printf("FAT%d: %ld writes, %d cuts: %d cross-linked, %d a renamed file under both "
	       "names, %d with lost clusters (%d clusters in all), %d chains longer than their "
	       "file, %d chains running into a free cluster past their file's end, %d FAT "
	       "copies differing, %d dirty; files: %d as at the last sync, %d in a later state\n",
	       fat, total, ty.cuts, ty.crosslinks, ty.rename_dups, ty.lost_cuts, ty.lost_clusters,
	       ty.longer, ty.free_in_chain, ty.fats_differ, ty.dirty, ty.states_old,
	       ty.states_new);
	assert_int_equal(ty.crosslinks, 0);
	free(base);
	bcache_set_limit(old);
}

static void test_crash_fat12(void **state) { crash_test(12, 4096, ""); }
static void test_crash_fat16(void **state) { crash_test(16, 16384, ""); }
static void test_crash_fat32(void **state) { crash_test(32, 34000, "-s 1"); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crash_fat12),
		cmocka_unit_test(test_crash_fat16),
		cmocka_unit_test(test_crash_fat32),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
