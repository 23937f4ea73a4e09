/* SPDX-License-Identifier: MIT */
/*
 * virtio console device (virtio 1.2, 5.3): a second console (/dev/hvc0, which
 * also gets everything the kernel console prints) and named host channels
 * (/dev/virtio-ports/NAME, /dev/vportNpM) with VIRTIO_CONSOLE_F_MULTIPORT.
 * The control messages are decoded and checked in console_ctrl.c. QEMU:
 *   -device virtio-serial-pci -chardev file,id=c0,path=out.txt -device virtconsole,chardev=c0
 *   -chardev socket,id=c1,path=s.sock,server=on,wait=off -device virtserialport,chardev=c1,name=NAME
 * (virtio-serial-device on microvm). See docs/devices.md.
 */
#include <k/arch.h>
#include <k/component.h>
#include <k/console.h>
#include <k/kstats.h>
#include <k/errno.h>
#include <k/fd.h>
#include <k/fmt.h>
#include <k/kheap.h>
#include <k/pmm.h>
#include <k/proc.h>
#include <k/poll.h>
#include <k/string.h>
#include <k/syscall.h>
#include <k/wait.h>

#include "console_impl.h"

/* Waits are bounded by polls, not by the clock: the first clock read costs a
 * program that never reads it the TSC calibration (10 ms under TCG). */
#define SETTLE_POLLS (1u << 22)  /* attach polls the control queues this often */
#define MIRROR_SPINS (1u << 16)  /* the kernel console gives up on a busy port */
#define MIRROR_POLLS (1u << 20)  /* ... and on a device that does not take its bytes */
#define TCGETS 0x5401
#define TIOCGWINSZ 0x5413
#define HVC_MAJOR 229
#define VPORT_MAJOR 240

_Static_assert(3 + 2 * VCON_MAX_PORTS <= VIRTIO_MAX_QUEUES, "virtio-console queues");
_Static_assert(VCON_RX_BUFS * VCON_RX_SIZE + VCON_TX_BUFS * VCON_TX_SIZE <= PAGE_SIZE, "port page");
_Static_assert(VCON_CRX_BUFS * VCON_CRX_SIZE <= PAGE_SIZE, "control page");

static struct vcon *devs[VCON_MAX_DEVS];
static unsigned ndevs;                /* written at attach, in the boot context */
static struct vcon_port *mirror_port; /* /dev/hvc0, the kernel console's copy */

/* What an interrupt or a call found to say and whom to tell, done after the
 * lock is dropped (the console's mirror takes that lock). */
struct note {
	char line[160];
	struct file *files[VCON_MAX_OPENS];
	unsigned nfiles;
};

static void note_files(struct note *n, struct vcon_port *p)
{
	for (unsigned i = 0; i < p->p_nopen; i++)
		n->files[n->nfiles++] = p->p_files[i];
}

static void note_done(struct note *n)
{
	if (n->line[0])
		kprintf("%s\n", n->line);
	for (unsigned i = 0; i < n->nfiles; i++)
		file_notify(n->files[i]);
}

/* Queue indexes (5.3.2): port 0 is 0/1, control 2/3, port n 2n+2/2n+3. */
static uint16_t rx_index(uint32_t port)
{
	return (uint16_t)(port == 0 ? 0 : 2 * port + 2);
}

/* ---- port data ---- */

static uint8_t *rx_buf(struct vcon_port *p, unsigned i)
{
	return p->p_page + i * VCON_RX_SIZE;
}

static void rx_post(struct vcon_port *p, unsigned i)
{
	struct virtq_seg seg = { (uintptr_t)rx_buf(p, i), VCON_RX_SIZE, true };

	virtq_add(p->p_rxq, &seg, 1, rx_buf(p, i));
}

/* Buffered data goes back to the device (a port removed). */
static void rx_drop(struct vcon_port *p)
{
	while (p->p_rx_count) {
		rx_post(p, p->p_rx_order[p->p_rx_head]);
		p->p_rx_head = (p->p_rx_head + 1) % VCON_RX_BUFS;
		p->p_rx_count--;
	}
	p->p_rx_off = 0;
	virtq_kick(p->p_rxq);
}

/* The shutdown port's bytes (under the lock): its requests counted, a line
 * that was none said on the console (the first few). */
