/* SPDX-License-Identifier: MIT */
/* toro-serve's QEMU: the command `toro run` would run, asked once at start
 * (`toro run --print-qemu DIR ... IMAGE -- toro.net.announce WORDS`: the same
 * machine, memory, vCPUs, kernel command line, arguments file in DIR and
 * hostfwd backlog preload, and toro run's refusal of bad words as one line
 * at start), then started directly for each boot: a bash script per boot
 * would cost tens of milliseconds of the first response. Each boot adds its
 * user network (hostfwd from a free host port) and a monitor on a unix
 * socket in DIR, through which the power-off is asked as toro run asks it
 * (Ctrl-Alt-Del on microvm's i8042, the ACPI power button on pc and q35). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "serve.h"

#define MAX_ARGV 512

static char dir[] = "/tmp/toro-serve.XXXXXX";
static char *base[MAX_ARGV];
static int nbase;
static char *argv_buf;

extern char **environ;

static void __attribute__((noreturn)) fail(const char *what)
{
	qemu_cleanup();
	fprintf(stderr, "toro serve: %s\n", what);
	exit(2);
}

/* toro run's words: run --print-qemu DIR [--machine..] IMAGE -- announce
 * [the user network's address] WORDS. */
static int print_argv(const char **argv)
{
	int n = 0;
	argv[n++] = cfg.toro;
	argv[n++] = "run";
	argv[n++] = "--print-qemu";
	argv[n++] = dir;
	if (cfg.machine)
		argv[n++] = "--machine", argv[n++] = cfg.machine;
	if (cfg.mem)
		argv[n++] = "--mem", argv[n++] = cfg.mem;
	if (cfg.smp)
		argv[n++] = "--smp", argv[n++] = cfg.smp;
	argv[n++] = cfg.image;
	argv[n++] = "--";
	argv[n++] = "toro.net.announce";
	/* QEMU's user network always gives these (docs/network.md): no DHCP
	 * exchange on the way to the first answer. */
	bool own_ip = false;
	for (int i = 0; i < cfg.nwords; i++)
		own_ip |= !strncmp(cfg.words[i], "toro.ip=", 8);
	if (!own_ip) {
		argv[n++] = "toro.ip=10.0.2.15/24";
		argv[n++] = "toro.gw=10.0.2.2";
		argv[n++] = "toro.dns=10.0.2.3";
	}
	for (int i = 0; i < cfg.nwords; i++)
		argv[n++] = cfg.words[i];
	argv[n] = NULL;
	return n;
}

/* Run toro run --print-qemu; its one-line refusal becomes serve's. */
static void run_print(void)
{
	const char *argv[SERVE_MAX_WORDS + 20];
	char errpath[64], msg[600] = "";
	print_argv(argv);
	snprintf(errpath, sizeof(errpath), "%s/print.err", dir);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 2, errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	pid_t pid;
	int st = 0;
	if (posix_spawn(&pid, cfg.toro, &fa, NULL, (char **)argv, environ) != 0 ||
	    waitpid(pid, &st, 0) < 0)
		fail("cannot run bin/toro");
	posix_spawn_file_actions_destroy(&fa);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return;
	FILE *f = fopen(errpath, "r");
	if (f && fgets(msg, sizeof(msg), f))
		msg[strcspn(msg, "\n")] = 0;
	if (f)
		fclose(f);
	char line[700];
	snprintf(line, sizeof(line), "toro run refused the VM: %s",
		 msg[0] ? msg : "(no message)");
	fail(line);
}

static void load_argv(void)
{
	char path[64];
	snprintf(path, sizeof(path), "%s/qemu.argv", dir);
	FILE *f = fopen(path, "r");
	if (!f)
		fail("toro run --print-qemu wrote no command");
	size_t cap = 1 << 16, len = 0;
	argv_buf = malloc(cap + 1);
	size_t r;
	while (argv_buf && (r = fread(argv_buf + len, 1, cap - len, f)) > 0)
		len += r;
	fclose(f);
	if (!argv_buf || len == cap || len == 0 || argv_buf[len - 1] != 0)
		fail("toro run --print-qemu wrote a bad command");
	for (size_t i = 0; i < len && nbase < MAX_ARGV - 16; i += strlen(argv_buf + i) + 1)
		base[nbase++] = argv_buf + i;
}

