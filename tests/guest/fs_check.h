/* SPDX-License-Identifier: MIT */
/*
 * File system behaviour as a POSIX program sees it, run in a fresh directory
 * under the one named by argv[1] (made with mkdtemp, so the same checks run
 * on a RAM file system, on FAT disks and, through host.sh, on Linux). Each
 * check prints "ok NAME" or "FAIL NAME: ..."; fs_check_all returns the
 * number of failures. FS_CHECK_FAT relaxes what FAT cannot store (times to
 * 2 s, no executable bits).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static int fs_fails;
static char fs_dir[PATH_MAX - 512];

#define CHECK(name, cond, ...) do { \
		if (cond) { \
			printf("ok %s\n", name); \
		} else { \
			printf("FAIL %s: ", name); \
			printf(__VA_ARGS__); \
			printf(" (errno %d %s)\n", errno, strerror(errno)); \
			fs_fails++; \
		} \
	} while (0)

/* A path inside the test directory. */
static const char *P(const char *rel)
{
	static char buf[4][PATH_MAX + 512];
	static int i;
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", fs_dir, rel);
	return buf[i];
}

static int put_file(const char *path, const void *data, size_t n)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	ssize_t w = write(fd, data, n);
	close(fd);
	return w == (ssize_t)n ? 0 : -1;
}

static ssize_t get_file(const char *path, void *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t r = read(fd, buf, cap);
	close(fd);
	return r;
}

static void check_create_rw(void)
{
	char buf[64];
	int fd = open(P("a"), O_CREAT | O_RDWR | O_EXCL, 0644);
	CHECK("create O_EXCL", fd >= 0, "open");
	CHECK("write", write(fd, "hello ", 6) == 6, "write");
	CHECK("write 2", write(fd, "world", 5) == 5, "write");
	CHECK("lseek end", lseek(fd, 0, SEEK_END) == 11, "lseek");
	CHECK("lseek set", lseek(fd, 0, SEEK_SET) == 0, "lseek");
	memset(buf, 0, sizeof(buf));
	CHECK("read back", read(fd, buf, sizeof(buf)) == 11 && !strcmp(buf, "hello world"), "'%s'", buf);
	CHECK("read at end", read(fd, buf, 5) == 0, "not 0");
	CHECK("lseek cur", lseek(fd, -5, SEEK_CUR) == 6, "lseek");
	CHECK("lseek negative", lseek(fd, -100, SEEK_CUR) == -1 && errno == EINVAL, "lseek");
	close(fd);
	errno = 0;
	CHECK("O_EXCL on existing", open(P("a"), O_CREAT | O_EXCL | O_WRONLY, 0644) == -1 &&
	      errno == EEXIST, "open");
	fd = open(P("a"), O_WRONLY | O_APPEND);
	CHECK("append", fd >= 0 && write(fd, "!", 1) == 1, "append");
	close(fd);
	CHECK("append landed", get_file(P("a"), buf, sizeof(buf)) == 12 && buf[11] == '!', "size");
	fd = open(P("a"), O_WRONLY | O_TRUNC);
	struct stat st;
	CHECK("O_TRUNC", fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0, "size %lld",
	      (long long)st.st_size);
	close(fd);
	errno = 0;
	CHECK("ENOENT", open(P("nope"), O_RDONLY) == -1 && errno == ENOENT, "open");
	errno = 0;
	CHECK("ENOENT parent", open(P("nope/x"), O_CREAT | O_WRONLY, 0644) == -1 && errno == ENOENT,
	      "open");
	errno = 0;
	CHECK("read on O_WRONLY", (fd = open(P("a"), O_WRONLY)) >= 0 && read(fd, buf, 1) == -1 &&
	      errno == EBADF, "read");
	close(fd);
}

