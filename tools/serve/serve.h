/* SPDX-License-Identifier: MIT */
/*
 * toro-serve (`toro serve`, docs/deploy.md "On demand: toro serve"): one
 * epoll loop that accepts clients on a host socket, boots a VM (the QEMU
 * command of `toro run`) for the first of them, relays every byte both ways
 * once the guest listens, and powers the VM off after --idle seconds without
 * a connection.
 *
 * Files: main.c (options, the listening sockets, systemd's LISTEN_FDS, the
 * loop), qemu.c (QEMU's command from `toro run --print-qemu`, starting it,
 * its monitor), vm.c (each VM's life: boot, readiness, idle, power-off),
 * relay.c (one client and its upstream connection). Single-threaded: no
 * locks.
 */
#ifndef TORO_SERVE_H
#define TORO_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "lines.h"

#define SERVE_BUF (64 * 1024)   /* bytes buffered per direction of a connection */
#define SERVE_MAX_VMS 64
#define SERVE_MAX_WORDS 256

struct serve_config {
	const char *image;
	const char *toro;              /* bin/toro, whose run --print-qemu gives QEMU's command */
	const char *machine, *mem, *smp; /* passed to toro run when set */
	int guest_port;                /* the port the program listens on (80) */
	double idle_s;                 /* power off after this long without a connection */
	double boot_s;                 /* a boot that has not listened by then failed */
	int max_vms;
	int conns_per_vm;              /* a VM with this many is busy: boot another */
	char *words[SERVE_MAX_WORDS];  /* after --: toro run's words */
	int nwords;
	double linger_s;               /* toro.linger= in the words (5) */
};

/* What an epoll event points at. */
enum ev_kind { EV_LISTEN, EV_SIGNAL, EV_CONSOLE, EV_CLIENT, EV_UPSTREAM };
struct ev_src {
	enum ev_kind kind;
	void *p;       /* struct vm (console), struct conn (client, upstream) */
	int fd;
	unsigned events; /* registered with epoll, 0: not registered */
};

enum vm_state { VM_OFF, VM_BOOTING, VM_READY, VM_STOPPING };

struct vm {
	int id;                  /* 1..max_vms, in the log */
	enum vm_state state;
	pid_t pid;               /* QEMU */
	int mon_fd;              /* its monitor, once the power-off was asked; -1 */
	int exit_status;         /* from the console's `toro: exit status N`, -1 */
	struct ev_src console;   /* its stdout and stderr (fd -1 once closed) */
	struct line_buf con;     /* the console's unfinished line */
	int host_port;           /* 127.0.0.1:host_port forwards to guest_port */
	unsigned boot_no;        /* boots of any VM so far, this one's number */
	unsigned conns;          /* connections attached */
	double started, ready_at, idle_since, stop_deadline;
	double first_line;       /* its first console line came, 0 none yet */
	double first_client;     /* accept time of the connection that booted it, 0 none */
	bool answered;           /* the first byte of this boot reached a client */
	bool failed;             /* its failure is said: stay quiet when reaped */
	bool killed;             /* SIGKILL sent */
	bool took_request;       /* the guest said it took the power-off request */
	bool term_sent;          /* SIGTERM sent to QEMU */
	double asked_at;         /* the power-off request last made */
};

struct buf {
	char data[SERVE_BUF];
	size_t off, len;
};

enum conn_state { C_WAIT, C_CONNECT, C_OPEN };

struct conn {
	struct conn *prev, *next;
	struct ev_src client, upstream;
	struct vm *vm;           /* NULL while queued for a VM */
	enum conn_state state;
	struct buf up, down;     /* client -> VM, VM -> client */
	bool c_eof, u_eof;       /* read 0 from client / upstream */
	bool up_shut, down_shut; /* the EOF passed on (shutdown SHUT_WR) */
	bool cold;               /* came while its VM booted */
	bool closed;             /* fds closed, to be freed after the batch */
	double accepted;
};

/* main.c */
extern struct serve_config cfg;
extern int serve_epfd;
double serve_now(void);            /* CLOCK_MONOTONIC seconds */
void serve_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Register, change or drop (events 0) an fd's interest in epoll. */
void serve_watch(struct ev_src *s, unsigned events);

/* qemu.c */
/* Once at start: QEMU's command from `toro run --print-qemu` (exits with one
 * line when toro run refuses the options or words). */
void qemu_prepare(void);
void qemu_cleanup(void);
/* Fork QEMU for vm (its host_port and id set), console and stderr on out. */
pid_t qemu_spawn(struct vm *vm, int out);
/* Ask the guest to power off through the monitor. 0 or -errno. */
int qemu_request(struct vm *vm);
/* QEMU has exited: its monitor closed. */
void qemu_closed(struct vm *vm);

/* vm.c */
extern struct vm vms[SERVE_MAX_VMS];
/* The VM for a new connection: a ready or booting one with room, else a new
 * boot, else the least loaded; NULL when every slot is stopping (queue it). */
struct vm *vm_pick(void);
void vm_console_event(struct vm *vm);
/* SIGCHLD: reap `toro run` processes and settle their VMs. */
void vm_reap(void);
/* Timers: boot deadlines, idle power-off, stop deadlines. Returns the
 * milliseconds until the next one is due (-1: none). */
int vm_tick(double now);
/* Ask every running VM to power off (serve is stopping). True when none left. */
bool vm_stop_all(void);
bool vm_any_alive(void);

/* relay.c */
/* Take an accepted client (non-blocking fd): attached to vm_pick()'s VM or queued. */
void conn_new(int fd);
void conn_event(struct ev_src *s, unsigned events);
/* The VM is listening: connect its waiting clients. */
void conn_vm_ready(struct vm *vm);
/* How many connections wait for the VM (conn_vm_gone would close them). */
int conn_vm_waiting(const struct vm *vm);
/* The VM is gone (failed boot or exit): close its connections not yet open;
 * returns how many. */
int conn_vm_gone(struct vm *vm);
/* Give queued connections a VM, when one can be had. */
void conn_assign_queued(void);
/* Free the connections closed during this batch of events (an event later in
 * the batch may still point at one). */
void conn_free_closed(void);

#endif
