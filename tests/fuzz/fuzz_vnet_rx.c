// sources: drivers/virtio/net.c drivers/virtio/virtio.c drivers/virtio/virtq.c tests/unit/vnet_sim.c tests/unit/virtio_sim.c lib/fmt.c
/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the receive path of drivers/virtio/net.c against the
 * simulated device of tests/unit/vnet_sim.c. The input picks the features
 * (modern or legacy, MRG_RXBUF, ANY_LAYOUT, GUEST_CSUM, EVENT_IDX), then a
 * script of device actions, well-formed (frames over one or more buffers) or
 * not (any header, num_buffers, used id, used length or used index), and
 * driver calls (rx with any capacity, interrupts, sends). Always: rx returns
 * 0, -EIO, -EMSGSIZE or a length within the caller's capacity and never
 * writes past it; every receive buffer is either with the device or counted
 * lost; nothing leaks. While the device has only been well-formed, every
 * frame arrives whole, in order, with the checksum flag it was sent with.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <k/errno.h>

#include "../unit/vnet_sim.h"

/* The kernel console and hooks, silent. */
int kprintf(const char *fmt, ...) { return 0; }
void console_write(const char *s, size_t len) {}
void panic(const char *fmt, ...) { abort(); }
void smp_poll(void) {}
void arch_pause(void) {}
/* No link-time components on the host: virtio.c finds the driver here. */
#include <k/component.h>
extern const struct syscall_opt host_virtio_opt; /* the simulated device's driver */
const struct syscall_opt *sysopt_next(const struct syscall_opt *prev, long kind)
{
	return !prev && kind == SYSOPT_VIRTIO ? &host_virtio_opt : NULL;
}

#define RXQ VIRTIO_NET_RXQ
#define TXQ VIRTIO_NET_TXQ
#define EXPECT_MAX 512
#define CANARY 0x5c

struct reader {
	const uint8_t *p;
	size_t n;
};

static unsigned take(struct reader *r)
{
	if (r->n == 0)
		return 0;
	r->n--;
	return *r->p++;
}
static unsigned take16(struct reader *r) { return take(r) | take(r) << 8; }
static uint32_t take32(struct reader *r) { return (uint32_t)take16(r) | (uint32_t)take16(r) << 16; }

/* Frames sent well-formed, not yet received. */
static struct {
	uint16_t len;
	uint8_t seed;
	bool csum_ok;
} expect[EXPECT_MAX];
static unsigned exp_head, exp_tail;
static bool honest;

static uint8_t pattern(uint8_t seed, size_t i) { return (uint8_t)(seed + i * 13 + (i >> 8)); }

/* Write one used entry without publishing it. */
static void used_entry(uint32_t id, uint32_t len)
{
	struct virtq *vq = vsim_vq(RXQ);
	uint16_t u = vsim.dev_used[RXQ]++;
	vq->vq_used->ring[u % vq->vq_size].id = id;
	vq->vq_used->ring[u % vq->vq_size].len = len;
}

static void publish(void)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
	vsim_vq(RXQ)->vq_used->idx = vsim.dev_used[RXQ];
}

/* A well-formed frame of len bytes, over as many buffers as it needs. */
static void dev_frame(struct vnet *sc, unsigned len, uint8_t seed, bool valid)
{
	unsigned hl = sc->sc_hdr_len, total = hl + len, per = VNET_BUF_SIZE;
	unsigned nbuf = (total + per - 1) / per;
	struct vsim_chain c[4];
	uint8_t bytes[4 * VNET_BUF_SIZE];
	struct virtq *vq = vsim_vq(RXQ);

	if (nbuf > 4 || (nbuf > 1 && !sc->sc_mrg) || exp_tail - exp_head == EXPECT_MAX)
		return;
	/* Enough published chains the device has not taken yet? */
	if ((uint16_t)(vq->vq_avail->idx - vsim.dev_avail[RXQ]) < nbuf)
		return;
	memset(bytes, 0, hl);
	bytes[0] = valid ? VIRTIO_NET_HDR_F_DATA_VALID : 0;
	if (hl == VIRTIO_NET_HDR_LEN) {
		bytes[10] = (uint8_t)nbuf;
		bytes[11] = 0;
	}
	for (unsigned i = 0; i < len; i++)
		bytes[hl + i] = pattern(seed, i);
	for (unsigned b = 0, off = 0; b < nbuf; b++) {
		unsigned n = total - off < per ? total - off : per;
		if (!vsim_take(RXQ, &c[b]))
			abort();
		vsim_write(&c[b], bytes + off, n);
		used_entry(c[b].head, n);
		off += n;
	}
	publish();
	expect[exp_tail % EXPECT_MAX].len = (uint16_t)len;
	expect[exp_tail % EXPECT_MAX].seed = seed;
	expect[exp_tail % EXPECT_MAX].csum_ok = valid && sc->sc_guest_csum;
	exp_tail++;
}

/* Anything in a chain's header and any used length. */
static void dev_hostile(struct reader *r)
{
	struct vsim_chain c;
	uint8_t h[VIRTIO_NET_HDR_LEN + 64];

	if (!vsim_take(RXQ, &c))
		return;
	for (unsigned i = 0; i < sizeof(h); i++)
		h[i] = (uint8_t)take(r);
	vsim_write(&c, h, sizeof(h) < c.wlen ? sizeof(h) : c.wlen);
	unsigned how = take(r) % 4;
	uint32_t len = how == 0 ? take16(r) % (VNET_BUF_SIZE + 2) : how == 1 ? take32(r) : take(r);
	used_entry(how == 3 ? take16(r) : c.head, len);
	if (take(r) & 1)
		publish();
}