static void check_offsets(void)
{
	char buf[32];
	int fd = open(P("gap"), O_CREAT | O_RDWR | O_TRUNC, 0644);
	CHECK("write past end", pwrite(fd, "X", 1, 10000) == 1, "pwrite");
	struct stat st;
	CHECK("gap size", fstat(fd, &st) == 0 && st.st_size == 10001, "size %lld",
	      (long long)st.st_size);
	memset(buf, 1, sizeof(buf));
	CHECK("gap reads zeros", pread(fd, buf, 16, 5000) == 16 && !memcmp(buf, "\0\0\0\0\0\0\0\0"
	      "\0\0\0\0\0\0\0\0", 16), "not zero");
	CHECK("pread leaves offset", lseek(fd, 0, SEEK_CUR) == 0, "moved");
	struct iovec iov[2] = { { "ab", 2 }, { "cd", 2 } };
	CHECK("pwritev", pwritev(fd, iov, 2, 100) == 4, "pwritev");
	char x[2], y[2];
	struct iovec riov[2] = { { x, 2 }, { y, 2 } };
	CHECK("preadv", preadv(fd, riov, 2, 100) == 4 && !memcmp(x, "ab", 2) && !memcmp(y, "cd", 2),
	      "preadv");
	CHECK("writev", lseek(fd, 0, SEEK_SET) == 0 && writev(fd, iov, 2) == 4, "writev");
	CHECK("readv", lseek(fd, 0, SEEK_SET) == 0 && readv(fd, riov, 2) == 4 &&
	      !memcmp(x, "ab", 2), "readv");
	errno = 0;
	CHECK("pread negative", pread(fd, buf, 1, -1) == -1 && errno == EINVAL, "pread");
	int fd2 = dup(fd);
	lseek(fd, 3, SEEK_SET);
	CHECK("dup shares offset", lseek(fd2, 0, SEEK_CUR) == 3, "offset");
	close(fd2);
	close(fd);
}

static void check_sizes(void)
{
	struct stat st;
	int fd = open(P("sz"), O_CREAT | O_RDWR | O_TRUNC, 0644);
	char big[5000];
	memset(big, 'z', sizeof(big));
	write(fd, big, sizeof(big));
	CHECK("ftruncate shrink", ftruncate(fd, 100) == 0 && fstat(fd, &st) == 0 && st.st_size == 100,
	      "size");
	CHECK("ftruncate grow", ftruncate(fd, 9000) == 0 && fstat(fd, &st) == 0 && st.st_size == 9000,
	      "size");
	char b[10];
	CHECK("grown part zero", pread(fd, b, 10, 8000) == 10 && b[0] == 0 && b[9] == 0, "data");
	CHECK("kept part", pread(fd, b, 10, 90) == 10 && b[0] == 'z' && b[9] == 'z', "data");
	CHECK("truncate path", truncate(P("sz"), 7) == 0 && stat(P("sz"), &st) == 0 &&
	      st.st_size == 7, "size");
	CHECK("fallocate", posix_fallocate(fd, 0, 20000) == 0 && fstat(fd, &st) == 0 &&
	      st.st_size == 20000, "size %lld", (long long)st.st_size);
	errno = 0;
	CHECK("ftruncate negative", ftruncate(fd, -1) == -1 && errno == EINVAL, "ftruncate");
	close(fd);
	fd = open(P("sz"), O_RDONLY);
	errno = 0;
	CHECK("ftruncate read-only fd", ftruncate(fd, 0) == -1 && (errno == EINVAL || errno == EBADF),
	      "ftruncate");
	close(fd);
	errno = 0;
	CHECK("truncate dir", truncate(fs_dir, 0) == -1 && errno == EISDIR, "truncate");
}

static void check_dirs(void)
{
	struct stat st;
	CHECK("mkdir", mkdir(P("d"), 0755) == 0, "mkdir");
	CHECK("stat dir", stat(P("d"), &st) == 0 && S_ISDIR(st.st_mode), "mode %o", st.st_mode);
	errno = 0;
	CHECK("mkdir EEXIST", mkdir(P("d"), 0755) == -1 && errno == EEXIST, "mkdir");
	CHECK("file in dir", put_file(P("d/f"), "x", 1) == 0, "put");
	errno = 0;
	CHECK("rmdir ENOTEMPTY", rmdir(P("d")) == -1 && (errno == ENOTEMPTY || errno == EEXIST),
	      "rmdir");
	errno = 0;
	CHECK("rmdir file ENOTDIR", rmdir(P("d/f")) == -1 && errno == ENOTDIR, "rmdir");
	errno = 0;
	CHECK("unlink dir EISDIR", unlink(P("d")) == -1 && (errno == EISDIR || errno == EPERM),
	      "unlink");
	errno = 0;
	CHECK("file as dir ENOTDIR", open(P("d/f/x"), O_RDONLY) == -1 && errno == ENOTDIR, "open");
	errno = 0;
	CHECK("trailing slash on file", open(P("d/f/"), O_RDONLY) == -1 && errno == ENOTDIR, "open");
	errno = 0;
	CHECK("O_DIRECTORY on file", open(P("d/f"), O_RDONLY | O_DIRECTORY) == -1 && errno == ENOTDIR,
	      "open");
	errno = 0;
	CHECK("dir for writing EISDIR", open(P("d"), O_WRONLY) == -1 && errno == EISDIR, "open");
	CHECK("dot and dotdot", stat(P("d/./../d//f"), &st) == 0 && S_ISREG(st.st_mode), "stat");
	CHECK("unlink", unlink(P("d/f")) == 0, "unlink");
	CHECK("rmdir", rmdir(P("d")) == 0, "rmdir");
	errno = 0;
	CHECK("gone", stat(P("d"), &st) == -1 && errno == ENOENT, "stat");
	char longname[300];
	memset(longname, 'n', 256);
	longname[256] = '\0';
	errno = 0;
	CHECK("ENAMETOOLONG", open(P(longname), O_CREAT | O_WRONLY, 0644) == -1 &&
	      errno == ENAMETOOLONG, "open");
}

