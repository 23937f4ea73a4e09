/* SPDX-License-Identifier: MIT */
/* /dev/console, /dev/null, /dev/zero, /dev/urandom (and /dev/random),
 * /dev/stdin|stdout|stderr. The console is a tty: TIOCGWINSZ answers 80x24 so
 * musl line-buffers stdout on it, as on a Linux serial console. virtio-console's
 * /dev/hvc0 and ports are its driver's (drivers/virtio/console.c). */
#include <k/arch.h>
#include <k/component.h>
#include <k/errno.h>
#include <k/fd.h>
#include <k/kheap.h>
#include <k/random.h>
#include <k/string.h>
#include <k/syscall.h>
#include <k/uart.h>
#include <k/console.h>

#define TCGETS 0x5401
#define TIOCGWINSZ 0x5413
#define TIOCGPGRP 0x540f
#define FIONREAD 0x541b

static long console_read(struct file *f, void *buf, size_t n)
{
	/* No console input yet: stdin is at end of file. */
	return 0;
}

static long console_write_op(struct file *f, const void *buf, size_t n)
{
	console_write(buf, n);
	return (long)n;
}

static long console_ioctl(struct file *f, unsigned long req, uint64_t arg)
{
	switch (req) {
	case TIOCGWINSZ: {
		uint16_t ws[4] = { 24, 80, 0, 0 };
		return user_copy_out(arg, ws, sizeof(ws));
	}
	case TCGETS: {
		/* A termios in the state of a fresh serial tty (ICRNL, OPOST|ONLCR,
		 * B38400 CS8 CREAD, ISIG ICANON ECHO...). The kernel's struct is 36
		 * bytes (four flags, c_line, 19 c_cc), as Linux writes: glibc passes
		 * exactly that much stack (musl's 60-byte termios has the speeds after). */
		uint32_t t[15] = { 0x500, 0x5, 0xbf, 0x8a3b };
		return user_copy_out(arg, t, 36);
	}
	case FIONREAD: {
		int zero = 0;
		return user_copy_out(arg, &zero, sizeof(zero));
	}
	default:
		return -ENOTTY;
	}
}

static void chr_stat(struct file *f, struct kstat *st)
{
	st->mode = S_IFCHR | 0666;
	st->rdev = (uint64_t)(uintptr_t)f->priv;
}

static long null_read(struct file *f, void *buf, size_t n) { return 0; }
static long null_write(struct file *f, const void *buf, size_t n) { return (long)n; }
static long zero_read(struct file *f, void *buf, size_t n) { memset(buf, 0, n); return (long)n; }
static long random_read(struct file *f, void *buf, size_t n)
{
	random_fill(buf, n);
	return (long)n;
}

static const struct file_ops console_ops = {
	.read = console_read, .write = console_write_op, .ioctl = console_ioctl, .stat = chr_stat,
};
static const struct file_ops null_ops = { .read = null_read, .write = null_write, .stat = chr_stat };
static const struct file_ops zero_ops = { .read = zero_read, .write = null_write, .stat = chr_stat };
static const struct file_ops random_ops = {
	.read = random_read, .write = null_write, .stat = chr_stat,
};

static const struct {
	const char *path;
	const struct file_ops *ops;
	uint64_t rdev; /* Linux major:minor, as (major << 8) | minor */
} devs[] = {
	{ "/dev/console", &console_ops, (5 << 8) | 1 },
	{ "/dev/tty", &console_ops, (5 << 8) | 0 },
	{ "/dev/stdin", &console_ops, (5 << 8) | 1 },
	{ "/dev/stdout", &console_ops, (5 << 8) | 1 },
	{ "/dev/stderr", &console_ops, (5 << 8) | 1 },
	{ "/dev/null", &null_ops, (1 << 8) | 3 },
	{ "/dev/zero", &zero_ops, (1 << 8) | 5 },
	{ "/dev/random", &random_ops, (1 << 8) | 8 },
	{ "/dev/urandom", &random_ops, (1 << 8) | 9 },
};

static struct {
	char name[16];
	devfs_open_fn open;
	void *arg;
	uint32_t mode;
	uint64_t rdev;
} dyn[DEVFS_DYN_MAX];
static int ndyn;

int devfs_add(const char *name, devfs_open_fn open, void *arg, uint32_t mode, uint64_t rdev)
{
	size_t len = strlen(name);
	if (ndyn == DEVFS_DYN_MAX || len >= sizeof(dyn[0].name))
		return -ENOSPC;
	memcpy(dyn[ndyn].name, name, len + 1);
	dyn[ndyn].open = open;
	dyn[ndyn].arg = arg;
	dyn[ndyn].mode = mode;
	dyn[ndyn].rdev = rdev;
	/* Published last: drivers attach on core 0 before the program runs. */
	__atomic_store_n(&ndyn, ndyn + 1, __ATOMIC_RELEASE);
	return 0;
}

bool devfs_dyn_entry(int index, const char **name, uint32_t *mode, uint64_t *rdev)
{
	if (index < 0 || index >= __atomic_load_n(&ndyn, __ATOMIC_ACQUIRE))
		return false;
	*name = dyn[index].name;
	*mode = dyn[index].mode;
	*rdev = dyn[index].rdev;
	return true;
}

struct file *devfs_open(const char *path, int flags, int *err)
{
	const struct devfs_provider *prov = component_devfs(path);
	if (prov)
		return prov->open(path, flags, err);
	for (int i = 0; i < __atomic_load_n(&ndyn, __ATOMIC_ACQUIRE); i++)
		if (!strncmp(path, "/dev/", 5) && !strcmp(path + 5, dyn[i].name))
			return dyn[i].open(dyn[i].arg, flags, err);
	for (unsigned i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		if (strcmp(path, devs[i].path))
			continue;
		struct file *f = kzalloc(sizeof(*f));
		if (!f) {
			*err = -ENOMEM;
			return NULL;
		}
		f->ops = devs[i].ops;
		f->refs = 1;
		f->flags = flags & ~02000000; /* O_CLOEXEC lives in the table */
		f->priv = (void *)(uintptr_t)devs[i].rdev;
		return f;
	}
	if (flags & 0100) /* O_CREAT */
		*err = -EROFS;
	else
		*err = -ENOENT;
	return NULL;
}
