/* SPDX-License-Identifier: MIT */
/*
 * virtio-console control messages (virtio 1.2, 5.3.6.2) and the ports' state
 * they drive: the portable half of drivers/virtio/console.c, built on the
 * host for tests/unit/test_vcon_ctrl.c and tests/fuzz/fuzz_vcon_ctrl.c.
 * Nothing here trusts the device: every id, event, value, length and name is
 * checked, and a message that fails is refused whole (no state changes).
 */
#ifndef VIRTIO_CONSOLE_CTRL_H
#define VIRTIO_CONSOLE_CTRL_H

#include <stdbool.h>
#include <stdint.h>

/* Feature bits (5.3.3). */
#define VCON_F_SIZE (1ull << 0)
#define VCON_F_MULTIPORT (1ull << 1)
#define VCON_F_EMERG_WRITE (1ull << 2)

/* Configuration (5.3.4): le16 cols, le16 rows, le32 max_nr_ports, le32 emerg_wr. */
#define VCON_CFG_MAX_PORTS 4

/* Control events (5.3.6.2). */
#define VCON_DEVICE_READY 0  /* driver -> device */
#define VCON_DEVICE_ADD 1
#define VCON_DEVICE_REMOVE 2
#define VCON_PORT_READY 3    /* driver -> device */
#define VCON_CONSOLE_PORT 4
#define VCON_RESIZE 5
#define VCON_PORT_OPEN 6     /* both ways */
#define VCON_PORT_NAME 7

/* On the wire: le32 id, le16 event, le16 value; PORT_NAME is followed by the
 * name (the spec says without a NUL; QEMU sends one). */
#define VCON_CTRL_LEN 8
/* Longest port name taken: it becomes /dev/virtio-ports/NAME. */
#define VCON_NAME_MAX 63

struct vcon_msg {
	uint32_t id;
	uint16_t event;
	uint16_t value;
	char name[VCON_NAME_MAX + 1]; /* PORT_NAME: NUL-terminated; else "" */
};

/* One port as the control messages describe it. */
struct vcon_port_state {
	bool added;      /* DEVICE_ADD seen (PORT_READY is owed) */
	bool console;    /* CONSOLE_PORT seen */
	bool host_open;  /* the last PORT_OPEN from the device said 1 */
	char name[VCON_NAME_MAX + 1]; /* "" until PORT_NAME */
};

/* What vcon_ctrl_apply asks of the driver (a mask). */
#define VCON_ACT_PORT_READY 0x01 /* send PORT_READY(id, 1), the port is set up */
#define VCON_ACT_CONSOLE 0x02    /* the port became a console: open it (PORT_OPEN 1) */
#define VCON_ACT_HOST 0x04       /* host_open changed: wake readers and writers */
#define VCON_ACT_REMOVED 0x08    /* the port went away: drop its data, wake everyone */
#define VCON_ACT_NAMED 0x10      /* the port has a name now */

/* Decode one message the device wrote: `len` bytes it says it wrote into a
 * buffer of `cap` bytes; ids must be below nports (the ports the driver set
 * up). 0, or -EINVAL (short, longer than the buffer, a driver-to-device or
 * unknown event, a value other than 0/1 where only those mean something, a
 * bad name) or -ERANGE (port id); *why then says which, for the console. */
int vcon_ctrl_parse(const uint8_t *buf, uint32_t len, uint32_t cap, uint32_t nports,
		    struct vcon_msg *m, const char **why);

/* Apply a parsed message to ports[nports]: a VCON_ACT_* mask (0: nothing to
 * do), or -EEXIST (port added or named twice, a name another port has) or
 * -ENOENT (the port was never added), with *why set and nothing changed. */
int vcon_ctrl_apply(struct vcon_port_state *ports, uint32_t nports, const struct vcon_msg *m,
		    const char **why);

/* A control message for the device into out[VCON_CTRL_LEN]. */
void vcon_ctrl_encode(uint8_t *out, uint32_t id, uint16_t event, uint16_t value);

/*
 * The shutdown port: a named port the kernel reads itself (nobody opens it),
 * where the host asks for a graceful shutdown by writing the line "shutdown"
 * (docs/devices.md). Bytes come in any pieces; lines end with '\n', a '\r'
 * before it is dropped. A longer line than VCON_LINE_MAX is no request.
 */
#define VCON_SHUTDOWN_PORT "org.toro.shutdown"
#define VCON_LINE_MAX 32
struct vcon_lines {
	char line[VCON_LINE_MAX + 1];
	uint32_t len;            /* bytes of the current line kept */
	bool overlong;           /* it went past VCON_LINE_MAX */
	char bad[VCON_LINE_MAX + 1]; /* the last line that was no request ("" none) */
};
/* Feed n bytes: the number of "shutdown" lines completed; *unknown counts
 * the other complete lines (the last one in l->bad, cut to VCON_LINE_MAX and
 * with bytes outside printable ASCII as '?'). */
uint32_t vcon_lines_feed(struct vcon_lines *l, const uint8_t *p, uint32_t n, uint32_t *unknown);

#endif
