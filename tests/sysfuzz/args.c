/* SPDX-License-Identifier: MIT */
/*
 * The fuzzer's arguments: the memory calls may name (a shared buffer area
 * between PROT_NONE guards, a sandbox that only fuzzed mmap/munmap/mprotect
 * touch, the program's read-only pages, the kernel's addresses), the pool of
 * descriptors the threads share, and one generator per argument kind, biased
 * toward values that reach deep code (valid buffers and descriptors, short
 * timeouts) and toward the adversarial (kernel and unmapped addresses, huge
 * and negative lengths, misaligned pointers, closed descriptors, every bit).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "sysfuzz.h"

#define BUF_PAGES 32
#define SANDBOX_BASE 0x600000000000ull	/* high in the user window: nothing else there */
#define SANDBOX_PAGES 64
#define UNMAPPED_USER 0x500000000000ull	/* in the user window, never mapped */
#define MAX_MAPS 16
#define LISTEN_FD 1001			/* the listener pairs are made from: not fuzzed */

extern char __toro_load_start[], __toro_kdata_start[];

static unsigned char *buf;		/* BUF_PAGES pages, shared by every thread */
static uint64_t maps[MAX_MAPS][2];	/* mappings fuzzed mmap made outside the sandbox */
static int nmaps;
static volatile int pool[FZ_POOL];
int fz_listen_port = 7777;

