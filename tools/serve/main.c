/* SPDX-License-Identifier: MIT */
/* toro-serve's options, its listening sockets (its own, or systemd's through
 * LISTEN_FDS/LISTEN_PID, sd_listen_fds(3)'s protocol: fds from 3 on) and the
 * epoll loop. `bin/toro serve` execs it with TORO_BIN set to itself. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "serve.h"

#define MAX_LISTEN 16

struct serve_config cfg = {
	.guest_port = 80, .idle_s = 60, .boot_s = 30, .max_vms = 1, .conns_per_vm = 32,
	.linger_s = 5,
};
int serve_epfd = -1;
static struct ev_src listeners[MAX_LISTEN];
static int nlisten;
static struct ev_src sigsrc;
static bool stopping;

static const char usage_text[] =
	"usage: toro serve --listen HOST:PORT [--idle S] [--max-vms N] [--port GUESTPORT]\n"
	"                  [--conns-per-vm C] [--boot-timeout S] [--machine M] [--mem MIB]\n"
	"                  [--smp N] IMAGE [-- WORDS...]\n"
	"Boots IMAGE (as toro run) for the first connection to HOST:PORT, relays every\n"
	"connection to the guest's GUESTPORT (80), powers the VM off after S seconds\n"
	"(60) without a connection and boots it again on the next. --max-vms N (1):\n"
	"another VM boots when every running one holds C (32) connections. Without\n"
	"--listen the socket comes from systemd (LISTEN_FDS). WORDS go to toro run\n"
	"after its --. Details: docs/deploy.md, \"On demand: toro serve\".\n";

double serve_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void serve_log(const char *fmt, ...)
{
	char line[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "toro serve: %s\n", line);
}

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	char line[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "toro serve: %s\n", line);
	exit(2);
}

void serve_watch(struct ev_src *s, unsigned events)
{
	if (s->fd < 0 || events == s->events)
		return;
	struct epoll_event ev = { .events = events, .data.ptr = s };
	int op = !s->events ? EPOLL_CTL_ADD : events ? EPOLL_CTL_MOD : EPOLL_CTL_DEL;
	if (epoll_ctl(serve_epfd, op, s->fd, &ev) < 0)
		serve_log("epoll_ctl: %s", strerror(errno));
	s->events = events;
}

/* A number in [lo, hi]: else the one-line error. */
static double number(const char *opt, const char *v, double lo, double hi)
{
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	if (!*v || *end || errno || d < lo || d > hi)
		die("bad %s '%s' (a number from %g to %g)", opt, v, lo, hi);
	return d;
}

static bool is_uint(const char *v)
{
	if (!*v)
		return false;
	for (; *v; v++)
		if (*v < '0' || *v > '9')
			return false;
	return true;
}

static const char *value(int argc, char **argv, int *i)
{
	const char *a = argv[*i], *eq = strchr(a, '=');
	if (a[0] == '-' && a[1] == '-' && eq)
		return eq + 1;
	if (*i + 1 >= argc)
		die("%s needs a value", a);
	return argv[++*i];
}

static bool opt_is(const char *a, const char *name)
{
	size_t n = strlen(name);
	return !strncmp(a, name, n) && (a[n] == 0 || a[n] == '=');
}

static void check_values(void)
{
	if (!cfg.image)
		die("no image given (toro serve --listen HOST:PORT IMAGE)");
	struct stat st;
	if (stat(cfg.image, &st) < 0 || !S_ISREG(st.st_mode))
		die("image '%s' not found", cfg.image);
	if (cfg.machine && strcmp(cfg.machine, "pc") && strcmp(cfg.machine, "q35") &&
	    strcmp(cfg.machine, "microvm"))
		die("unknown machine '%s' (pc, q35, microvm)", cfg.machine);
	if (cfg.smp && (!is_uint(cfg.smp) || cfg.smp[0] == '0'))
		die("bad --smp '%s'", cfg.smp);
	if (cfg.mem) {
		size_t n = strlen(cfg.mem);
		char last = n ? cfg.mem[n - 1] : 0;
		char digits[32];
		snprintf(digits, sizeof(digits), "%.*s", (int)(n - (last == 'M' || last == 'G')), cfg.mem);
		if (!is_uint(digits))
			die("bad --mem '%s' (MiB, or with an M/G suffix)", cfg.mem);
	}
}