static uint32_t shutdown_bytes(struct vcon_port *p, const uint8_t *b, uint32_t len, struct note *n)
{
	uint32_t unknown = 0, requests = vcon_lines_feed(&p->p_lines, b, len, &unknown);

	if (unknown && p->p_bad_lines < VCON_BAD_REQUESTS)
		fmt_snprintf(n->line, sizeof(n->line),
			     "toro: %s: '%s' is no request (the host may write \"shutdown\")",
			     VCON_SHUTDOWN_PORT, p->p_lines.bad);
	p->p_bad_lines += unknown;
	return requests;
}

/* Interrupt context: received data is queued for readers in arrival order;
 * the shutdown port's is read here. */
static void port_rx_intr(struct virtq *vq)
{
	struct vcon_port *p = vq->vq_owner;
	struct vcon *sc = p->p_sc;
	struct note n = { .line = "" };
	bool got = false, repost = false;
	uint32_t len, requests = 0;
	void *c;

	spin_lock(&sc->sc_lock);
	while ((c = virtq_get(vq, &len)) != NULL || !virtq_intr_enable(vq)) {
		if (c == NULL)
			continue;
		unsigned i = (unsigned)(((uint8_t *)c - p->p_page) / VCON_RX_SIZE);
		if (p->p_shutdown && len <= VCON_RX_SIZE)
			requests += shutdown_bytes(p, c, len, &n);
		if (len == 0 || !sc->sc_st[p->p_id].added || p->p_shutdown) {
			rx_post(p, i);
			repost = true;
			continue;
		}
		p->p_rx_order[(p->p_rx_head + p->p_rx_count) % VCON_RX_BUFS] = (uint8_t)i;
		p->p_rx_len[i] = len;
		p->p_rx_count++;
		got = true;
	}
	if (repost)
		virtq_kick(vq);
	if (got) {
		kwake(p, KWAKE_ALL);
		note_files(&n, p);
	}
	spin_unlock(&sc->sc_lock);
	note_done(&n);
	if (requests)
		proc_shutdown_request("virtio-console " VCON_SHUTDOWN_PORT);
}

/* Buffers the device has taken back on the free stack (sc_lock held). A
 * writer may be waiting for exactly these (port_write) and their interrupt
 * will find nothing left to take: whoever reaps wakes the writers. The
 * console's copy reaps while it polls, and without this a blocked writer of
 * /dev/hvc0 slept for good when a kernel line came during its write. */
static void tx_reap(struct vcon_port *p)
{
	uint32_t len;
	void *c;
	bool got = false;

	while ((c = virtq_get(p->p_txq, &len)) != NULL) {
		p->p_tx_free[p->p_ntx_free++] = c;
		got = true;
	}
	if (got)
		kwake(&p->p_txq, KWAKE_ALL);
}

/* Interrupt context: transmit buffers back; writers waiting for one go on. */
static void port_tx_intr(struct virtq *vq)
{
	struct vcon_port *p = vq->vq_owner;
	struct vcon *sc = p->p_sc;
	struct note n = { .line = "" };
	uint32_t len;
	void *c;

	spin_lock(&sc->sc_lock);
	bool was_full = p->p_ntx_free == 0, got = false;
	while ((c = virtq_get(vq, &len)) != NULL || !virtq_intr_enable(vq)) {
		if (c == NULL)
			continue;
		p->p_tx_free[p->p_ntx_free++] = c;
		got = true;
	}
	/* Writers wait for room, or for the device to take their bytes. */
	if (got)
		kwake(&p->p_txq, KWAKE_ALL);
	if (was_full && got)
		note_files(&n, p);
	spin_unlock(&sc->sc_lock);
	note_done(&n);
}

/* Copy as much of s as the free transmit buffers hold to the device ('\n'
 * as "\r\n" on a console, as COM1 gets it); the bytes of s taken. */
static size_t tx_fill(struct vcon_port *p, const char *s, size_t len, bool crlf)
{
	size_t used = 0;
	bool added = false;

	tx_reap(p);
	while (used < len && p->p_ntx_free > 0) {
		uint8_t *b = p->p_tx_free[p->p_ntx_free - 1];
		size_t start = used;
		uint32_t k = 0;

		while (used < len && k < VCON_TX_SIZE) {
			if (crlf && s[used] == '\n') {
				if (k + 2 > VCON_TX_SIZE)
					break;
				b[k++] = '\r';
			}
			b[k++] = (uint8_t)s[used++];
		}
		struct virtq_seg seg = { (uintptr_t)b, k, false };
		if (virtq_add(p->p_txq, &seg, 1, b) != 0) {
			used = start;
			break;
		}
		p->p_ntx_free--;
		added = true;
	}
	if (added)
		virtq_kick(p->p_txq);
	return used;
}