uint64_t fz_rand(struct fz_thread *t)
{
	/* xorshift64*: fast, and one stream per thread from the run's seed */
	uint64_t x = t->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	t->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

static void lock(int *l)
{
	while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
		fz_raw(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
}

static void unlock(int *l) { __atomic_store_n(l, 0, __ATOMIC_RELEASE); }

/* ---- memory ---- */

void fz_memory_init(void)
{
	/* The buffer area between two PROT_NONE pages: a length that runs past
	 * its end faults there instead of reaching the program's own memory. */
	unsigned char *a = mmap(NULL, (BUF_PAGES + 2) * FZ_PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED) {
		fz_print("sysfuzz: cannot map the buffer area\n");
		_exit(2);
	}
	mprotect(a, FZ_PAGE, PROT_NONE);
	mprotect(a + (BUF_PAGES + 1) * FZ_PAGE, FZ_PAGE, PROT_NONE);
	buf = a + FZ_PAGE;
	for (size_t i = 0; i < BUF_PAGES * FZ_PAGE; i++)
		buf[i] = (unsigned char)(i * 131 + 7);
	void *s = mmap((void *)SANDBOX_BASE, SANDBOX_PAGES * FZ_PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (s != (void *)SANDBOX_BASE)
		fz_print("sysfuzz: no sandbox at %#llx (fuzzed mmap stays away anyway)\n",
			 (unsigned long long)SANDBOX_BASE);
}

bool fz_in_sandbox(uint64_t a) { return a >= SANDBOX_BASE && a < SANDBOX_BASE + SANDBOX_PAGES * FZ_PAGE; }
uint64_t fz_sandbox_base(void) { return SANDBOX_BASE; }
uint64_t fz_sandbox_size(void) { return SANDBOX_PAGES * FZ_PAGE; }

bool fz_in_buffers(uint64_t a, uint64_t n)
{
	uint64_t b = (uint64_t)buf;
	return a >= b && n <= BUF_PAGES * FZ_PAGE && a - b <= BUF_PAGES * FZ_PAGE - n;
}

static int maps_lock;

/* A mapping a fuzzed mmap made outside the sandbox: kept so that it can be
 * named and unmapped later, the oldest unmapped when the table is full. */
void fz_note_mapping(uint64_t addr, uint64_t len)
{
	lock(&maps_lock);
	if (nmaps == MAX_MAPS) {
		fz_raw(SYS_munmap, (long)maps[0][0], (long)maps[0][1], 0, 0, 0, 0);
		memmove(maps[0], maps[1], sizeof(maps[0]) * (MAX_MAPS - 1));
		nmaps--;
	}
	maps[nmaps][0] = addr;
	maps[nmaps][1] = len;
	nmaps++;
	unlock(&maps_lock);
}

void fz_unmap_all(void)
{
	lock(&maps_lock);
	for (int i = 0; i < nmaps; i++)
		fz_raw(SYS_munmap, (long)maps[i][0], (long)maps[i][1], 0, 0, 0, 0);
	nmaps = 0;
	unlock(&maps_lock);
}

/* Addresses no call may use: the kernel's, non-canonical, unmapped. */
static uint64_t bad_address(struct fz_thread *t)
{
	static const uint64_t fixed[] = {
		0, 1, 0x10, 0xfff, 0x1000, 0x7000, 0x8000, 0x9fff8, 0x100000, 0x100ff8,
		0x200000, 0x400000, 0x800000, 0xfff000, 0x1000000,
		0xffffff8000000000ull, 0xffffff8000010000ull, 0xffffff8000020ff8ull,
		0xffffffff80000000ull, 0xffff800000000000ull, 0x0000800000000000ull,
		0x00007ffffffff000ull, 0x00007fffffffffffull, 0x8000000000000000ull,
		0xfffffffffffff000ull, 0xffffffffffffffffull, 0x0000001000000000ull - 8,
		UNMAPPED_USER, UNMAPPED_USER + 0x123, 0x0000700000000000ull - 4,
	};
	switch (fz_below(t, 4)) {
	case 0: return (uint64_t)__toro_kdata_start + fz_below(t, 0x4000);
	case 1: return (uint64_t)__toro_load_start + fz_below(t, 0x10000);
	default: return fixed[fz_below(t, sizeof(fixed) / sizeof(fixed[0]))];
	}
}

/* A pointer: mostly into the shared buffers (so calls succeed), else the
 * sandbox, read-only program memory, or a bad address. */
static uint64_t pointer(struct fz_thread *t, uint64_t size)
{
	unsigned r = (unsigned)fz_below(t, 100);
	uint64_t p;

	if (r < 62) {
		uint64_t room = BUF_PAGES * FZ_PAGE;
		uint64_t off = fz_below(t, room);
		if (fz_chance(t, 70))
			off &= ~15ull;
		if (size < room && off > room - size && fz_chance(t, 80))
			off = room - size;
		if (fz_chance(t, 4))
			off = room - size / 2; /* runs into the guard page */
		p = (uint64_t)buf + off;
	} else if (r < 72) {
		p = SANDBOX_BASE + fz_below(t, SANDBOX_PAGES) * FZ_PAGE + (fz_chance(t, 20) ? fz_below(t, FZ_PAGE) : 0);
	} else if (r < 76) {
		p = fz_chance(t, 50) ? (uint64_t)(uintptr_t)&fz_rand : (uint64_t)(uintptr_t)"sysfuzz rodata";
	} else if (r < 78 && nmaps > 0) {
		p = maps[fz_below(t, (uint64_t)nmaps)][0];
	} else if (r < 97) {
		p = bad_address(t);
	} else {
		p = fz_rand(t);
	}
	t->last_ptr = p;
	return p;
}

/* ---- descriptors ---- */

static int raw_open(const char *path, int flags)
{
	return (int)fz_raw(SYS_openat, AT_FDCWD, (long)path, flags, 0644, 0, 0);
}

void fz_pool_add(struct fz_thread *t, int fd)
{
	if (fd < 0 || fd == FZ_CONSOLE_FD || fd == LISTEN_FD)
		return;
	int slot = (int)fz_below(t, FZ_POOL);
	int old = __atomic_exchange_n(&pool[slot], fd, __ATOMIC_RELAXED);
	/* The evicted descriptor goes, so the table does not fill up; it may
	 * already be closed or recycled by another thread: that is the point. */
	if (old >= 0 && old != fd && fz_chance(t, 70))
		fz_raw(SYS_close, old, 0, 0, 0, 0, 0);
}

int fz_pool_pick(struct fz_thread *t)
{
	return __atomic_load_n(&pool[fz_below(t, FZ_POOL)], __ATOMIC_RELAXED);
}

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/* A connected TCP pair over 127.0.0.1, both ends non-blocking. */
static void make_pair(struct fz_thread *t)
{
	if (!fz_opt.net)
		return;
	int c = (int)fz_raw(SYS_socket, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0, 0, 0, 0);
	if (c < 0)
		return;
	struct sockaddr_in a = loopback(fz_listen_port);
	fz_raw(SYS_connect, c, (long)&a, sizeof(a), 0, 0, 0);
	struct pollfd p = { .fd = LISTEN_FD, .events = POLLIN };
	fz_raw(SYS_poll, (long)&p, 1, 200, 0, 0, 0);
	int s = (int)fz_raw(SYS_accept4, LISTEN_FD, 0, 0, SOCK_NONBLOCK, 0, 0);
	fz_pool_add(t, c);
	fz_pool_add(t, s);
}

static void make_epoll(struct fz_thread *t)
{
	int e = (int)fz_raw(SYS_epoll_create1, fz_chance(t, 50) ? EPOLL_CLOEXEC : 0, 0, 0, 0, 0, 0);
	for (int i = 0; i < 4 && e >= 0; i++) {
		struct epoll_event ev = { .events = (uint32_t)fz_rand(t), .data.u64 = fz_rand(t) };
		fz_raw(SYS_epoll_ctl, e, EPOLL_CTL_ADD, fz_pool_pick(t), (long)&ev, 0, 0);
	}
	fz_pool_add(t, e);
}

static void make_socket(struct fz_thread *t, int type)
{
	if (!fz_opt.net)
		return;
	int s = (int)fz_raw(SYS_socket, AF_INET, type | (fz_chance(t, 60) ? SOCK_NONBLOCK : 0), 0, 0, 0, 0);
	if (s >= 0 && type == SOCK_DGRAM) {
		struct sockaddr_in a = loopback(7000 + (int)fz_below(t, 8));
		fz_raw(SYS_bind, s, (long)&a, sizeof(a), 0, 0, 0);
	}
	if (s >= 0 && type == SOCK_STREAM && fz_chance(t, 30)) {
		struct sockaddr_in a = loopback(7100 + (int)fz_below(t, 8));
		if (fz_raw(SYS_bind, s, (long)&a, sizeof(a), 0, 0, 0) == 0)
			fz_raw(SYS_listen, s, 4, 0, 0, 0, 0);
	}
	fz_pool_add(t, s);
}

static const char *const files[] = {
	"/tmp/fz0", "/tmp/fz1", "/tmp/fz2", "/tmp/d/fz3", "/fz0", "/fz1", "/d/fz2",
	"/d/a long name.txt",
};

/* One new resource of a random kind into the pool. */
void fz_pool_refresh(struct fz_thread *t)
{
	int fds[2] = { -1, -1 };

	switch (fz_below(t, 14)) {
	case 0: case 1:
		fz_pool_add(t, raw_open(files[fz_below(t, 8)], O_CREAT | O_RDWR | (fz_chance(t, 20) ? O_APPEND : 0)));
		break;
	case 2: fz_pool_add(t, raw_open(fz_chance(t, 50) ? "/" : "/tmp", O_RDONLY | O_DIRECTORY)); break;
	case 3:
		if (fz_raw(SYS_pipe2, (long)fds, fz_chance(t, 50) ? O_NONBLOCK : 0, 0, 0, 0, 0) == 0) {
			fz_pool_add(t, fds[0]);
			fz_pool_add(t, fds[1]);
		}
		break;
	case 4: fz_pool_add(t, (int)fz_raw(SYS_eventfd2, (long)fz_below(t, 3), fz_chance(t, 50) ? O_NONBLOCK : 0, 0, 0, 0, 0)); break;
	case 5: make_epoll(t); break;
	case 6: make_socket(t, SOCK_STREAM); break;
	case 7: make_socket(t, SOCK_DGRAM); break;
	case 8: case 9: make_pair(t); break;
	case 10: {
		static const char *const dev[] = { "/dev/null", "/dev/zero", "/dev/urandom", "/etc/hosts" };
		fz_pool_add(t, raw_open(dev[fz_below(t, 4)], O_RDWR));
		break;
	}
	case 11:
		if (fz_opt.disk)
			fz_pool_add(t, raw_open("/dev/vda", fz_chance(t, 10) ? O_RDWR : O_RDONLY));
		break;
	default:
		fz_pool_add(t, raw_open(files[fz_below(t, 8)], O_RDONLY));
		break;
	}
}

void fz_pool_init(void)
{
	struct fz_thread *t = &fz_threads[0];

	for (int i = 0; i < FZ_POOL; i++)
		pool[i] = -1;
	fz_raw(SYS_mkdir, (long)"/tmp/d", 0755, 0, 0, 0, 0);
	fz_raw(SYS_mkdir, (long)"/d", 0755, 0, 0, 0, 0);
	if (fz_opt.net) {
		int l = (int)fz_raw(SYS_socket, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0, 0, 0, 0);
		struct sockaddr_in a = loopback(fz_listen_port);
		if (l < 0 || fz_raw(SYS_bind, l, (long)&a, sizeof(a), 0, 0, 0) ||
		    fz_raw(SYS_listen, l, 16, 0, 0, 0, 0) || fz_raw(SYS_dup2, l, LISTEN_FD, 0, 0, 0, 0) < 0)
			fz_print("sysfuzz: no loopback listener (%d)\n", l);
		fz_raw(SYS_close, l, 0, 0, 0, 0, 0);
	}
	for (int i = 0; i < 3 * FZ_POOL; i++)
		fz_pool_refresh(t);
}

/* Every so often: close whatever the fuzzed calls left open (they make
 * descriptors the pool never saw), remove files, give mappings back, so the
 * run does not end in EMFILE and ENOSPC everywhere. */
void fz_cleanup(struct fz_thread *t)
{
	for (int fd = 0; fd < 1024; fd++) {
		if (fd == FZ_CONSOLE_FD || fd == LISTEN_FD)
			continue;
		bool pooled = false;
		for (int i = 0; i < FZ_POOL && !pooled; i++)
			pooled = pool[i] == fd;
		if (!pooled)
			fz_raw(SYS_close, fd, 0, 0, 0, 0, 0);
	}
	for (unsigned i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (fz_chance(t, 50))
			fz_raw(SYS_unlink, (long)files[i], 0, 0, 0, 0, 0);
	fz_unmap_all();
	fz_raw(SYS_chdir, (long)"/", 0, 0, 0, 0, 0);
}

/* ---- values ---- */

static uint64_t any_value(struct fz_thread *t)
{
	static const uint64_t v[] = {
		0, 1, 2, 3, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255, 256, 511, 512, 1023, 1024,
		4095, 4096, 4097, 8192, 65535, 65536, 0x7fffffff, 0x80000000, 0xffffffff,
		0x100000000ull, 0x7fffffffffffffffull, 0x8000000000000000ull,
		0xffffffffffffffffull, 0xfffffffffffffffeull, 0xfffffffffffff000ull,
		0xffffffff00000000ull, 0x0000ffffffffffffull,
	};
	switch (fz_below(t, 6)) {
	case 0: return fz_rand(t);
	case 1: return fz_below(t, 64);
	case 2: return 1ull << fz_below(t, 64);
	case 3: return pointer(t, 64);
	default: return v[fz_below(t, sizeof(v) / sizeof(v[0]))];
	}
}

static uint64_t length(struct fz_thread *t)
{
	uint64_t room = (uint64_t)buf + BUF_PAGES * FZ_PAGE - t->last_ptr;
	switch (fz_below(t, 10)) {
	case 0: return 0;
	case 1: case 2: return fz_below(t, 64);
	case 3: return fz_below(t, 4 * FZ_PAGE);
	case 4: return fz_in_buffers(t->last_ptr, 1) ? room : FZ_PAGE;
	case 5: return fz_in_buffers(t->last_ptr, 1) ? room + 1 + fz_below(t, 8) : 4096;
	case 6: return fz_below(t, 2) ? 0x7fffffff : 0x80000000;
	case 7: return fz_below(t, 2) ? ~0ull : 1ull << fz_below(t, 64);
	default: return 1 + fz_below(t, 512);
	}
}

static uint64_t flags(struct fz_thread *t)
{
	switch (fz_below(t, 6)) {
	case 0: return 0;
	case 1: return 1ull << fz_below(t, 32);
	case 2: return fz_rand(t) & 0xfffff;
	case 3: return fz_chance(t, 50) ? 0xffffffffull : ~0ull;
	case 4: return fz_rand(t);
	default: return fz_rand(t) & fz_rand(t) & 0x1fffff;
	}
}

static int fd_value(struct fz_thread *t)
{
	static const int odd[] = { -1, -100, 0, 1, 2, 3, 1023, 1024, 4096, 65535, 0x7fffffff, -0x80000000 };
	if (fz_chance(t, 88))
		return fz_pool_pick(t);
	return odd[fz_below(t, sizeof(odd) / sizeof(odd[0]))];
}

/* ---- structures, made in the shared buffers (another thread may rewrite
 * them while the kernel reads: that race is part of the test) ---- */

static void *scratch(struct fz_thread *t, size_t size)
{
	uint64_t off = fz_below(t, BUF_PAGES * FZ_PAGE - size) & ~7ull;
	return buf + off;
}

static uint64_t timespec_ptr(struct fz_thread *t, bool tv)
{
	if (fz_chance(t, 12))
		return fz_chance(t, 50) ? 0 : bad_address(t);
	int64_t *ts = scratch(t, 16);
	static const int64_t secs[] = { 0, 0, 0, 0, 0, 1, -1, 18446744074ll, 0x7fffffffffffffffll,
					(int64_t)1 << 33, 2000000000 };
	static const int64_t nsecs[] = { 0, 1, 1000, 999999999, 1000000000, -1, 0x7fffffffffffffffll };
	ts[0] = secs[fz_below(t, sizeof(secs) / sizeof(secs[0]))];
	ts[1] = fz_chance(t, 60) ? (int64_t)fz_below(t, 30) * (tv ? 1000 : 1000000) :
				   nsecs[fz_below(t, sizeof(nsecs) / sizeof(nsecs[0]))];
	if (ts[0] > 0 && ts[0] < 100 && fz_chance(t, 90))
		ts[0] = 0; /* keep most sleeps short; the watchdog ends the long ones */
	return (uint64_t)ts;
}

static uint64_t iovec_ptr(struct fz_thread *t)
{
	int n = fz_chance(t, 80) ? 1 + (int)fz_below(t, 8) : (int)fz_below(t, 1100);
	if (n > 64)
		n = 64; /* the array itself; the count may still claim more */
	struct iovec *v = scratch(t, sizeof(*v) * (size_t)n);
	for (int i = 0; i < n; i++) {
		v[i].iov_base = (void *)pointer(t, 256);
		v[i].iov_len = fz_chance(t, 80) ? fz_below(t, 512) : length(t);
	}
	t->last_count = n;
	return fz_chance(t, 90) ? (uint64_t)v : bad_address(t);
}

static uint64_t sockaddr_ptr(struct fz_thread *t)
{
	if (fz_chance(t, 10))
		return fz_chance(t, 50) ? 0 : bad_address(t);
	struct sockaddr_in *a = scratch(t, 32);
	static const uint32_t ips[] = { 0x7f000001, 0, 0x0a00020f, 0x0a000202, 0xffffffff, 0xe0000001, 0x7f000002 };
	static const uint16_t ports[] = { 0, 7777, 7000, 7001, 7100, 7101, 80, 65535 };
	a->sin_family = fz_chance(t, 85) ? AF_INET : (sa_family_t)fz_below(t, 64);
	a->sin_port = htons(ports[fz_below(t, sizeof(ports) / sizeof(ports[0]))]);
	a->sin_addr.s_addr = htonl(fz_chance(t, 90) ? ips[fz_below(t, 7)] : (uint32_t)fz_rand(t));
	t->last_len = fz_chance(t, 80) ? sizeof(*a) : length(t);
	return (uint64_t)a;
}

static uint64_t msghdr_ptr(struct fz_thread *t)
{
	if (fz_chance(t, 10))
		return bad_address(t);
	struct msghdr *m = scratch(t, sizeof(*m));
	m->msg_name = fz_chance(t, 50) ? (void *)sockaddr_ptr(t) : NULL;
	m->msg_namelen = (socklen_t)(fz_chance(t, 80) ? 16 : fz_rand(t));
	m->msg_iov = (void *)iovec_ptr(t);
	m->msg_iovlen = fz_chance(t, 85) ? (size_t)t->last_count : (size_t)length(t);
	m->msg_control = fz_chance(t, 70) ? NULL : (void *)pointer(t, 64);
	m->msg_controllen = fz_chance(t, 50) ? 0 : (size_t)length(t);
	m->msg_flags = (int)flags(t);
	return (uint64_t)m;
}

static uint64_t sigset_ptr(struct fz_thread *t)
{
	if (fz_chance(t, 20))
		return fz_chance(t, 50) ? 0 : bad_address(t);
	uint64_t *s = scratch(t, 8);
	/* Never the watchdog's signal nor the faults: the fuzzer must stay reachable. */
	uint64_t keep = (1ull << (SIGUSR1 - 1)) | (1ull << (SIGSEGV - 1)) | (1ull << (SIGBUS - 1)) |
			(1ull << (SIGILL - 1)) | (1ull << (SIGFPE - 1)) | (1ull << (SIGTRAP - 1));
	*s = fz_rand(t) & ~keep;
	return (uint64_t)s;
}

static uint64_t pollfd_ptr(struct fz_thread *t)
{
	int n = fz_chance(t, 90) ? 1 + (int)fz_below(t, 8) : (int)fz_below(t, 64);
	struct pollfd *p = scratch(t, sizeof(*p) * 64);
	for (int i = 0; i < n; i++) {
		p[i].fd = fd_value(t);
		p[i].events = (short)(fz_chance(t, 70) ? (POLLIN | POLLOUT) : fz_rand(t));
		p[i].revents = (short)fz_rand(t);
	}
	t->last_count = n;
	return fz_chance(t, 92) ? (uint64_t)p : bad_address(t);
}

static uint64_t fdset_ptr(struct fz_thread *t)
{
	if (fz_chance(t, 30))
		return fz_chance(t, 70) ? 0 : bad_address(t);
	uint64_t *s = scratch(t, 128);
	memset(s, 0, 128);
	for (int i = 0; i < 4; i++) {
		int fd = fd_value(t);
		if (fd >= 0 && fd < 1024)
			s[fd / 64] |= 1ull << (fd % 64);
	}
	if (fz_chance(t, 5))
		s[fz_below(t, 16)] = fz_rand(t);
	return (uint64_t)s;
}

static uint64_t futex_ptr(struct fz_thread *t)
{
	unsigned r = (unsigned)fz_below(t, 10);
	if (r < 6)
		return (uint64_t)buf + 4 * fz_below(t, 16); /* a few shared words */
	if (r < 7)
		return (uint64_t)buf + 1 + fz_below(t, 64); /* misaligned */
	return pointer(t, 4);
}

static uint64_t mm_address(struct fz_thread *t)
{
	unsigned r = (unsigned)fz_below(t, 10);
	if (r < 6)
		return SANDBOX_BASE + fz_below(t, SANDBOX_PAGES) * FZ_PAGE + (fz_chance(t, 5) ? 1 + fz_below(t, 4095) : 0);
	if (r < 7 && nmaps > 0)
		return maps[fz_below(t, (uint64_t)nmaps)][0];
	if (r < 8)
		return fz_chance(t, 50) ? (uint64_t)(uintptr_t)&fz_rand & ~(FZ_PAGE - 1) : 0;
	return bad_address(t) & (fz_chance(t, 80) ? ~(FZ_PAGE - 1) : ~0ull);
}

static uint64_t mm_length(struct fz_thread *t)
{
	switch (fz_below(t, 8)) {
	case 0: return 0;
	case 1: return fz_rand(t);
	case 2: return ~0ull - fz_below(t, 8192);
	case 3: return SANDBOX_PAGES * FZ_PAGE;
	default: return (1 + fz_below(t, 8)) * FZ_PAGE - (fz_chance(t, 10) ? 1 : 0);
	}
}

static uint64_t tid_value(struct fz_thread *t)
{
	switch (fz_below(t, 6)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return (uint64_t)fz_threads[fz_below(t, fz_opt.threads)].tid;
	case 3: return (uint64_t)t->tid + 1 + fz_below(t, 4);
	case 4: return (uint64_t)-1;
	default: return any_value(t);
	}
}

/* Signals that may be sent: never SIGKILL or SIGSTOP (nothing catches them). */
static uint64_t signal_value(struct fz_thread *t)
{
	uint64_t s = fz_chance(t, 85) ? fz_below(t, 65) : any_value(t);
	return (s == SIGKILL || s == SIGSTOP) ? SIGUSR2 : s;
}

static uint64_t epoll_event_ptr(struct fz_thread *t)
{
	if (fz_chance(t, 10))
		return fz_chance(t, 50) ? 0 : bad_address(t);
	struct epoll_event *e = scratch(t, sizeof(*e) * 8);
	e->events = (uint32_t)(fz_chance(t, 60) ? (EPOLLIN | EPOLLOUT | (fz_chance(t, 30) ? EPOLLET : 0) |
					       (fz_chance(t, 20) ? EPOLLONESHOT : 0)) : fz_rand(t));
	e->data.u64 = fz_rand(t);
	return (uint64_t)e;
}

/* Paths: the fuzzer's own files and directories on the RAM file system and
 * the disk, the devices, odd names, made-up ones, unterminated and bad ones. */
static uint64_t path(struct fz_thread *t)
{
	static const char *const known[] = {
		"/tmp/fz0", "/tmp/fz1", "/tmp/fz2", "/tmp/d", "/tmp/d/fz3", "/fz0", "/fz1", "/d",
		"/d/fz2", "/d/a long name.txt", "/", "/tmp", "/dev", "/dev/null", "/dev/zero",
		"/dev/urandom", "/dev/vda", "/etc", "/etc/hosts", "/etc/resolv.conf", ".", "..",
		"", "fz0", "d/fz2", "/tmp/../tmp/./fz1", "/tmp/fz0/", "/nonexistent/x",
		"/dev/virtio-ports/x", "/d/..", "//tmp//fz1", "/tmp/d/../../fz0",
	};
	static const char *const part[] = { "tmp", "d", "fz0", "fz1", "..", ".", "dev", "null",
					    "a long name.txt", "NEW", "new.txt", "x~1", "etc" };
	unsigned r = (unsigned)fz_below(t, 100);

	if (r < 70)
		return (uint64_t)known[fz_below(t, sizeof(known) / sizeof(known[0]))];
	if (r < 88) {
		char *s = scratch(t, 600), *p = s;
		int n = 1 + (int)fz_below(t, 6);
		for (int i = 0; i < n; i++) {
			*p++ = '/';
			if (fz_chance(t, 8)) {
				size_t len = 250 + fz_below(t, 10); /* around NAME_MAX */
				memset(p, 'n', len);
				p += len;
			} else {
				const char *c = part[fz_below(t, sizeof(part) / sizeof(part[0]))];
				size_t len = strlen(c);
				memcpy(p, c, len);
				p += len;
			}
			if (p - s > 520)
				break;
		}
		*p = 0;
		return (uint64_t)s;
	}
	if (r < 92) {
		/* No NUL before the guard page: the kernel must stop at the fault. */
		size_t len = 4096 + fz_below(t, 200);
		char *s = (char *)buf + BUF_PAGES * FZ_PAGE - len;
		memset(s, fz_chance(t, 50) ? '/' : 'a', len);
		return (uint64_t)s;
	}
	return bad_address(t);
}

uint64_t fz_gen(struct fz_thread *t, enum fz_kind k)
{
	if (k != K_NONE && fz_chance(t, 4))
		return any_value(t);
	switch (k) {
	case K_NONE: return 0;
	case K_ANY: return any_value(t);
	case K_FD: return (uint64_t)(int64_t)fd_value(t);
	case K_DIRFD: return fz_chance(t, 50) ? (uint64_t)(int64_t)AT_FDCWD : (uint64_t)(int64_t)fd_value(t);
	case K_BUF: case K_PTR: return pointer(t, k == K_PTR ? 256 : 64);
	case K_LEN: return length(t);
	case K_PATH: return path(t);
	case K_FLAGS: return flags(t);
	case K_MODE: return fz_chance(t, 70) ? fz_below(t, 01000) : fz_rand(t);
	case K_OFF: return fz_chance(t, 70) ? fz_below(t, 1 << 20) : any_value(t);
	case K_WHENCE: return fz_below(t, 6);
	case K_IOV: return iovec_ptr(t);
	case K_IOVCNT: case K_NFDS: return fz_chance(t, 85) ? (uint64_t)t->last_count : any_value(t);
	case K_SOCKADDR: return sockaddr_ptr(t);
	case K_SOCKLEN: return fz_chance(t, 85) ? t->last_len : any_value(t);
	case K_SOCKLENP: {
		uint32_t *l = scratch(t, 4);
		*l = fz_chance(t, 70) ? 16 : (uint32_t)any_value(t);
		return fz_chance(t, 85) ? (uint64_t)l : bad_address(t);
	}
	case K_MSGHDR: return msghdr_ptr(t);
	case K_TS: return timespec_ptr(t, false);
	case K_TV: return timespec_ptr(t, true);
	case K_MS: return fz_chance(t, 70) ? fz_below(t, 30) : (uint64_t)(int64_t)(fz_chance(t, 50) ? -1 : 0x7fffffff);
	case K_SIG: return signal_value(t);
	case K_SIGSET: return sigset_ptr(t);
	case K_SIGSETSZ: return fz_chance(t, 85) ? 8 : fz_below(t, 130);
	case K_TID: case K_PID: return tid_value(t);
	case K_MMADDR: return mm_address(t);
	case K_MMLEN: return mm_length(t);
	case K_PROT: return fz_chance(t, 80) ? fz_below(t, 8) : flags(t);
	case K_MAPFLAGS: return (fz_chance(t, 80) ? (MAP_PRIVATE | MAP_ANONYMOUS) : 0) | (flags(t) & fz_rand(t));
	case K_FUTEX: return futex_ptr(t);
	case K_FUTEXOP: return fz_chance(t, 85) ? (fz_below(t, 14) | (fz_chance(t, 50) ? 128 : 0) |
						   (fz_chance(t, 10) ? 256 : 0)) : any_value(t);
	case K_CLOCK: return fz_chance(t, 85) ? fz_below(t, 12) : any_value(t);
	case K_IOCTL: {
		static const uint32_t req[] = { 0x5401, 0x5413, 0x541b, 0x5421, 0x5450, 0x80081272,
						0x1268, 0x1260, 0x125e, 0x5422, 0x40049409 };
		return fz_chance(t, 80) ? req[fz_below(t, sizeof(req) / sizeof(req[0]))] : any_value(t);
	}
	case K_FCNTL: {
		static const int cmd[] = { 0, 1, 2, 3, 4, 5, 6, 7, 36, 37, 38, 1030, 1024, 1031 };
		return fz_chance(t, 90) ? (uint64_t)cmd[fz_below(t, sizeof(cmd) / sizeof(cmd[0]))] : any_value(t);
	}
	case K_EPEV: return epoll_event_ptr(t);
	case K_EPOP: return fz_below(t, 5);
	case K_POLLFD: return pollfd_ptr(t);
	case K_FDSET: return fdset_ptr(t);
	case K_DOMAIN: return fz_chance(t, 80) ? AF_INET : fz_below(t, 45);
	case K_TYPE: return (fz_chance(t, 85) ? 1 + fz_below(t, 3) : fz_below(t, 11)) |
			    (fz_chance(t, 30) ? SOCK_NONBLOCK : 0) | (fz_chance(t, 10) ? SOCK_CLOEXEC : 0);
	case K_PROTO: return fz_chance(t, 80) ? 0 : fz_below(t, 256);
	case K_LEVEL: {
		static const int lv[] = { SOL_SOCKET, IPPROTO_TCP, IPPROTO_IP, IPPROTO_UDP, 41, 255 };
		return (uint64_t)lv[fz_below(t, 6)];
	}
	case K_OPTNAME: return fz_chance(t, 85) ? fz_below(t, 50) : any_value(t);
	case K_CPUMASK: {
		uint64_t *m = scratch(t, 128);
		m[0] = fz_chance(t, 70) ? fz_below(t, 4) : fz_rand(t);
		return fz_chance(t, 90) ? (uint64_t)m : bad_address(t);
	}
	case K_RES: return fz_chance(t, 85) ? fz_below(t, 17) : any_value(t);
	case K_SMALL: return fz_below(t, 16);
	case K_HOW: return fz_below(t, 4);
	case K_CPU: return (uint64_t)(int64_t)(fz_chance(t, 80) ? (int)fz_below(t, 4) - 1 : (int)any_value(t));
	}
	return any_value(t);
}
