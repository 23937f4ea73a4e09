/* SPDX-License-Identifier: MIT */
/* toro-serve's VMs: each is a `toro run IMAGE --net user:H:G -- toro.net.announce
 * WORDS` child whose console (stdout and stderr) comes back through a pipe.
 *
 * Readiness: with QEMU's user networking a connect to the hostfwd port H
 * succeeds as soon as QEMU runs, whether or not the guest listens (slirp
 * accepts, then closes when the guest refuses or never answers), so a connect
 * proves nothing. toro.net.announce makes the kernel print `toro: listening on
 * tcp port G` once listen() has succeeded; from that line on a connection to H
 * reaches the program's listener. Until then clients wait in serve.
 *
 * Power-off: SIGTERM to `toro run`, whose signal path asks the guest to shut
 * down (the program gets SIGTERM, its exit drains its connections,
 * docs/reliability.md) and stops QEMU itself if the guest does not. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "serve.h"

#define STOP_GRACE_S 60.0   /* toro run's own bound is toro.linger + 5 s */
#define READY_WORD "toro: listening on tcp port "

struct vm vms[SERVE_MAX_VMS];
static unsigned boots;

/* A free port on 127.0.0.1 for the hostfwd. Another process may take it
 * before QEMU binds it: QEMU then fails to start and the boot fails (said in
 * the log), the next connection tries another. */
static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static void child_exec(struct vm *vm, int out)
{
	char net[64];
	const char *argv[SERVE_MAX_WORDS + 20];
	int n = 0;
	snprintf(net, sizeof(net), "user:%d:%d", vm->host_port, cfg.guest_port);
	argv[n++] = cfg.toro;
	argv[n++] = "run";
	argv[n++] = "--net";
	argv[n++] = net;
	if (cfg.machine)
		argv[n++] = "--machine", argv[n++] = cfg.machine;
	if (cfg.mem)
		argv[n++] = "--mem", argv[n++] = cfg.mem;
	if (cfg.smp)
		argv[n++] = "--smp", argv[n++] = cfg.smp;
	argv[n++] = cfg.image;
	argv[n++] = "--";
	argv[n++] = "toro.net.announce";
	for (int i = 0; i < cfg.nwords; i++)
		argv[n++] = cfg.words[i];
	argv[n] = NULL;

	/* Its own process group: a Ctrl-C at serve's terminal reaches serve,
	 * which stops the VMs once. If serve dies, toro run gets SIGTERM. */
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	int null = open("/dev/null", O_RDONLY);
	dup2(null, 0);
	dup2(out, 1);
	dup2(out, 2);
	execv(cfg.toro, (char **)argv);
	fprintf(stderr, "toro serve: cannot run %s: %s\n", cfg.toro, strerror(errno));
	_exit(127);
}

static int vm_boot(struct vm *vm)
{
	int p[2];
	vm->host_port = free_port();
	if (vm->host_port < 0 || pipe2(p, O_CLOEXEC) < 0) {
		serve_log("vm %d: cannot boot: %s", vm->id, strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		serve_log("vm %d: cannot boot: fork: %s", vm->id, strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0)
		child_exec(vm, p[1]);
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	vm->pid = pid;
	vm->state = VM_BOOTING;
	vm->console = (struct ev_src){ .kind = EV_CONSOLE, .p = vm, .fd = p[0] };
	vm->line_len = 0;
	vm->conns = 0;
	vm->started = serve_now();
	vm->first_client = 0;
	vm->answered = vm->failed = vm->killed = false;
	vm->boot_no = ++boots;
	serve_watch(&vm->console, EPOLLIN);
	serve_log("vm %d: booting (boot %u; 127.0.0.1:%d -> guest port %d)", vm->id, vm->boot_no,
		  vm->host_port, cfg.guest_port);
	return 0;
}

static bool vm_alive(const struct vm *vm)
{
	return vm->state != VM_OFF;
}

bool vm_any_alive(void)
{
	for (int i = 0; i < cfg.max_vms; i++)
		if (vm_alive(&vms[i]))
			return true;
	return false;
}

/* Ready beats booting (it answers sooner), then the fewer connections. */
static bool better(const struct vm *a, const struct vm *b)
{
	if (!b)
		return true;
	if ((a->state == VM_READY) != (b->state == VM_READY))
		return a->state == VM_READY;
	return a->conns < b->conns;
}

struct vm *vm_pick(void)
{
	struct vm *room = NULL, *least = NULL, *off = NULL;
	for (int i = 0; i < cfg.max_vms; i++) {
		struct vm *vm = &vms[i];
		vm->id = i + 1;
		if (vm->state == VM_OFF && !off)
			off = vm;
		if (vm->state != VM_READY && vm->state != VM_BOOTING)
			continue;
		if (vm->conns < (unsigned)cfg.conns_per_vm && better(vm, room))
			room = vm;
		if (!least || vm->conns < least->conns)
			least = vm;
	}
	if (room)
		return room;
	if (off && vm_boot(off) == 0)
		return off;
	return least;
}

static void vm_ready(struct vm *vm)
{
	vm->state = VM_READY;
	vm->ready_at = serve_now();
	vm->idle_since = vm->ready_at;
	serve_log("vm %d: guest listening %.1f ms after the boot began (boot %u)", vm->id,
		  (vm->ready_at - vm->started) * 1e3, vm->boot_no);
	conn_vm_ready(vm);
}

static void console_line(struct vm *vm, char *line)
{
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\r' || line[n - 1] == '\n'))
		line[--n] = 0;
	fprintf(stderr, "vm %d| %s\n", vm->id, line);
	if (vm->state == VM_BOOTING && !strncmp(line, READY_WORD, strlen(READY_WORD)) &&
	    atoi(line + strlen(READY_WORD)) == cfg.guest_port)
		vm_ready(vm);
}

static void console_close(struct vm *vm)
{
	if (vm->console.fd < 0)
		return;
	if (vm->line_len) {
		vm->line[vm->line_len] = 0;
		console_line(vm, vm->line);
		vm->line_len = 0;
	}
	serve_watch(&vm->console, 0);
	close(vm->console.fd);
	vm->console.fd = -1;
}

void vm_console_event(struct vm *vm)
{
	for (;;) {
		size_t room = sizeof(vm->line) - 1 - vm->line_len;
		ssize_t r = read(vm->console.fd, vm->line + vm->line_len, room);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0 || errno != EAGAIN)
				console_close(vm);
			return;
		}
		vm->line_len += (size_t)r;
		char *nl;
		while ((nl = memchr(vm->line, '\n', vm->line_len))) {
			*nl = 0;
			console_line(vm, vm->line);
			size_t used = (size_t)(nl + 1 - vm->line);
			memmove(vm->line, nl + 1, vm->line_len - used);
			vm->line_len -= used;
		}
		if (vm->line_len == sizeof(vm->line) - 1) { /* a line too long: cut */
			vm->line[vm->line_len] = 0;
			console_line(vm, vm->line);
			vm->line_len = 0;
		}
	}
}