/* ---- control queue ---- */

static int ctrl_send(struct vcon *sc, uint32_t id, uint16_t event, uint16_t value)
{
	struct virtq_seg seg;
	uint32_t len;
	void *c;

	while ((c = virtq_get(sc->sc_ctxq, &len)) != NULL)
		sc->sc_ctx_free[sc->sc_nctx_free++] = c;
	if (sc->sc_nctx_free == 0)
		return -EAGAIN;
	uint8_t *b = sc->sc_ctx_free[--sc->sc_nctx_free];
	vcon_ctrl_encode(b, id, event, value);
	seg = (struct virtq_seg){ (uintptr_t)b, VCON_CTRL_LEN, false };
	int r = virtq_add(sc->sc_ctxq, &seg, 1, b);
	if (r != 0) {
		sc->sc_ctx_free[sc->sc_nctx_free++] = b;
		return r;
	}
	virtq_kick(sc->sc_ctxq);
	return 0;
}

static void bad_msg(struct vcon *sc, struct note *n, const struct vcon_msg *m, const char *why)
{
	sc->sc_bad++;
	if (sc->sc_bad <= VCON_BAD_LINES)
		fmt_snprintf(n->line, sizeof(n->line),
			     "toro: virtio-console at %s: control message (port %u, event %u) refused: %s",
			     sc->sc_dev->vd_where, m->id, m->event, why);
	if (sc->sc_bad == VCON_BAD_LINES + 1)
		fmt_snprintf(n->line, sizeof(n->line),
			     "toro: virtio-console at %s: more bad control messages, not shown",
			     sc->sc_dev->vd_where);
}

static void console_up(struct vcon *sc, struct vcon_port *p, struct note *n);

/* The shutdown port appeared: the kernel opens it towards the device (QEMU
 * passes input only to an open port) and keeps it (the program cannot open
 * it). A second one on any device is one more way to ask. */
static void shutdown_port_up(struct vcon *sc, struct vcon_port *p, struct note *n)
{
	if (sc->sc_multiport && p->p_nopen == 0 && ctrl_send(sc, p->p_id, VCON_PORT_OPEN, 1) != 0) {
		fmt_snprintf(n->line, sizeof(n->line),
			     "toro: virtio-console port %u: no room on the control queue to open it",
			     p->p_id);
		return;
	}
	p->p_shutdown = true;
	fmt_snprintf(n->line, sizeof(n->line),
		     "toro: virtio-console port %u: %s (shutdown requests from the host)", p->p_id,
		     VCON_SHUTDOWN_PORT);
}

/* One control message, under the lock: check it, change the port's state,
 * answer the device, and say what happened. */
static void ctrl_handle(struct vcon *sc, const uint8_t *buf, uint32_t len, struct note *n)
{
	struct vcon_msg m;
	const char *why = "";
	int act = vcon_ctrl_parse(buf, len, VCON_CRX_SIZE, sc->sc_nports, &m, &why);

	if (act == 0)
		act = vcon_ctrl_apply(sc->sc_st, sc->sc_nports, &m, &why);
	if (act < 0) {
		bad_msg(sc, n, &m, why);
		return;
	}
	struct vcon_port *p = &sc->sc_port[m.id];
	if ((act & VCON_ACT_PORT_READY) && ctrl_send(sc, m.id, VCON_PORT_READY, 1) != 0)
		bad_msg(sc, n, &m, "no room on the control queue for PORT_READY");
	if (act & VCON_ACT_CONSOLE)
		console_up(sc, p, n);
	if ((act & VCON_ACT_NAMED) && !strcmp(sc->sc_st[m.id].name, VCON_SHUTDOWN_PORT))
		shutdown_port_up(sc, p, n);
	else if (act & VCON_ACT_NAMED)
		fmt_snprintf(n->line, sizeof(n->line),
			     "toro: virtio-console port %u: /dev/virtio-ports/%s (/dev/vport%up%u)",
			     m.id, sc->sc_st[m.id].name, sc->sc_index, m.id);
	if (act & VCON_ACT_REMOVED) {
		rx_drop(p);
		if (__atomic_load_n(&mirror_port, __ATOMIC_ACQUIRE) == p)
			__atomic_store_n(&mirror_port, NULL, __ATOMIC_RELEASE);
		fmt_snprintf(n->line, sizeof(n->line), "toro: virtio-console port %u: removed", m.id);
	}
	if (act & (VCON_ACT_HOST | VCON_ACT_REMOVED)) {
		kwake(p, KWAKE_ALL);
		kwake(&p->p_txq, KWAKE_ALL);
		note_files(n, p);
	}
}