static int count_in(const char *dir, const char *name)
{
	int n = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += !strcmp(e->d_name, name);
	closedir(d);
	return n;
}

static void check_readdir(void)
{
	char name[64];
	mkdir(P("rd"), 0755);
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "rd/entry-%02d.dat", i);
		put_file(P(name), name, strlen(name));
	}
	int seen[40] = { 0 }, dots = 0, other = 0;
	DIR *d = opendir(P("rd"));
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		int i;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			dots++;
		else if (sscanf(e->d_name, "entry-%d.dat", &i) == 1 && i >= 0 && i < 40)
			seen[i]++;
		else
			other++;
	}
	int ok = dots == 2 && other == 0;
	for (int i = 0; i < 40; i++)
		ok &= seen[i] == 1;
	CHECK("readdir lists each once", ok, "dots %d other %d", dots, other);
	rewinddir(d);
	long pos = -1;
	int n = 0;
	while ((e = readdir(d)) != NULL)
		if (++n == 10)
			pos = telldir(d);
	seekdir(d, pos);
	e = readdir(d);
	CHECK("seekdir", e != NULL, "no entry after seekdir");
	closedir(d);
	/* Remove while reading, as rm -r does: nothing is skipped. */
	int removed = 0;
	d = opendir(P("rd"));
	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(name, sizeof(name), "rd/%s", e->d_name);
		removed += unlink(P(name)) == 0;
	}
	closedir(d);
	CHECK("unlink while reading", removed == 40, "removed %d", removed);
	CHECK("empty after", rmdir(P("rd")) == 0, "rmdir");
}

static void check_rename(void)
{
	char buf[16];
	struct stat st;
	put_file(P("r1"), "one", 3);
	put_file(P("r2"), "two", 3);
	mkdir(P("rdir"), 0755);
	mkdir(P("rdir2"), 0755);
	CHECK("rename same dir", rename(P("r1"), P("r1b")) == 0 && stat(P("r1"), &st) == -1 &&
	      get_file(P("r1b"), buf, 16) == 3, "rename");
	CHECK("rename replace", rename(P("r1b"), P("r2")) == 0 && get_file(P("r2"), buf, 16) == 3 &&
	      !memcmp(buf, "one", 3), "rename");
	CHECK("rename across dirs", rename(P("r2"), P("rdir/r2")) == 0 &&
	      get_file(P("rdir/r2"), buf, 16) == 3, "rename");
	CHECK("rename dir", rename(P("rdir"), P("rdir3")) == 0 && get_file(P("rdir3/r2"), buf, 16) == 3,
	      "rename");
	CHECK("rename dir across", rename(P("rdir3"), P("rdir2/sub")) == 0 &&
	      get_file(P("rdir2/sub/r2"), buf, 16) == 3 && stat(P("rdir2/sub/.."), &st) == 0, "rename");
	errno = 0;
	CHECK("dir into itself EINVAL", rename(P("rdir2"), P("rdir2/sub/x")) == -1 && errno == EINVAL,
	      "rename");
	put_file(P("rf"), "f", 1);
	errno = 0;
	CHECK("dir onto file ENOTDIR", rename(P("rdir2"), P("rf")) == -1 && errno == ENOTDIR, "rename");
	errno = 0;
	CHECK("file onto dir EISDIR", rename(P("rf"), P("rdir2")) == -1 && errno == EISDIR, "rename");
	put_file(P("rg"), "g", 1);
	errno = 0;
	CHECK("RENAME_NOREPLACE", syscall(SYS_renameat2, AT_FDCWD, P("rf"), AT_FDCWD, P("rg"), 1) ==
	      -1 && errno == EEXIST, "renameat2");
	CHECK("rename onto itself", rename(P("rf"), P("rf")) == 0 && stat(P("rf"), &st) == 0, "rename");
	errno = 0;
	CHECK("rename missing ENOENT", rename(P("none"), P("none2")) == -1 && errno == ENOENT, "rename");
	mkdir(P("empty"), 0755);
	CHECK("dir onto empty dir", rename(P("empty"), P("rdir2/sub2")) == 0, "rename");
}

