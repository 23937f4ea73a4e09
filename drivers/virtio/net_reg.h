/* SPDX-License-Identifier: MIT */
/*
 * virtio network device layouts, from the virtio 1.2 specification, 5.1: the
 * feature bits (5.1.3), the device configuration (5.1.4) and the header that
 * precedes every frame on both queues (5.1.6). The header is 12 bytes with
 * VIRTIO_F_VERSION_1 or VIRTIO_NET_F_MRG_RXBUF, and 10 (no num_buffers) for a
 * legacy device without MRG_RXBUF (5.1.6's legacy notes). Little-endian
 * (legacy: guest-endian, the same on x86).
 */
#ifndef VIRTIO_NET_REG_H
#define VIRTIO_NET_REG_H

#include <stdint.h>

/* 5.1.2 Virtqueues: receiveq1, transmitq1 (no multiqueue, no control queue) */
#define VIRTIO_NET_RXQ 0
#define VIRTIO_NET_TXQ 1

/* 5.1.3 Feature bits */
#define VIRTIO_NET_F_CSUM (1ull << 0)       /* device completes partial checksums we send */
#define VIRTIO_NET_F_GUEST_CSUM (1ull << 1) /* we accept partial or verified checksums */
#define VIRTIO_NET_F_MTU (1ull << 3)
#define VIRTIO_NET_F_MAC (1ull << 5)
#define VIRTIO_NET_F_MRG_RXBUF (1ull << 15)
#define VIRTIO_NET_F_STATUS (1ull << 16)
/* 6.3 Legacy Interface: Reserved Feature Bits: the header may share a
 * descriptor with the frame (implied by VERSION_1). */
#define VIRTIO_F_ANY_LAYOUT (1ull << 27)

/* 5.1.4 Device configuration layout (byte offsets) */
#define VIRTIO_NET_CFG_MAC 0    /* u8[6], with VIRTIO_NET_F_MAC */
#define VIRTIO_NET_CFG_STATUS 6 /* le16, with VIRTIO_NET_F_STATUS */
#define VIRTIO_NET_S_LINK_UP 1
#define VIRTIO_NET_S_ANNOUNCE 2

/* 5.1.6 Device Operation: struct virtio_net_hdr */
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1 /* csum_start/csum_offset describe a partial sum */
#define VIRTIO_NET_HDR_F_DATA_VALID 2 /* received: the device checked the checksums */
#define VIRTIO_NET_HDR_GSO_NONE 0

struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers; /* VERSION_1 or MRG_RXBUF only */
};

#define VIRTIO_NET_HDR_LEN 12        /* sizeof(struct virtio_net_hdr) */
#define VIRTIO_NET_HDR_LEN_LEGACY 10 /* legacy device without MRG_RXBUF */

/* Byte offsets inside the header (it is read and written byte-wise). */
#define VIRTIO_NET_HDR_FLAGS 0
#define VIRTIO_NET_HDR_GSO_TYPE 1
#define VIRTIO_NET_HDR_CSUM_START 6
#define VIRTIO_NET_HDR_CSUM_OFFSET 8
#define VIRTIO_NET_HDR_NUM_BUFFERS 10

#endif