/* The control queues, from either one's interrupt: take back what the device
 * consumed, then handle its messages one at a time (printing and notifying
 * between them, without the lock). QEMU writes its answers to a message
 * before it marks the message used, so with nothing of ours in flight and no
 * message waiting, the device has said all it had to say: settled. */
static void ctrl_service(struct vcon *sc)
{
	for (;;) {
		struct note n = { .line = "" };
		uint32_t len;
		void *c;

		spin_lock(&sc->sc_lock);
		while ((c = virtq_get(sc->sc_ctxq, &len)) != NULL || !virtq_intr_enable(sc->sc_ctxq))
			if (c != NULL)
				sc->sc_ctx_free[sc->sc_nctx_free++] = c;
		bool idle = virtq_in_flight(sc->sc_ctxq) == 0;
		c = virtq_get(sc->sc_crxq, &len);
		if (c == NULL && !virtq_intr_enable(sc->sc_crxq)) {
			spin_unlock(&sc->sc_lock);
			continue;
		}
		if (c == NULL) {
			if (idle)
				sc->sc_settled = true;
			spin_unlock(&sc->sc_lock);
			return;
		}
		ctrl_handle(sc, c, len, &n);
		struct virtq_seg seg = { (uintptr_t)c, VCON_CRX_SIZE, true };
		virtq_add(sc->sc_crxq, &seg, 1, c);
		virtq_kick(sc->sc_crxq);
		spin_unlock(&sc->sc_lock);
		note_done(&n);
	}
}

static void ctrl_intr(struct virtq *vq)
{
	ctrl_service(vq->vq_owner);
}

/* ---- the kernel console's copy ---- */

/* QEMU takes queue notifications in its I/O thread: what is still queued when
 * the program exits (or the kernel panics) and the VM powers off is lost. So
 * the console's copy waits until the device has taken it, as a serial console
 * waits for its UART; a device that takes nothing for MIRROR_POLLS polls is
 * not waited for again until it has caught up. */
static void mirror_drain(struct vcon_port *p)
{
	if (p->p_slow && virtq_in_flight(p->p_txq) != 0)
		return;
	p->p_slow = false;
	for (unsigned polls = 0; virtq_in_flight(p->p_txq) != 0; polls++) {
		if (polls == MIRROR_POLLS) {
			p->p_slow = true;
			return;
		}
		arch_pause();
		tx_reap(p);
	}
}

/* Called by console_write with the console lock held, from any context: what
 * does not fit in the free buffers is dropped. */
static void vcon_mirror(const char *s, size_t len)
{
	struct vcon_port *p = __atomic_load_n(&mirror_port, __ATOMIC_ACQUIRE);
	unsigned spins = 0;

	if (p == NULL)
		return;
	/* Bounded: a crash report printed while this core holds the lock must
	 * still reach COM1. */
	while (!spin_trylock(&p->p_sc->sc_lock)) {
		if (++spins == MIRROR_SPINS)
			return;
		smp_poll();
		arch_pause();
	}
	if (p->p_sc->sc_st[p->p_id].added) {
		p->p_dropped += (uint32_t)(len - tx_fill(p, s, len, true));
		mirror_drain(p);
	}
	spin_unlock(&p->p_sc->sc_lock);
}

/* A console port is up: open it towards the device (QEMU passes input only
 * to an open port) and make it /dev/hvc0 if there is none yet. */
static void console_up(struct vcon *sc, struct vcon_port *p, struct note *n)
{
	struct vcon_port *none = NULL;

	if (sc->sc_multiport && ctrl_send(sc, p->p_id, VCON_PORT_OPEN, 1) != 0)
		fmt_snprintf(n->line, sizeof(n->line),
			     "toro: virtio-console port %u: no room on the control queue to open it",
			     p->p_id);
	else if (__atomic_compare_exchange_n(&mirror_port, &none, p, false, __ATOMIC_ACQ_REL,
					     __ATOMIC_ACQUIRE)) {
		console_set_mirror(vcon_mirror);
		fmt_snprintf(n->line, sizeof(n->line), "toro: virtio-console port %u: console /dev/hvc0",
			     p->p_id);
	} else {
		fmt_snprintf(n->line, sizeof(n->line),
			     "toro: virtio-console port %u: console (not /dev/hvc0: there is one)", p->p_id);
	}
}

