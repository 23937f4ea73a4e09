/* SPDX-License-Identifier: MIT */
/* toro-serve's VMs: each is QEMU started with `toro run`'s command for the
 * image (qemu.c), its console (stdout and stderr) on a pipe to serve.
 *
 * Readiness: with QEMU's user networking a connect to the hostfwd port H
 * succeeds as soon as QEMU runs, whether or not the guest listens (slirp
 * accepts, then closes when the guest refuses or never answers), so a connect
 * proves nothing. toro.net.announce makes the kernel print `toro: listening on
 * tcp port G` once listen() has succeeded; from that line on a connection to H
 * reaches the program's listener. Until then clients wait in serve.
 *
 * Power-off: as `toro run` does on SIGTERM: the request through QEMU's
 * monitor, made again each second until the guest says it took it (the
 * program gets SIGTERM, its exit drains its connections, docs/reliability.md);
 * QEMU gets SIGTERM if the guest has not stopped toro.linger + 5 s later,
 * SIGKILL 5 s after that. */
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

#define KILL_AFTER_S 5.0    /* SIGTERM unanswered: SIGKILL */
#define TOOK_WORD "toro: shutdown requested by the host"
#define STATUS_WORD "toro: exit status "
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

static int vm_boot(struct vm *vm)
{
	int p[2];
	vm->host_port = free_port();
	if (vm->host_port < 0 || pipe2(p, O_CLOEXEC) < 0) {
		serve_log("vm %d: cannot boot: %s", vm->id, strerror(errno));
		return -1;
	}
	vm->mon_fd = -1;
	pid_t pid = qemu_spawn(vm, p[1]);
	if (pid < 0) {
		serve_log("vm %d: cannot boot: fork: %s", vm->id, strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	vm->pid = pid;
	vm->state = VM_BOOTING;
	vm->console = (struct ev_src){ .kind = EV_CONSOLE, .p = vm, .fd = p[0] };
	vm->con.len = 0;
	vm->conns = 0;
	vm->started = serve_now();
	vm->first_client = vm->first_line = 0;
	vm->answered = vm->failed = vm->killed = vm->took_request = vm->term_sent = false;
	vm->exit_status = -1;
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
	serve_log("vm %d: guest listening %.1f ms after the boot began, its first console line "
		  "at %.1f ms (boot %u)", vm->id, (vm->ready_at - vm->started) * 1e3,
		  (vm->first_line - vm->started) * 1e3, vm->boot_no);
	conn_vm_ready(vm);
}

static void console_line(struct vm *vm, char *line)
{
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\r' || line[n - 1] == '\n'))
		line[--n] = 0;
	if (!vm->first_line)
		vm->first_line = serve_now();
	fprintf(stderr, "vm %d| %s\n", vm->id, line);
	if (vm->state == VM_BOOTING && !strncmp(line, READY_WORD, strlen(READY_WORD)) &&
	    atoi(line + strlen(READY_WORD)) == cfg.guest_port)
		vm_ready(vm);
	else if (!strncmp(line, TOOK_WORD, strlen(TOOK_WORD)))
		vm->took_request = true;
	else if (!strncmp(line, STATUS_WORD, strlen(STATUS_WORD)))
		vm->exit_status = atoi(line + strlen(STATUS_WORD));
}

static void console_line_cb(void *arg, char *line)
{
	console_line(arg, line);
}

static void console_close(struct vm *vm)
{
	if (vm->console.fd < 0)
		return;
	line_flush(&vm->con, console_line_cb, vm);
	serve_watch(&vm->console, 0);
	close(vm->console.fd);
	vm->console.fd = -1;
}

void vm_console_event(struct vm *vm)
{
	char buf[4096];
	for (;;) {
		ssize_t r = read(vm->console.fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0 || errno != EAGAIN)
				console_close(vm);
			return;
		}
		line_feed(&vm->con, buf, (size_t)r, console_line_cb, vm);
	}
}

/* The program's status as toro run gives it: the kernel's last line when
 * there is one, else QEMU's code with isa-debug-exit's (v << 1) | 1 undone. */
static void describe(const struct vm *vm, int st, char *buf, size_t n)
{
	if (vm->exit_status >= 0)
		snprintf(buf, n, "status %d", vm->exit_status);
	else if (WIFEXITED(st) && (WEXITSTATUS(st) & 1))
		snprintf(buf, n, "status %d", WEXITSTATUS(st) >> 1);
	else if (WIFEXITED(st))
		snprintf(buf, n, "QEMU status %d", WEXITSTATUS(st));
	else
		snprintf(buf, n, "QEMU killed by signal %d", WTERMSIG(st));
}

static void vm_gone(struct vm *vm, int st)
{
	char how[48];
	if (vm->console.fd >= 0)
		vm_console_event(vm); /* the lines it wrote last, the ready line among them */
	console_close(vm);
	qemu_closed(vm);
	describe(vm, st, how, sizeof(how));
	if (vm->failed) {
		/* said when it failed */
	} else if (vm->state == VM_BOOTING) {
		/* Said before the clients see their connection close. */
		int n = conn_vm_waiting(vm);
		serve_log("vm %d: failed to boot: QEMU exited (%s) before the guest listened "
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

/* The milliseconds from now until t, for epoll_wait (at least 1). */
static int ms_until(double now, double t, int cur)
{
	double ms = (t - now) * 1e3 + 1;
	int m = ms < 1 ? 1 : ms > 60000 ? 60000 : (int)ms;
	return cur < 0 || m < cur ? m : cur;
}

static void ask(struct vm *vm, double now)
{
	vm->asked_at = now;
	int e = qemu_request(vm);
	if (e && e != -ENOENT && e != -ECONNREFUSED)
		serve_log("vm %d: power-off request: %s", vm->id, strerror(-e));
}

static void vm_stop(struct vm *vm, double now)
{
	if (vm->state == VM_STOPPING) {
		vm->term_sent = true; /* again: stop QEMU at once */
		kill(vm->pid, SIGTERM);
		return;
	}
	vm->state = VM_STOPPING;
	vm->stop_deadline = now + cfg.linger_s + 5;
	ask(vm, now);
}

/* A stopping VM: the request again each second until the guest took it;
 * SIGTERM to QEMU at the deadline, SIGKILL KILL_AFTER_S later. */
static int stopping_tick(struct vm *vm, double now, int next)
{
	if (vm->killed)
		return next;
	if (now >= vm->stop_deadline) {
		if (!vm->term_sent) {
			serve_log("vm %d: the guest did not stop within %g s: stopping QEMU", vm->id,
				  cfg.linger_s + 5);
			vm->term_sent = true;
			kill(vm->pid, SIGTERM);
		} else {
			serve_log("vm %d: QEMU still running: killed", vm->id);
			vm->killed = true;
			kill(vm->pid, SIGKILL);
			return next;
		}
		vm->stop_deadline = now + KILL_AFTER_S;
	}
	if (!vm->took_request && !vm->term_sent) {
		if (now - vm->asked_at >= 1)
			ask(vm, now);
		next = ms_until(now, vm->asked_at + 1, next);
	}
	return ms_until(now, vm->stop_deadline, next);
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
	kill(vm->pid, SIGKILL);
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
		if (vm->state == VM_STOPPING)
			next = stopping_tick(vm, now, next);
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
