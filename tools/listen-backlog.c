/* SPDX-License-Identifier: MIT */
/* listen-backlog.so: preloaded into QEMU by bin/toro (LD_PRELOAD), raises the
 * backlog of QEMU's listening sockets to at least TORO_QEMU_BACKLOG (default
 * 128).
 *
 * Why: QEMU's user networking (libslirp) listens on each hostfwd port with a
 * backlog of 1, so the host kernel queues at most two connections that slirp
 * has not accepted yet. When more clients connect at once (redis-benchmark's
 * 50, wrk's), the host drops their SYNs or their handshake's last ACK; they
 * come in one or two at a time as the clients' retransmission timers fire
 * (1, 3, 7, 15, 31, 63 s), and a benchmark waiting for all of them seems to
 * hang. The guest never sees those connections, whichever kernel it runs
 * (docs/network.md, "Many connections at once through hostfwd"). With a
 * real backlog the host holds them until slirp's loop accepts each.
 *
 * Only the backlog changes: a larger one asked for is kept, and the host
 * kernel caps it at net.core.somaxconn as usual. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>

typedef int (*listen_fn)(int, int);

static int wanted_backlog(void)
{
	const char *s = getenv("TORO_QEMU_BACKLOG");
	if (!s || !*s)
		return 128;
	char *end;
	long v = strtol(s, &end, 10);
	if (*end || v < 0 || v > 65535)
		return 128;
	return (int)v;
}

int listen(int fd, int backlog)
{
	static listen_fn real;
	static int want = -1;
	if (!real) {
		real = (listen_fn)dlsym(RTLD_NEXT, "listen");
		if (!real) {
			errno = ENOSYS;
			return -1;
		}
	}
	if (want < 0)
		want = wanted_backlog();
	return real(fd, backlog < want ? want : backlog);
}
