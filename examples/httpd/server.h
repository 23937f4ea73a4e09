/* SPDX-License-Identifier: MIT */
/*
 * A small HTTP/1.1 server core shared by examples/httpd and examples/kv: one
 * listening socket, one thread per core, each with its own epoll set and its
 * own connections (non-blocking, keep-alive, pipelining, lingering close),
 * the access log, and the debug endpoints the network tests read. The
 * program gives a handler that answers each request with srv_respond.
 */
#ifndef SERVER_H
#define SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "http.h"

struct srv_conn;

/* Called once per request, on the thread that owns the connection; must
 * call srv_respond (or srv_respond_text) exactly once before returning. The
 * request and body stay valid only during the call. */
typedef void (*srv_handler_fn)(struct srv_conn *c, const struct http_request *r,
			       const char *body, size_t len);

struct srv_config {
	const char *name;       /* for console lines: "httpd" */
	int port;               /* TCP port (set by srv_args from --port) */
	bool quiet;             /* no access log (--quiet) */
	bool debug;             /* /debug/fds, /debug/stats, /debug/exit (--debug) */
	size_t max_body;        /* a larger Content-Length gets 413 */
	/* Timers in seconds (srv_args sets them from --header-timeout and
	 * --idle; 0 there means the default): a request head must arrive whole
	 * within header_timeout of its first byte, else 408 and close; a
	 * connection with no request under way is closed after idle seconds
	 * without a byte either way. */
	unsigned header_timeout;
	unsigned idle;
	/* Serving threads (--threads): 0 means one per core; more than the
	 * cores are not used. */
	unsigned threads;
	srv_handler_fn handler;
	/* The program's own options: given argv[i], the number of words it
	 * took (0: not its option); NULL for none. `usage` lists them. */
	int (*option)(int argc, char **argv, int i);
};

struct srv_reply {
	int status;
	const char *type;       /* Content-Type, or NULL for none */
	const char *headers;    /* extra header lines, each ending in "\r\n", or NULL */
	const void *body;
	size_t len;
	bool copy;              /* copy the body now (at most SRV_COPY_MAX bytes) */
	/* A body that is not copied is sent from where it is: it must stay valid
	 * until release(arg) is called (once, when sent or dropped; NULL release
	 * for data that never goes away). */
	void (*release)(void *arg);
	void *arg;
	/* A body read from an open file instead (from_file): `len` bytes from
	 * offset `off` of descriptor `fd`, sent with sendfile; the server closes
	 * fd when it is sent or dropped. */
	bool from_file;
	int fd;
	long long off;
};

#define SRV_COPY_MAX 1024

#define SRV_HEADER_TIMEOUT 10 /* seconds, the default of --header-timeout */
#define SRV_IDLE 30           /* seconds, the default of --idle */

/* Reads --port N, --quiet, --debug, --header-timeout S, --idle S and --help
 * into cfg (whose port holds the default); prints the usage (cfg->name, then
 * `usage`) and exits for --help (0) or a bad argument (2). */
void srv_args(struct srv_config *cfg, int argc, char **argv, const char *usage);

/* Listens on cfg->port and serves on every core; returns only on failure
 * (an exit status) or exits the program for /debug/exit. Connections are
 * kept within the descriptors the program may open (RLIMIT_NOFILE less a
 * margin): beyond them, and when accept or malloc finds no memory, the
 * oldest idle connections are closed to make room, then the oldest
 * unfinished request heads (408). */
int srv_run(const struct srv_config *cfg);

void srv_respond(struct srv_conn *c, const struct srv_reply *rep);

/* A short text/plain reply, copied. */
void srv_respond_text(struct srv_conn *c, int status, const char *text);

#endif