static void check_at_calls(void)
{
	struct stat st;
	mkdir(P("at"), 0755);
	int dfd = open(P("at"), O_RDONLY | O_DIRECTORY);
	CHECK("open dir", dfd >= 0, "open");
	int fd = openat(dfd, "f", O_CREAT | O_WRONLY, 0644);
	CHECK("openat", fd >= 0 && write(fd, "abc", 3) == 3, "openat");
	close(fd);
	CHECK("fstatat", fstatat(dfd, "f", &st, 0) == 0 && st.st_size == 3, "fstatat");
	CHECK("mkdirat", mkdirat(dfd, "sub", 0755) == 0, "mkdirat");
	CHECK("renameat", renameat(dfd, "f", dfd, "sub/g") == 0, "renameat");
	CHECK("faccessat", faccessat(dfd, "sub/g", R_OK | W_OK, 0) == 0, "faccessat");
	CHECK("unlinkat", unlinkat(dfd, "sub/g", 0) == 0, "unlinkat");
	CHECK("unlinkat dir", unlinkat(dfd, "sub", AT_REMOVEDIR) == 0, "unlinkat");
	char cwd[PATH_MAX], was[PATH_MAX];
	getcwd(was, sizeof(was));
	CHECK("fchdir", fchdir(dfd) == 0 && getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, P("at")),
	      "cwd '%s'", cwd);
	CHECK("relative create", put_file("rel", "r", 1) == 0 && stat(P("at/rel"), &st) == 0, "put");
	CHECK("chdir ..", chdir("..") == 0 && getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, fs_dir),
	      "cwd '%s'", cwd);
	errno = 0;
	CHECK("getcwd ERANGE", getcwd(cwd, 5) == NULL && errno == ERANGE, "getcwd");
	chdir(was);
	errno = 0;
	CHECK("openat on a file fd", (fd = open(P("at/rel"), O_RDONLY)) >= 0 &&
	      openat(fd, "x", O_RDONLY) == -1 && errno == ENOTDIR, "openat");
	close(fd);
	close(dfd);
}

static void check_unlinked_open(void)
{
	char buf[8];
	put_file(P("ghost"), "boo", 3);
	int fd = open(P("ghost"), O_RDWR);
	CHECK("unlink open file", unlink(P("ghost")) == 0, "unlink");
	CHECK("still readable", pread(fd, buf, 3, 0) == 3 && !memcmp(buf, "boo", 3), "pread");
	CHECK("still writable", pwrite(fd, "xy", 2, 3) == 2, "pwrite");
	struct stat st;
	errno = 0;
	CHECK("name gone", stat(P("ghost"), &st) == -1 && errno == ENOENT, "stat");
	CHECK("recreate name", put_file(P("ghost"), "new", 3) == 0 &&
	      get_file(P("ghost"), buf, 8) == 3 && !memcmp(buf, "new", 3), "put");
	CHECK("old still its own", pread(fd, buf, 5, 0) == 5 && !memcmp(buf, "booxy", 5), "pread");
	close(fd);
}