static void describe(int st, char *buf, size_t n)
{
	if (WIFEXITED(st))
		snprintf(buf, n, "status %d", WEXITSTATUS(st));
	else
		snprintf(buf, n, "signal %d", WTERMSIG(st));
}

static void vm_gone(struct vm *vm, int st)
{
	char how[32];
	describe(st, how, sizeof(how));
	if (vm->console.fd >= 0)
		vm_console_event(vm); /* the lines it wrote last, the ready line among them */
	console_close(vm);
	if (vm->failed) {
		/* said when it failed */
	} else if (vm->state == VM_BOOTING) {
		/* Said before the clients see their connection close. */
		int n = conn_vm_waiting(vm);
		serve_log("vm %d: failed to boot: toro run exited (%s) before the guest listened "
			  "on port %d; %d waiting connection%s closed", vm->id, how, cfg.guest_port,
			  n, n == 1 ? "" : "s");
		conn_vm_gone(vm);
	} else if (vm->state == VM_READY) {
		conn_vm_gone(vm);
		serve_log("vm %d: exited (%s) while serving; the next connection boots it again",
			  vm->id, how);
	} else {
		conn_vm_gone(vm);
		serve_log("vm %d: powered off (%s)", vm->id, how);
	}
	vm->state = VM_OFF;
	vm->pid = 0;
}

void vm_reap(void)
{
	int st;
	pid_t pid;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (int i = 0; i < cfg.max_vms; i++)
			if (vms[i].pid == pid && vm_alive(&vms[i]))
				vm_gone(&vms[i], st);
	}
	conn_assign_queued();
}

static void vm_stop(struct vm *vm, double now)
{
	if (vm->state == VM_STOPPING) {
		kill(vm->pid, SIGTERM); /* again: toro run stops QEMU at once */
		return;
	}
	vm->state = VM_STOPPING;
	vm->stop_deadline = now + STOP_GRACE_S;
	kill(vm->pid, SIGTERM);
}

static void boot_timeout(struct vm *vm)
{
	int n = conn_vm_waiting(vm);
	serve_log("vm %d: failed to boot: the guest did not listen on port %d within %g s; "
		  "%d waiting connection%s closed", vm->id, cfg.guest_port, cfg.boot_s, n,
		  n == 1 ? "" : "s");
	conn_vm_gone(vm);
	vm->failed = vm->killed = true;
	vm->state = VM_STOPPING;
	vm->stop_deadline = serve_now() + STOP_GRACE_S;
	/* toro run dies; setpriv's parent-death signal stops QEMU. */
	kill(vm->pid, SIGKILL);
}

/* The milliseconds from now until t, for epoll_wait (at least 1). */
static int ms_until(double now, double t, int cur)
{
	double ms = (t - now) * 1e3 + 1;
	int m = ms < 1 ? 1 : ms > 60000 ? 60000 : (int)ms;
	return cur < 0 || m < cur ? m : cur;
}

int vm_tick(double now)
{
	int next = -1;
	for (int i = 0; i < cfg.max_vms; i++) {
		struct vm *vm = &vms[i];
		if (vm->state == VM_BOOTING) {
			if (now - vm->started >= cfg.boot_s)
				boot_timeout(vm);
			else
				next = ms_until(now, vm->started + cfg.boot_s, next);
		} else if (vm->state == VM_READY && vm->conns == 0) {
			if (now - vm->idle_since >= cfg.idle_s) {
				serve_log("vm %d: no connection for %g s: powering off", vm->id,
					  cfg.idle_s);
				vm_stop(vm, now);
			} else {
				next = ms_until(now, vm->idle_since + cfg.idle_s, next);
			}
		}
		if (vm->state == VM_STOPPING && !vm->killed) {
			if (now >= vm->stop_deadline) {
				serve_log("vm %d: still running %g s after the power-off request: killed",
					  vm->id, STOP_GRACE_S);
				vm->killed = true;
				kill(vm->pid, SIGKILL);
			} else {
				next = ms_until(now, vm->stop_deadline, next);
			}
		}
	}
	return next;
}

bool vm_stop_all(void)
{
	double now = serve_now();
	for (int i = 0; i < cfg.max_vms; i++)
		if (vm_alive(&vms[i]))
			vm_stop(&vms[i], now);
	return !vm_any_alive();
}
