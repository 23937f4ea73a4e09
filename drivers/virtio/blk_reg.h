/* SPDX-License-Identifier: MIT */
/*
 * virtio block device layouts, from the virtio 1.2 specification, 5.2: the
 * feature bits (5.2.3), the device configuration (5.2.4) and the request
 * that every chain carries (5.2.6): a 16-byte header the device reads, the
 * data, and one status byte the device writes. Capacity and sectors are in
 * 512-byte units whatever blk_size says. Little-endian (legacy: guest-endian,
 * the same on x86).
 */
#ifndef VIRTIO_BLK_REG_H
#define VIRTIO_BLK_REG_H

#include <stdint.h>

/* 5.2.2 Virtqueues: requestq1 (no multiqueue) */
#define VIRTIO_BLK_REQQ 0

/* 5.2.3 Feature bits */
#define VIRTIO_BLK_F_SIZE_MAX (1ull << 1) /* size_max: bytes per segment */
#define VIRTIO_BLK_F_SEG_MAX (1ull << 2)  /* seg_max: data segments per request */
#define VIRTIO_BLK_F_GEOMETRY (1ull << 4)
#define VIRTIO_BLK_F_RO (1ull << 5)       /* the device is read-only */
#define VIRTIO_BLK_F_BLK_SIZE (1ull << 6) /* blk_size: the logical block size */
#define VIRTIO_BLK_F_FLUSH (1ull << 9)    /* flush requests (a volatile write cache) */
#define VIRTIO_BLK_F_TOPOLOGY (1ull << 10)
#define VIRTIO_BLK_F_CONFIG_WCE (1ull << 11)
#define VIRTIO_BLK_F_MQ (1ull << 12)
#define VIRTIO_BLK_F_DISCARD (1ull << 13)
#define VIRTIO_BLK_F_WRITE_ZEROES (1ull << 14)

/* 5.2.4 Device configuration layout (byte offsets) */
#define VIRTIO_BLK_CFG_CAPACITY 0  /* le64: 512-byte sectors */
#define VIRTIO_BLK_CFG_SIZE_MAX 8  /* le32, with SIZE_MAX */
#define VIRTIO_BLK_CFG_SEG_MAX 12  /* le32, with SEG_MAX */
#define VIRTIO_BLK_CFG_BLK_SIZE 20 /* le32, with BLK_SIZE */
#define VIRTIO_BLK_CFG_LEN 24      /* the fields Toro reads */

/* 5.2.6 Device Operation: struct virtio_blk_req's header and status */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4

#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2

struct virtio_blk_req_hdr {
	uint32_t type;
	uint32_t reserved; /* legacy: ioprio */
	uint64_t sector;
};

#endif