/* ---- files ---- */

static long port_read(struct file *f, void *buf, size_t n)
{
	struct vcon_port *p = f->priv;
	struct vcon *sc = p->p_sc;
	const struct vcon_port_state *st = &sc->sc_st[p->p_id];
	size_t done = 0;
	long r = 0;

	if (n == 0)
		return 0;
	spin_lock(&sc->sc_lock);
	while (p->p_rx_count == 0) {
		/* End of file: the port went away, or the host closed its end
		 * (a kernel service's read waits for the host instead). */
		if (!st->added ||
		    (!st->console && !st->host_open && !(f->flags & VCON_O_WAIT_HOST)))
			goto out;
		if (f->flags & O_NONBLOCK) {
			r = -EAGAIN;
			goto out;
		}
		if (kwait_intr(p, &sc->sc_lock, 0) == -EINTR) {
			r = -EINTR;
			goto out;
		}
	}
	while (done < n && p->p_rx_count) {
		unsigned i = p->p_rx_order[p->p_rx_head];
		size_t take = p->p_rx_len[i] - p->p_rx_off;

		if (take > n - done)
			take = n - done;
		memcpy((uint8_t *)buf + done, rx_buf(p, i) + p->p_rx_off, take);
		done += take;
		p->p_rx_off += (uint32_t)take;
		if (p->p_rx_off < p->p_rx_len[i])
			break;
		p->p_rx_off = 0;
		p->p_rx_head = (p->p_rx_head + 1) % VCON_RX_BUFS;
		p->p_rx_count--;
		rx_post(p, i);
		virtq_kick(p->p_rxq);
	}
	r = (long)done;
out:
	spin_unlock(&sc->sc_lock);
	return r;
}

static bool tx_idle(struct vcon_port *p)
{
	tx_reap(p);
	return virtq_in_flight(p->p_txq) == 0;
}

static long port_write(struct file *f, const void *buf, size_t n)
{
	struct vcon_port *p = f->priv;
	struct vcon *sc = p->p_sc;
	const struct vcon_port_state *st = &sc->sc_st[p->p_id];
	size_t done = 0;
	long r = 0;

	spin_lock(&sc->sc_lock);
	for (;;) {
		if (!st->added) {
			r = -ENODEV;
			break;
		}
		/* QEMU drops what a port without a host end is sent: say so. A
		 * console, like a serial line, takes output with nobody there. */
		if (!st->console && !st->host_open) {
			r = -EPIPE;
			break;
		}
		done += tx_fill(p, (const char *)buf + done, n - done, st->console);
		/* A blocking write returns when the device has taken the bytes
		 * (see mirror_drain); a non-blocking one when they are queued. */
		if (done == n && ((f->flags & O_NONBLOCK) || tx_idle(p)))
			break;
		if (f->flags & O_NONBLOCK) {
			r = -EAGAIN;
			break;
		}
		/* Re-arm first: a buffer used in between is not waited for. */
		if (!virtq_intr_enable(p->p_txq))
			continue;
		if (kwait_intr(&p->p_txq, &sc->sc_lock, 0) == -EINTR) {
			r = -EINTR;
			break;
		}
	}
	spin_unlock(&sc->sc_lock);
	return done ? (long)done : r;
}

static unsigned port_poll(struct file *f)
{
	struct vcon_port *p = f->priv;
	struct vcon *sc = p->p_sc;
	const struct vcon_port_state *st = &sc->sc_st[p->p_id];
	unsigned r = 0;

	spin_lock(&sc->sc_lock);
	if (p->p_rx_count)
		r |= POLLIN | POLLRDNORM;
	if (!st->added) {
		r |= POLLHUP | POLLERR;
	} else if (!st->console && !st->host_open) {
		r |= POLLHUP;
	} else {
		tx_reap(p);
		if (p->p_ntx_free)
			r |= POLLOUT | POLLWRNORM;
	}
	spin_unlock(&sc->sc_lock);
	return r;
}