static void parse_args(int argc, char **argv, const char **listen_at)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			for (i++; i < argc; i++) {
				if (cfg.nwords >= SERVE_MAX_WORDS - 1)
					die("more than %d words after --", SERVE_MAX_WORDS - 1);
				cfg.words[cfg.nwords++] = argv[i];
				if (!strncmp(argv[i], "toro.linger=", 12) && is_uint(argv[i] + 12))
					cfg.linger_s = atof(argv[i] + 12);
			}
			break;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage_text, stdout);
			exit(0);
		} else if (opt_is(a, "--listen")) {
			*listen_at = value(argc, argv, &i);
		} else if (opt_is(a, "--idle")) {
			cfg.idle_s = number("--idle", value(argc, argv, &i), 0, 1e6);
		} else if (opt_is(a, "--boot-timeout")) {
			cfg.boot_s = number("--boot-timeout", value(argc, argv, &i), 0.1, 3600);
		} else if (opt_is(a, "--max-vms")) {
			cfg.max_vms = (int)number("--max-vms", value(argc, argv, &i), 1, SERVE_MAX_VMS);
		} else if (opt_is(a, "--conns-per-vm")) {
			cfg.conns_per_vm = (int)number("--conns-per-vm", value(argc, argv, &i), 1, 1e6);
		} else if (opt_is(a, "--port")) {
			cfg.guest_port = (int)number("--port", value(argc, argv, &i), 1, 65535);
		} else if (opt_is(a, "--machine")) {
			cfg.machine = value(argc, argv, &i);
		} else if (opt_is(a, "--mem")) {
			cfg.mem = value(argc, argv, &i);
		} else if (opt_is(a, "--smp")) {
			cfg.smp = value(argc, argv, &i);
		} else if (a[0] == '-' && a[1]) {
			die("unknown option '%s' (toro serve --help)", a);
		} else if (cfg.image) {
			die("more than one image given ('%s', '%s')", cfg.image, a);
		} else {
			cfg.image = a;
		}
	}
	check_values();
}

/* systemd's sockets: LISTEN_PID is ours, LISTEN_FDS of them from fd 3. The
 * variables are removed so that toro run and QEMU do not see them. */
static int systemd_fds(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	int n = 0;
	if (pid && fds && is_uint(pid) && is_uint(fds) && atol(pid) == (long)getpid())
		n = atoi(fds);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (n > MAX_LISTEN)
		die("LISTEN_FDS=%d: at most %d sockets", n, MAX_LISTEN);
	for (int i = 0; i < n; i++) {
		int fd = 3 + i, acc = 0;
		socklen_t len = sizeof(acc);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) < 0 || !acc)
			die("LISTEN_FDS: fd %d is not a listening socket", fd);
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		listeners[nlisten++] = (struct ev_src){ .kind = EV_LISTEN, .fd = fd };
	}
	return n;
}

/* HOST:PORT ([v6]:PORT too): one listening socket. */
static void listen_on(const char *at)
{
	char host[256];
	const char *colon = strrchr(at, ':');
	if (!colon || colon == at || !is_uint(colon + 1) || atol(colon + 1) > 65535 ||
	    (size_t)(colon - at) >= sizeof(host))
		die("bad --listen '%s' (HOST:PORT, e.g. 127.0.0.1:8080)", at);
	snprintf(host, sizeof(host), "%.*s", (int)(colon - at), at);
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = 0;
	}
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE }, *ai;
	int e = getaddrinfo(host, colon + 1, &hints, &ai);
	if (e)
		die("cannot listen on %s: %s", at, gai_strerror(e));
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
	if (fd < 0)
		die("cannot listen on %s: %s", at, strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 1024) < 0)
		die("cannot listen on %s: %s", at, strerror(errno));
	freeaddrinfo(ai);
	listeners[nlisten++] = (struct ev_src){ .kind = EV_LISTEN, .fd = fd };
}