static void check_rx(struct vnet *sc, int ret, const uint8_t *out, size_t cap, unsigned flags)
{
	if (out[cap] != CANARY)
		abort();
	if (ret > 0 && (ret < 14 || (size_t)ret > cap))
		abort();
	if (ret < 0 && ret != -EIO && ret != -EMSGSIZE)
		abort();
	if (flags & ~NETDEV_RX_CSUM_OK)
		abort();
	if (virtq_in_flight(sc->sc_rxq) + sc->sc_stats.rx_lost != sc->sc_nrx)
		abort();
	if (!honest || ret == 0)
		return;
	if (exp_head == exp_tail)
		abort(); /* a frame nobody sent */
	unsigned i = exp_head++ % EXPECT_MAX;
	if (expect[i].len > cap) {
		if (ret != -EMSGSIZE)
			abort();
		return;
	}
	if (ret != expect[i].len || ((flags & NETDEV_RX_CSUM_OK) != 0) != expect[i].csum_ok)
		abort();
	for (int k = 0; k < ret; k++)
		if (out[k] != pattern(expect[i].seed, (size_t)k))
			abort();
}

static void drv_rx(struct vnet *sc, size_t cap)
{
	static uint8_t out[4 * VNET_BUF_SIZE + 1];
	unsigned flags = 0;

	memset(out, CANARY, cap + 1);
	int ret = sc->sc_nd.ops->rx(&sc->sc_nd, out, cap, &flags);
	check_rx(sc, ret, out, cap, flags);
}

static void drv_tx(struct vnet *sc, struct reader *r)
{
	static uint8_t frame[VNET_BUF_SIZE];
	struct netdev_seg s = { frame, 14 + take16(r) % (VNET_BUF_SIZE - 14) };
	struct netdev_csum cs = { (uint16_t)take16(r), (uint16_t)take(r) };
	struct vsim_chain c;

	int ret = sc->sc_nd.ops->xmit(&sc->sc_nd, &s, 1, take(r) & 1 ? &cs : NULL);
	if (ret != 0 && ret != -EAGAIN && ret != -EMSGSIZE && ret != -EINVAL && ret != -EIO)
		abort();
	while (vsim_take(TXQ, &c))
		vsim_put(TXQ, c.head, 0);
}

static void configure(struct reader *r)
{
	unsigned f = take(r);

	vsim_reset();
	vsim.modern = !(f & 1);
	if (!vsim.modern)
		vsim.offered &= 0xffffffffull & ~VIRTIO_F_VERSION_1;
	if (f & 2)
		vsim.offered &= ~VIRTIO_NET_F_MRG_RXBUF;
	if ((f & 4) && !vsim.modern)
		vsim.offered |= VIRTIO_F_ANY_LAYOUT;
	if (f & 8)
		vsim.offered &= ~VIRTIO_NET_F_GUEST_CSUM;
	if (f & 16)
		vsim.offered &= ~VIRTIO_F_EVENT_IDX;
	vsim.qmax[0] = vsim.qmax[1] = (uint16_t)(1u << (2 + (f >> 5))); /* 4..512 */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, size };

	configure(&r);
	if (vsim_attach() != 0)
		abort();
	struct vnet *sc = vsim_softc();
	exp_head = exp_tail = 0;
	honest = true;
	while (r.n > 0) {
		switch (take(&r) % 8) {
		case 0:
		case 1: {
			unsigned len = 14 + take16(&r) % (4 * VNET_BUF_SIZE - 40);
			dev_frame(sc, len, (uint8_t)take(&r), take(&r) & 1);
			break;
		}
		case 2:
			honest = false;
			dev_hostile(&r);
			break;
		case 3:
			honest = false;
			vsim.dev_used[RXQ] = (uint16_t)take16(&r);
			publish();
			break;
		case 4:
		case 5:
			drv_rx(sc, take(&r) & 1 ? 4 * VNET_BUF_SIZE : take16(&r) % (4 * VNET_BUF_SIZE));
			break;
		case 6:
			vsim_intr(take(&r) & 1);
			break;
		default:
			drv_tx(sc, &r);
			break;
		}
	}
	/* Drain: the driver stops (0) within a bounded number of calls. */
	for (int i = 0; i < 2 * VIRTQ_MAX_SIZE + 2; i++) {
		static uint8_t out[4 * VNET_BUF_SIZE + 1];
		unsigned flags = 0;
		memset(out, CANARY, sizeof(out));
		int ret = sc->sc_nd.ops->rx(&sc->sc_nd, out, 4 * VNET_BUF_SIZE, &flags);
		check_rx(sc, ret, out, 4 * VNET_BUF_SIZE, flags);
		if (ret == 0)
			break;
		if (i == 2 * VIRTQ_MAX_SIZE + 1)
			abort();
	}
	if (honest && exp_head != exp_tail)
		abort(); /* a frame sent well-formed was lost */
	vsim_detach();
	if (vsim.pages_out != 0)
		abort();
	return 0;
}