static long port_ioctl(struct file *f, unsigned long req, uint64_t arg)
{
	struct vcon_port *p = f->priv;
	struct vcon *sc = p->p_sc;

	switch (req) {
	case FIONREAD: {
		int n = 0;
		spin_lock(&sc->sc_lock);
		for (unsigned k = 0; k < p->p_rx_count; k++)
			n += (int)p->p_rx_len[p->p_rx_order[(p->p_rx_head + k) % VCON_RX_BUFS]];
		n -= (int)p->p_rx_off;
		spin_unlock(&sc->sc_lock);
		return user_copy_out(arg, &n, sizeof(n));
	}
	case FIONBIO:
		return poll_ioctl_fionbio(f, arg);
	case TIOCGWINSZ:
	case TCGETS:
		/* A console port is a terminal, as /dev/console is (kernel/devfs.c). */
		if (!sc->sc_st[p->p_id].console)
			return -ENOTTY;
		if (req == TIOCGWINSZ) {
			uint16_t ws[4] = { 24, 80, 0, 0 };
			return user_copy_out(arg, ws, sizeof(ws));
		} else {
			uint32_t t[15] = { 0x500, 0x5, 0xbf, 0x8a3b };
			return user_copy_out(arg, t, 60);
		}
	default:
		return -ENOTTY;
	}
}

static void port_stat(struct file *f, struct kstat *st)
{
	struct vcon_port *p = f->priv;

	st->mode = S_IFCHR | 0600;
	if (p == __atomic_load_n(&mirror_port, __ATOMIC_ACQUIRE))
		st->rdev = HVC_MAJOR << 8;
	else
		st->rdev = VPORT_MAJOR << 8 | (p->p_sc->sc_index * VCON_MAX_PORTS + p->p_id);
}

static int port_close(struct file *f)
{
	struct vcon_port *p = f->priv;
	struct vcon *sc = p->p_sc;

	spin_lock(&sc->sc_lock);
	for (unsigned i = 0; i < p->p_nopen; i++) {
		if (p->p_files[i] != f)
			continue;
		p->p_files[i] = p->p_files[--p->p_nopen];
		break;
	}
	/* The last one closes the port towards the host (not a console's). */
	if (p->p_nopen == 0 && sc->sc_st[p->p_id].added && !sc->sc_st[p->p_id].console)
		ctrl_send(sc, p->p_id, VCON_PORT_OPEN, 0);
	spin_unlock(&sc->sc_lock);
	return 0;
}

static const struct file_ops port_ops = {
	.read = port_read, .write = port_write, .ioctl = port_ioctl, .stat = port_stat,
	.close = port_close, .poll = port_poll,
};

static struct file *port_open(struct vcon_port *p, int flags, int *err)
{
	struct vcon *sc = p->p_sc;
	struct file *f = kzalloc(sizeof(*f));
	int r = 0;

	if (f == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	f->ops = &port_ops;
	f->refs = 1;
	f->flags = flags & ~O_CLOEXEC;
	f->priv = p;
	spin_lock(&sc->sc_lock);
	if (!sc->sc_st[p->p_id].added)
		r = -ENODEV;
	else if (p->p_shutdown)
		r = -EBUSY; /* the kernel's own */
	else if (p->p_nopen == VCON_MAX_OPENS)
		r = -EBUSY;
	else if (p->p_nopen == 0 && sc->sc_multiport && !sc->sc_st[p->p_id].console)
		r = ctrl_send(sc, p->p_id, VCON_PORT_OPEN, 1);
	if (r == 0)
		p->p_files[p->p_nopen++] = f;
	spin_unlock(&sc->sc_lock);
	if (r != 0) {
		kfree(f);
		*err = r;
		return NULL;
	}
	return f;
}

/* Decimal digits up to `end` (NUL or the character given): the value, or -1. */
static long number(const char **s, char end)
{
	long v = 0;
	const char *p = *s;

	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9' && v < 1000)
		v = v * 10 + (*p++ - '0');
	if (*p != end)
		return -1;
	*s = p + (end != 0);
	return v;
}

/* The port a path names on device sc, or NULL; under sc's lock. */
static struct vcon_port *dev_port(struct vcon *sc, const char *path)
{
	const char *s = path + 10;

	if (!strncmp(path, "/dev/vport", 10)) {
		long d = number(&s, 'p'), id = d < 0 ? -1 : number(&s, 0);
		if (d != (long)sc->sc_index || id < 0 || id >= (long)sc->sc_nports ||
		    !sc->sc_st[id].added)
			return NULL;
		return &sc->sc_port[id];
	}
	for (unsigned i = 0; i < sc->sc_nports; i++)
		if (sc->sc_st[i].added && !strcmp(sc->sc_st[i].name, path + 18))
			return &sc->sc_port[i];
	return NULL;
}

static struct vcon_port *find_port(const char *path)
{
	struct vcon_port *p = NULL;