static void check_misc(void)
{
	struct stat st;
	char buf[64];
	put_file(P("m"), "data", 4);
	CHECK("access", access(P("m"), F_OK | R_OK | W_OK) == 0, "access");
	errno = 0;
	CHECK("readlink EINVAL", readlink(P("m"), buf, sizeof(buf)) == -1 && errno == EINVAL, "readlink");
	int fd = open(P("m"), O_RDWR);
	CHECK("fsync", fsync(fd) == 0, "fsync");
	CHECK("fdatasync", fdatasync(fd) == 0, "fdatasync");
	CHECK("syncfs", syncfs(fd) == 0, "syncfs");
	sync();
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	CHECK("F_SETLK", fcntl(fd, F_SETLK, &fl) == 0, "fcntl");
	fl.l_type = F_WRLCK;
	CHECK("F_GETLK", fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type == F_UNLCK, "type %d", fl.l_type);
	close(fd);
	struct statfs sf;
	CHECK("statfs", statfs(fs_dir, &sf) == 0 && sf.f_bsize > 0 && sf.f_blocks > 0, "statfs");
	struct timespec ts[2] = { { 1600000000, 0 }, { 1600000010, 0 } };
	CHECK("utimensat", utimensat(AT_FDCWD, P("m"), ts, 0) == 0 && stat(P("m"), &st) == 0 &&
	      st.st_mtime >= 1600000010 - 2 && st.st_mtime <= 1600000010, "mtime %lld",
	      (long long)st.st_mtime);
	CHECK("chmod read-only", chmod(P("m"), 0444) == 0 && stat(P("m"), &st) == 0 &&
	      !(st.st_mode & 0222), "mode %o", st.st_mode);
	CHECK("chmod writable", chmod(P("m"), 0644) == 0 && stat(P("m"), &st) == 0 &&
	      (st.st_mode & 0200), "mode %o", st.st_mode);
	int in = open(P("m"), O_RDONLY), out = open(P("m2"), O_CREAT | O_WRONLY | O_TRUNC, 0644);
	off_t off = 1;
	CHECK("sendfile", sendfile(out, in, &off, 10) == 3 && off == 4, "off %lld", (long long)off);
	close(in);
	close(out);
	CHECK("sendfile copied", get_file(P("m2"), buf, sizeof(buf)) == 3 && !memcmp(buf, "ata", 3),
	      "data");
}

static int nftw_count;
static int nftw_cb(const char *p, const struct stat *st, int type, struct FTW *f)
{
	nftw_count++;
	return 0;
}

static void check_libc(void)
{
	FILE *f = fopen(P("lib.txt"), "w");
	CHECK("fopen w", f != NULL, "fopen");
	for (int i = 0; i < 100; i++)
		fprintf(f, "line %d\n", i);
	fclose(f);
	f = fopen(P("lib.txt"), "r");
	char line[32];
	int n = 0;
	while (f && fgets(line, sizeof(line), f))
		n++;
	CHECK("fgets lines", n == 100, "%d lines", n);
	if (f)
		fclose(f);
	char real[PATH_MAX];
	CHECK("realpath", realpath(P("./lib.txt"), real) && !strcmp(real, P("lib.txt")),
	      "'%s'", real);
	nftw_count = 0;
	CHECK("nftw", nftw(fs_dir, nftw_cb, 8, FTW_PHYS) == 0 && nftw_count > 5, "%d", nftw_count);
	glob_t g;
	CHECK("glob", glob(P("lib.*"), 0, NULL, &g) == 0 && g.gl_pathc == 1, "glob");
	globfree(&g);
	char tmpl[PATH_MAX];
	snprintf(tmpl, sizeof(tmpl), "%s/tmpXXXXXX", fs_dir);
	int fd = mkstemp(tmpl);
	CHECK("mkstemp", fd >= 0 && write(fd, "t", 1) == 1, "mkstemp");
	close(fd);
	CHECK("remove", remove(tmpl) == 0 && remove(P("lib.txt")) == 0, "remove");
	FILE *t = tmpfile();
	CHECK("tmpfile", t && fputs("x", t) >= 0 && fseek(t, 0, SEEK_SET) == 0 && fgetc(t) == 'x',
	      "tmpfile");
	if (t)
		fclose(t);
}

static void check_names(void)
{
	const char *names[] = {
		"a name with spaces.txt", "UPPER.TXT", "MixedCase.Ext", "héllo-wörld-ñ.txt",
		"very-long-name-that-goes-on-and-on-well-past-the-eight-dot-three-limit-of-old.data",
		"multi.dot.name.tar.gz", "x", "12345678.123",
	};
	char buf[8];
	int ok = 1;
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (put_file(P(names[i]), "n", 1) || get_file(P(names[i]), buf, 8) != 1) {
			printf("  cannot store '%s' (errno %d)\n", names[i], errno);
			ok = 0;
		}
		if (count_in(fs_dir, names[i]) != 1) {
			printf("  '%s' not listed once\n", names[i]);
			ok = 0;
		}
	}
	CHECK("names kept", ok, "see above");
}

