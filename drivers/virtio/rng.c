/* SPDX-License-Identifier: MIT */
/*
 * virtio entropy device (virtio 1.2, 5.4): one request queue of
 * device-writable buffers that the device fills with random bytes, mixed into
 * the kernel generator with random_add_entropy. Attach pulls 64 bytes once.
 * A request waits for the used-ring interrupt for at most RNG_TIMEOUT_NS; a
 * buffer the device never returns keeps the driver busy (-EBUSY), it never
 * blocks anyone. Try, with a program linked with toro-cc --with=virtio-rng (or
 * one that calls getrandom): bin/toro run --machine q35 --qemu-arg -device
 * --qemu-arg virtio-rng-pci app.elf
 */
#include <k/component.h>
#include <k/console.h>
#include <k/errno.h>
#include <k/kheap.h>
#include <k/pmm.h>
#include <k/random.h>
#include <k/spinlock.h>
#include <k/string.h>
#include <k/time.h>
#include <k/wait.h>

#include "virtio.h"

#define RNG_TIMEOUT_NS (500 * 1000 * 1000ull)
#define RNG_BOOT_BYTES 64

struct vrng {
	struct virtio_dev *sc_dev;
	struct virtq *sc_vq;
	struct spinlock sc_lock; /* everything below, and the queue */
	uint8_t *sc_buf;         /* one page the device writes into */
	bool sc_busy;            /* the buffer is with the device */
	bool sc_done;            /* ... and has come back with sc_got bytes */
	uint32_t sc_got;
};

/* Interrupt context, core 0. */
static void vrng_intr(struct virtq *vq)
{
	struct vrng *sc = vq->vq_owner;
	uint32_t len;
	void *c;

	spin_lock(&sc->sc_lock);
	while ((c = virtq_get(vq, &len)) != NULL || !virtq_intr_enable(vq)) {
		if (c == NULL)
			continue;
		sc->sc_got = len;
		sc->sc_busy = false;
		sc->sc_done = true;
	}
	if (sc->sc_done)
		kwake(&sc->sc_done, KWAKE_ALL);
	spin_unlock(&sc->sc_lock);
}

/* Up to a page of device bytes into out: the count, or -EBUSY (a request is
 * out), -ETIMEDOUT, or a virtq_add error. Threads and the boot context. */
static int vrng_read(struct vrng *sc, void *out, size_t n)
{
	struct virtq_seg seg = { (uintptr_t)sc->sc_buf, (uint32_t)(n < PAGE_SIZE ? n : PAGE_SIZE),
				 true };
	int r;

	spin_lock(&sc->sc_lock);
	if (sc->sc_busy) {
		spin_unlock(&sc->sc_lock);
		return -EBUSY;
	}
	r = virtq_add(sc->sc_vq, &seg, 1, sc);
	if (r == 0) {
		sc->sc_busy = true;
		sc->sc_done = false;
		virtq_kick(sc->sc_vq);
		uint64_t until = time_monotonic_ns() + RNG_TIMEOUT_NS;
		while (!sc->sc_done && kwait(&sc->sc_done, &sc->sc_lock, until) != -ETIMEDOUT)
			;
		r = sc->sc_done ? (int)sc->sc_got : -ETIMEDOUT;
	}
	if (r > 0) {
		memcpy(out, sc->sc_buf, (size_t)r);
		memset(sc->sc_buf, 0, (size_t)r);
	}
	sc->sc_done = false;
	spin_unlock(&sc->sc_lock);
	return r;
}

static int vrng_attach(struct virtio_dev *d)
{
	struct vrng *sc = kzalloc(sizeof(*sc));
	uint8_t seed[RNG_BOOT_BYTES];
	int r = -ENOMEM;

	if (sc == NULL || (sc->sc_buf = pmm_alloc_zero()) == NULL)
		goto fail;
	sc->sc_dev = d;
	r = virtio_negotiate(d, 0);
	if (r == 0)
		r = virtio_alloc_vq(d, 0, 8, vrng_intr, sc, &sc->sc_vq);
	if (r != 0)
		goto fail;
	d->vd_softc = sc;
	virtio_driver_ok(d);
	kprintf("toro: virtio-rng at %s\n", d->vd_where);
	r = vrng_read(sc, seed, sizeof(seed));
	if (r > 0)
		random_add_entropy(seed, (size_t)r);
	else
		kprintf("toro: virtio-rng at %s: no bytes from the device (error %d)\n",
			d->vd_where, r);
	memset(seed, 0, sizeof(seed));
	return 0;
fail:
	if (sc)
		pmm_free(sc->sc_buf);
	kfree(sc);
	return r;
}

const struct virtio_driver vrng_driver = {
	.name = "rng",
	.type = VIRTIO_ID_ENTROPY,
	.attach = vrng_attach,
};

/* The virtio-rng component (tools/components.tab): linked with getrandom,
 * the network and the files; needs the `virtio` component's discovery. */
SYSGROUP(virtio_rng) = { SYSOPT_HOOK(SYSOPT_VIRTIO, &vrng_driver) };