	if (!strcmp(path, "/dev/hvc0"))
		return __atomic_load_n(&mirror_port, __ATOMIC_ACQUIRE);
	if (strncmp(path, "/dev/vport", 10) && strncmp(path, "/dev/virtio-ports/", 18))
		return NULL;
	for (unsigned d = 0; d < ndevs && p == NULL; d++) {
		spin_lock(&devs[d]->sc_lock);
		p = dev_port(devs[d], path);
		spin_unlock(&devs[d]->sc_lock);
	}
	return p;
}

static bool vcon_path(const char *path)
{
	return !strncmp(path, "/dev/hvc", 8) || !strncmp(path, "/dev/vport", 10) ||
	       !strncmp(path, "/dev/virtio-ports/", 18);
}

struct file *vcon_open(const char *path, int flags, int *err)
{
	struct vcon_port *p;

	if (ndevs == 0) {
		kprintf("toro: %s: no virtio-console device\n", path);
		*err = -ENODEV;
		return NULL;
	}
	p = find_port(path);
	if (p == NULL) {
		kprintf("toro: %s: no such virtio-console port\n", path);
		*err = -ENOENT;
		return NULL;
	}
	return port_open(p, flags, err);
}

struct file *vcon_open_kernel(const char *name)
{
	char path[24 + VCON_NAME_MAX];
	struct vcon_port *p;
	int err;