/* qemu-system-x86_64 on PATH, checked here so that a missing QEMU is one line
 * at start rather than a failed boot per connection. */
static void check_qemu(void)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];
	for (const char *p = path ? path : ""; *p;) {
		size_t n = strcspn(p, ":");
		snprintf(buf, sizeof(buf), "%.*s/qemu-system-x86_64", (int)n, p);
		if (n && access(buf, X_OK) == 0)
			return;
		p += n + (p[n] == ':');
	}
	die("qemu-system-x86_64 missing: apt-get install qemu-system-x86");
}

static void find_toro(const char *argv0)
{
	static char buf[PATH_MAX];
	cfg.toro = getenv("TORO_BIN");
	if (cfg.toro && *cfg.toro)
		return;
	/* build/tools/toro-serve -> bin/toro */
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		die("cannot find bin/toro from %s: set TORO_BIN", argv0);
	self[n] = 0;
	snprintf(buf, sizeof(buf), "%s/../../bin/toro", dirname(self));
	if (access(buf, X_OK) < 0)
		die("cannot find bin/toro (%s): set TORO_BIN", buf);
	cfg.toro = buf;
}

static void on_listen(struct ev_src *s)
{
	for (int k = 0; k < 64; k++) {
		int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				serve_log("accept: %s", strerror(errno));
			return;
		}
		conn_new(fd);
	}
}

static void begin_stop(void)
{
	if (stopping) {
		vm_stop_all(); /* a second signal: toro run stops QEMU at once */
		return;
	}
	stopping = true;
	serve_log("stopping: powering off %s", vm_any_alive() ? "the VMs" : "(no VM running)");
	for (int i = 0; i < nlisten; i++) {
		serve_watch(&listeners[i], 0);
		close(listeners[i].fd);
	}
	nlisten = 0;
	vm_stop_all();
}

static void on_signal(void)
{
	struct signalfd_siginfo si;
	while (read(sigsrc.fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			vm_reap();
		else
			begin_stop();
	}
}

static void setup(int argc, char **argv)
{
	const char *listen_at = NULL;
	parse_args(argc, argv, &listen_at);
	find_toro(argv[0]);
	int from_systemd = systemd_fds();
	if (!from_systemd && !listen_at)
		die("--listen HOST:PORT is needed (or a socket from systemd: LISTEN_FDS)");
	check_qemu();
	if (!from_systemd)
		listen_on(listen_at);
	qemu_prepare();
	serve_epfd = epoll_create1(EPOLL_CLOEXEC);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigsrc = (struct ev_src){ .kind = EV_SIGNAL,
				  .fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC) };
	if (serve_epfd < 0 || sigsrc.fd < 0)
		die("epoll/signalfd: %s", strerror(errno));
	serve_watch(&sigsrc, EPOLLIN);
	for (int i = 0; i < nlisten; i++)
		serve_watch(&listeners[i], EPOLLIN);
	setvbuf(stderr, NULL, _IOLBF, 0);
	serve_log("%s %s: %s; guest port %d, idle %gs, max %d VM%s",
		  from_systemd ? "socket from systemd" : "listening on",
		  from_systemd ? "(LISTEN_FDS)" : listen_at, cfg.image, cfg.guest_port,
		  cfg.idle_s, cfg.max_vms, cfg.max_vms > 1 ? "s" : "");
}

int main(int argc, char **argv)
{
	setup(argc, argv);
	struct epoll_event evs[64];
	for (;;) {
		int wait_ms = vm_tick(serve_now());
		if (stopping && !vm_any_alive())
			break;
		int n = epoll_wait(serve_epfd, evs, 64, wait_ms);
		for (int i = 0; i < n; i++) {
			struct ev_src *s = evs[i].data.ptr;
			switch (s->kind) {
			case EV_LISTEN: on_listen(s); break;
			case EV_SIGNAL: on_signal(); break;
			case EV_CONSOLE: vm_console_event(s->p); break;
			case EV_CLIENT:
			case EV_UPSTREAM: conn_event(s, evs[i].events); break;
			}
		}
		conn_free_closed();
	}
	qemu_cleanup();
	serve_log("stopped");
	return 0;
}
