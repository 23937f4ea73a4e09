/* SPDX-License-Identifier: MIT */
/*
 * After tests/fs/crash.sh killed QEMU: hold the files copied off the disk
 * (DIR, by mcopy) to what the console said before the kill (LOG):
 *   - a file reported "synced" and neither deleted, renamed nor truncated
 *     since must be there, whole and byte-exact;
 *   - one reported deleted or renamed may be under either name, or gone
 *     after a deletion, but what is there is byte-exact;
 *   - one reported truncated has the truncated size (or, if a later step
 *     deleted or renamed it, as above);
 *   - log.bin holds at least what the last "appended" line said, every byte
 *     of it right;
 *   - the step after the last "synced" line may have been cut short: its
 *     deletion, rename or truncation may or may not have happened.
 *   crashcheck LOG DIR     prints one line per problem; exit 1 if any.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAXID 100000

static unsigned char pattern_byte(unsigned id, size_t off)
{
	return (unsigned char)(id * 131u + off * 7u + off / 977u);
}

enum { NONE, SYNCED, DELETED, RENAMED, TRUNCATED };
static int state[MAXID];
static size_t size[MAXID];
static int problems;

/* The file's size, or -1 when absent; *ok: every byte is the pattern of id. */
static long check_file(const char *dir, const char *prefix, unsigned id, unsigned pid, int *ok)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s%u.bin", dir, prefix, id);
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	long n = 0;
	int c;
	*ok = 1;
	while ((c = fgetc(f)) != EOF) {
		if (c != pattern_byte(pid, (size_t)n))
			*ok = 0;
		n++;
	}
	fclose(f);
	return n;
}

static void problem(const char *fmt, unsigned id, long a, long b)
{
	printf("crashcheck: ");
	printf(fmt, id, a, b);
	printf("\n");
	problems++;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: crashcheck LOG DIR\n");
		return 2;
	}
	FILE *log = fopen(argv[1], "r");
	if (!log)
		return 2;
	char line[256];
	unsigned id, maxid = 0;
	size_t n, appended = 0;
	while (fgets(line, sizeof(line), log)) {
		if (sscanf(line, "synced %u %zu", &id, &n) == 2 && id < MAXID) {
			state[id] = SYNCED;
			size[id] = n;
			if (id > maxid)
				maxid = id;
		} else if (sscanf(line, "deleted %u", &id) == 1 && id < MAXID) {
			state[id] = DELETED;
		} else if (sscanf(line, "renamed %u", &id) == 1 && id < MAXID) {
			state[id] = RENAMED;
		} else if (sscanf(line, "truncated %u %zu", &id, &n) == 2 && id < MAXID &&
			   state[id] == SYNCED) {
			state[id] = TRUNCATED;
			size[id] = n;
		} else if (sscanf(line, "appended %zu", &n) == 1) {
			appended = n;
		}
	}
	fclose(log);
	/* The last step's own operations (see crashload.c) may be half done. */
	unsigned last = maxid;
	if (last % 4 == 0 && last > 3 && state[last - 3] == SYNCED)
		state[last - 3] = DELETED;
	if (last % 5 == 0 && state[last - 1] == SYNCED)
		state[last - 1] = RENAMED;
	static bool maybe_cut[MAXID];
	if (last % 7 == 0 && last > 2 && state[last - 2] == SYNCED)
		maybe_cut[last - 2] = true;
	unsigned checked = 0;
	for (id = 1; id <= maxid; id++) {
		int okf = 1, okr = 1;
		long fs = check_file(argv[2], "f", id, id, &okf);
		long rs = check_file(argv[2], "r", id, id, &okr);
		switch (state[id]) {
		case SYNCED:
		case TRUNCATED:
			checked++;
			if (maybe_cut[id] && fs == (long)size[id] / 2 && okf)
				break;
			if (fs != (long)size[id] || !okf)
				problem("f%u.bin: %ld bytes (want %ld, or its data is wrong)", id, fs,
					(long)size[id]);
			break;
		case DELETED:
			if (fs >= 0 && (fs != (long)size[id] || !okf))
				problem("f%u.bin (deleted) is there with %ld bytes, not the %ld written",
					id, fs, (long)size[id]);
			break;
		case RENAMED:
			if (fs < 0 && rs < 0)
				problem("f%u.bin (renamed to r%u.bin) is under neither name", id, id, 0);
			if ((fs >= 0 && (fs != (long)size[id] || !okf)) ||
			    (rs >= 0 && (rs != (long)size[id] || !okr)))
				problem("f%u.bin (renamed): %ld bytes under some name, want %ld", id,
					fs >= 0 ? fs : rs, (long)size[id]);
			break;
		}
	}
	int okl = 1;
	char path[4096];
	snprintf(path, sizeof(path), "%s/log.bin", argv[2]);
	FILE *f = fopen(path, "rb");
	long ln = 0;
	int c;
	while (f && (c = fgetc(f)) != EOF) {
		if (c != pattern_byte(7777, (size_t)ln))
			okl = 0;
		ln++;
	}
	if (f)
		fclose(f);
	if (ln < (long)appended || !okl)
		problem("log.bin%.0u: %ld bytes (at least %ld were appended), or its data is wrong", 0,
			ln, (long)appended);
	printf("crashcheck: %u files synced before the kill checked, log %ld bytes, %d problems\n",
	       checked, (long)appended, problems);
	return problems != 0;
}