	if (fmt_snprintf(path, sizeof(path), "/dev/virtio-ports/%s", name) >= (int)sizeof(path))
		return NULL;
	p = find_port(path);
	return p ? port_open(p, O_RDWR | VCON_O_WAIT_HOST, &err) : NULL;
}

/* ---- attach ---- */

static int port_setup(struct vcon *sc, uint32_t id)
{
	struct virtio_dev *d = sc->sc_dev;
	struct vcon_port *p = &sc->sc_port[id];
	uint8_t *tx;
	int r;

	p->p_sc = sc;
	p->p_id = id;
	p->p_page = pmm_alloc_zero();
	if (p->p_page == NULL)
		return -ENOMEM;
	r = virtio_alloc_vq(d, rx_index(id), VCON_RX_BUFS, port_rx_intr, p, &p->p_rxq);
	if (r == 0)
		r = virtio_alloc_vq(d, (uint16_t)(rx_index(id) + 1), VCON_TX_BUFS, port_tx_intr, p,
				    &p->p_txq);
	if (r != 0)
		return r;
	for (unsigned i = 0; i < VCON_RX_BUFS && i < p->p_rxq->vq_size; i++)
		rx_post(p, i);
	tx = p->p_page + VCON_RX_BUFS * VCON_RX_SIZE;
	p->p_ntx = p->p_txq->vq_size < VCON_TX_BUFS ? p->p_txq->vq_size : VCON_TX_BUFS;
	for (unsigned i = 0; i < p->p_ntx; i++)
		p->p_tx_free[p->p_ntx_free++] = tx + i * VCON_TX_SIZE;
	return 0;
}

static int ctrl_setup(struct vcon *sc)
{
	struct virtio_dev *d = sc->sc_dev;
	int r;

	sc->sc_crx = pmm_alloc_zero();
	sc->sc_ctx = kzalloc(VCON_CTX_BUFS * VCON_CTRL_LEN);
	if (sc->sc_crx == NULL || sc->sc_ctx == NULL)
		return -ENOMEM;
	r = virtio_alloc_vq(d, 2, VCON_CRX_BUFS, ctrl_intr, sc, &sc->sc_crxq);
	if (r == 0)
		r = virtio_alloc_vq(d, 3, VCON_CTX_BUFS, ctrl_intr, sc, &sc->sc_ctxq);
	if (r != 0)
		return r;
	for (unsigned i = 0; i < VCON_CRX_BUFS && i < sc->sc_crxq->vq_size; i++) {
		struct virtq_seg seg = { (uintptr_t)(sc->sc_crx + i * VCON_CRX_SIZE), VCON_CRX_SIZE, true };
		virtq_add(sc->sc_crxq, &seg, 1, sc->sc_crx + i * VCON_CRX_SIZE);
	}
	for (unsigned i = 0; i < VCON_CTX_BUFS && i < sc->sc_ctxq->vq_size; i++)
		sc->sc_ctx_free[sc->sc_nctx_free++] = sc->sc_ctx + i * VCON_CTRL_LEN;
	return 0;
}

/* Ports the device has, of those this driver sets up (0 is always there). */
static uint32_t port_count(struct vcon *sc)
{
	uint32_t max;

	if (!sc->sc_multiport)
		return 1;
	max = virtio_cfg_read(sc->sc_dev, VCON_CFG_MAX_PORTS, 4);
	sc->sc_offered = max;
	return max == 0 ? 1 : max < VCON_MAX_PORTS ? max : VCON_MAX_PORTS;
}

static void vcon_free(struct vcon *sc)
{
	if (sc == NULL)
		return;
	for (unsigned i = 0; i < VCON_MAX_PORTS; i++)
		if (sc->sc_port[i].p_page)
			pmm_free(sc->sc_port[i].p_page);
	if (sc->sc_crx)
		pmm_free(sc->sc_crx);
	kfree(sc->sc_ctx);
	kfree(sc);
}

static int vcon_attach(struct virtio_dev *d)
{
	struct vcon *sc = NULL;
	uint32_t want;
	int r = -EBUSY;

	if (ndevs == VCON_MAX_DEVS)
		goto fail;
	r = -ENOMEM;
	sc = kzalloc(sizeof(*sc));
	if (sc == NULL)
		goto fail;
	sc->sc_dev = d;
	r = virtio_negotiate(d, VCON_F_MULTIPORT);
	if (r != 0)
		goto fail;
	sc->sc_multiport = (d->vd_features & VCON_F_MULTIPORT) != 0;
	want = port_count(sc);
	r = port_setup(sc, 0);
	if (r == 0 && sc->sc_multiport)
		r = ctrl_setup(sc);
	if (r != 0)
		goto fail;
	sc->sc_nports = 1;
	/* A port whose queues the device lacks is not used, nor those after it. */
	while (sc->sc_nports < want && port_setup(sc, sc->sc_nports) == 0)
		sc->sc_nports++;
	sc->sc_index = ndevs;
	d->vd_softc = sc;
	devs[ndevs++] = sc;
	virtio_driver_ok(d);
	for (unsigned i = 0; i < sc->sc_nports; i++)
		virtq_kick(sc->sc_port[i].p_rxq);
	if (sc->sc_multiport)
		kprintf("toro: virtio-console at %s: ports 0-%u (of %u)\n", d->vd_where,
			sc->sc_nports - 1, sc->sc_offered);
	else
		kprintf("toro: virtio-console at %s: port 0 (no multiport)\n", d->vd_where);
	if (!sc->sc_multiport) {
		/* Port 0 alone, a console with nothing to announce it. */
		struct note n = { .line = "" };
		sc->sc_st[0] = (struct vcon_port_state){ .added = true, .console = true, .host_open = true };
		sc->sc_settled = true;
		console_up(sc, &sc->sc_port[0], &n);
		note_done(&n);
		return 0;
	}
	virtq_kick(sc->sc_crxq);
	spin_lock(&sc->sc_lock);
	r = ctrl_send(sc, 0, VCON_DEVICE_READY, 1);
	spin_unlock(&sc->sc_lock);
	/* The ports the device has at start are known before the program
	 * runs, so its opens find them: attach polls (interrupts are off in
	 * the boot context) until the device has answered everything. */
	for (unsigned polls = 0; r == 0 && !sc->sc_settled && polls < SETTLE_POLLS; polls++) {
		ctrl_service(sc);
		arch_pause();
	}
	if (!sc->sc_settled)
		kprintf("toro: virtio-console at %s: the device did not announce its ports\n",
			d->vd_where);
	return 0;
fail:
	/* The core resets the device and frees its queues. */
	if (sc != NULL)
		d->vd_softc = NULL;
	vcon_free(sc);
	return r;
}

const struct virtio_driver vcon_driver = {
	.name = "console",
	.type = VIRTIO_ID_CONSOLE,
	.attach = vcon_attach,
};

static const struct devfs_provider vcon_devfs = { vcon_path, vcon_open };

static void vcon_stats_start(const struct cmdline *cl)
{
	(void)cl;
	kstats_init(); /* the stats channel, when the VM has its port */
}

/* The virtio-console component (tools/components.tab): the driver, its
 * device files for devfs, and the stats channel on its port org.toro.stats
 * (kernel/kstats.c), started after the other components' INIT hooks that
 * sort before it (the files). */
SYSGROUP(virtio_console) = {
	SYSOPT_HOOK(SYSOPT_VIRTIO, &vcon_driver),
	SYSOPT_HOOK(SYSOPT_DEVFS, &vcon_devfs),
	SYSOPT_HOOK(SYSOPT_INIT, vcon_stats_start),
};