void qemu_prepare(void)
{
	if (!mkdtemp(dir))
		fail("cannot make a directory in /tmp");
	run_print();
	load_argv();
}

void qemu_cleanup(void)
{
	char path[96];
	snprintf(path, sizeof(path), "%s/args", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/qemu.argv", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/print.err", dir);
	unlink(path);
	rmdir(dir);
}

static void mon_path(const struct vm *vm, char *buf, size_t n)
{
	snprintf(buf, n, "%s/mon.%d", dir, vm->id);
}

/* In the child: QEMU with the VM's network and monitor; console on out. */
static void __attribute__((noreturn)) child(struct vm *vm, int out)
{
	char net[128], dev[64], mon[160], path[96];
	const char *argv[MAX_ARGV];
	int n = 0;
	bool mmio = !cfg.machine || !strcmp(cfg.machine, "microvm");
	mon_path(vm, path, sizeof(path));
	unlink(path);
	snprintf(net, sizeof(net), "user,id=net0,hostfwd=tcp:127.0.0.1:%d-:%d", vm->host_port,
		 cfg.guest_port);
	snprintf(dev, sizeof(dev), "%s,netdev=net0", mmio ? "virtio-net-device" : "virtio-net-pci");
	snprintf(mon, sizeof(mon), "socket,id=serve_mon,path=%s,server=on,wait=off", path);
	int i = 0;
	/* toro run's `env VAR=VALUE... qemu`: set here, one exec fewer. */
	if (nbase && !strcmp(base[0], "env"))
		for (i = 1; i < nbase && strchr(base[i], '='); i++)
			putenv(base[i]);
	for (; i < nbase; i++)
		argv[n++] = base[i];
	argv[n++] = "-netdev", argv[n++] = net, argv[n++] = "-device", argv[n++] = dev;
	argv[n++] = "-chardev", argv[n++] = mon;
	argv[n++] = "-mon", argv[n++] = "chardev=serve_mon,mode=readline";
	argv[n] = NULL;
	/* Its own process group: a Ctrl-C at serve's terminal is serve's to
	 * turn into power-offs. If serve dies, QEMU gets SIGTERM. */
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	int null = open("/dev/null", O_RDONLY);
	dup2(null, 0);
	dup2(out, 1);
	dup2(out, 2);
	execvp(argv[0], (char **)argv);
	fprintf(stderr, "toro serve: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

pid_t qemu_spawn(struct vm *vm, int out)
{
	pid_t pid = fork();
	if (pid == 0)
		child(vm, out);
	return pid;
}

/* The power-off request through the VM's monitor (made again by the caller
 * while the guest has not said it took it: one made while it still boots
 * is lost). 0 or -errno. */
int qemu_request(struct vm *vm)
{
	static const char microvm_req[] = "sendkey ctrl-alt-delete\n", acpi_req[] = "system_powerdown\n";
	bool mmio = !cfg.machine || !strcmp(cfg.machine, "microvm");
	const char *req = mmio ? microvm_req : acpi_req;
	if (vm->mon_fd < 0) {
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		mon_path(vm, a.sun_path, sizeof(a.sun_path));
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			return -errno;
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
			int e = errno;
			close(fd);
			return -e;
		}
		vm->mon_fd = fd;
	}
	if (send(vm->mon_fd, req, strlen(req), MSG_NOSIGNAL) < 0)
		return -errno;
	/* QEMU's replies (its banner, echoes) are not needed: drop them. */
	char junk[4096];
	while (recv(vm->mon_fd, junk, sizeof(junk), 0) > 0)
		;
	return 0;
}

void qemu_closed(struct vm *vm)
{
	char path[96];
	if (vm->mon_fd >= 0)
		close(vm->mon_fd);
	vm->mon_fd = -1;
	mon_path(vm, path, sizeof(path));
	unlink(path);
}