static void check_big(void)
{
	size_t n = 1 << 20;
	unsigned char *a = malloc(n), *b = malloc(n);
	for (size_t i = 0; i < n; i++)
		a[i] = (unsigned char)(i * 7 + i / 4096);
	CHECK("1 MiB write", put_file(P("big"), a, n) == 0, "put");
	memset(b, 0, n);
	int fd = open(P("big"), O_RDONLY);
	size_t got = 0;
	ssize_t r;
	while (fd >= 0 && (r = read(fd, b + got, n - got > 65536 ? 65536 : n - got)) > 0)
		got += (size_t)r;
	close(fd);
	CHECK("1 MiB read back", got == n && !memcmp(a, b, n), "got %zu", got);
	free(a);
	free(b);
}

static void check_mmap(void)
{
	char buf[16];
	char data[6000];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)('a' + i % 26);
	put_file(P("map"), data, sizeof(data));
	int fd = open(P("map"), O_RDWR);
	char *p = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK("mmap private", p != MAP_FAILED && p[0] == 'a' && p[5999] == data[5999] &&
	      p[6000] == 0 && p[8191] == 0, "contents");
	munmap(p, 8192);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 4096);
	CHECK("mmap offset", p != MAP_FAILED && p[0] == data[4096], "contents");
	if (p != MAP_FAILED)
		p[0] = '#';
	munmap(p, 4096);
	CHECK("private stays private", pread(fd, buf, 1, 4096) == 1 && buf[0] == data[4096], "'%c'",
	      buf[0]);
	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK("mmap shared", p != MAP_FAILED, "mmap");
	if (p != MAP_FAILED) {
		memcpy(p + 10, "SHARED", 6);
		CHECK("msync", msync(p, 8192, MS_SYNC) == 0, "msync");
		CHECK("msync wrote", pread(fd, buf, 6, 10) == 6 && !memcmp(buf, "SHARED", 6), "data");
		memcpy(p + 5000, "UNMAP", 5);
		p[7000] = 'X'; /* past the end of the file: not written back */
		munmap(p, 8192);
	}
	struct stat st;
	CHECK("munmap wrote", pread(fd, buf, 5, 5000) == 5 && !memcmp(buf, "UNMAP", 5) &&
	      fstat(fd, &st) == 0 && st.st_size == 6000, "size %lld", (long long)st.st_size);
	/* Shared mappings see the file's writes, and its reads see theirs. */
	p = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
	char *q = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK("two shared mappings", p != MAP_FAILED && q != MAP_FAILED, "mmap");
	if (p != MAP_FAILED && q != MAP_FAILED) {
		CHECK("a write shows in the mappings", pwrite(fd, "WRITTEN", 7, 100) == 7 &&
		      !memcmp(p + 100, "WRITTEN", 7) && !memcmp(q + 100, "WRITTEN", 7), "stale");
		memcpy(q + 200, "THROUGH", 7);
		CHECK("a mapping's write shows in read", pread(fd, buf, 7, 200) == 7 &&
		      !memcmp(buf, "THROUGH", 7), "'%.7s'", buf);
		CHECK("... and in the other mapping", !memcmp(p + 200, "THROUGH", 7), "stale");
		munmap(p, 8192);
		munmap(q, 8192);
	}
	close(fd);
	fd = open(P("map"), O_RDONLY);
	errno = 0;
	CHECK("shared write on read-only fd", mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
	      0) == MAP_FAILED && errno == EACCES, "mmap");
	close(fd);
}

/* Make the scratch directory and run everything: the failure count. */
static int fs_check_all(const char *base)
{
	snprintf(fs_dir, sizeof(fs_dir), "%s/fst.XXXXXX", strcmp(base, "/") ? base : "");
	if (!mkdtemp(fs_dir)) {
		printf("FAIL mkdtemp in %s (errno %d)\n", base, errno);
		return 1;
	}
	check_create_rw();
	check_offsets();
	check_sizes();
	check_dirs();
	check_readdir();
	check_rename();
	check_at_calls();
	check_unlinked_open();
	check_misc();
	check_libc();
	check_names();
	check_big();
	check_mmap();
	return fs_fails;
}
