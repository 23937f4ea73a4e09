/* SPDX-License-Identifier: MIT */
/*
 * virtio-console control messages (virtio 1.2, 5.3.6.2): decoding what the
 * device writes on the control receive queue, the port state it drives, and
 * encoding the driver's replies. Portable (no locks, no allocation): see
 * console_ctrl.h for the contract.
 */
#include <k/errno.h>
#include <k/string.h>

#include "console_ctrl.h"

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static int fail(const char **why, const char *what, int err)
{
	*why = what;
	return err;
}

/* The name after the header: up to the first NUL or the end of what the
 * device wrote. It becomes a path component, so only printable ASCII other
 * than '/', and never "." or "..". */
static int parse_name(const uint8_t *p, uint32_t n, char *out, const char **why)
{
	uint32_t len = 0;

	while (len < n && p[len] != 0)
		len++;
	if (len == 0)
		return fail(why, "empty port name", -EINVAL);
	if (len > VCON_NAME_MAX)
		return fail(why, "port name longer than 63 bytes", -EINVAL);
	for (uint32_t i = 0; i < len; i++)
		if (p[i] <= ' ' || p[i] > '~' || p[i] == '/')
			return fail(why, "port name with a '/', a space or a non-ASCII byte", -EINVAL);
	if (p[0] == '.' && (len == 1 || (len == 2 && p[1] == '.')))
		return fail(why, "port name '.' or '..'", -EINVAL);
	memcpy(out, p, len);
	out[len] = 0;
	return 0;
}

int vcon_ctrl_parse(const uint8_t *buf, uint32_t len, uint32_t cap, uint32_t nports,
		    struct vcon_msg *m, const char **why)
{
	memset(m, 0, sizeof(*m));
	if (len > cap)
		return fail(why, "length beyond the buffer", -EINVAL);
	if (len < VCON_CTRL_LEN)
		return fail(why, "shorter than a control message", -EINVAL);
	m->id = le32(buf);
	m->event = le16(buf + 4);
	m->value = le16(buf + 6);
	switch (m->event) {
	case VCON_DEVICE_ADD:
	case VCON_DEVICE_REMOVE:
	case VCON_RESIZE:
		break;
	case VCON_CONSOLE_PORT:
	case VCON_PORT_OPEN:
		if (m->value > 1)
			return fail(why, "value other than 0 or 1", -EINVAL);
		break;
	case VCON_PORT_NAME:
		break;
	case VCON_DEVICE_READY:
	case VCON_PORT_READY:
		return fail(why, "a driver-to-device event from the device", -EINVAL);
	default:
		return fail(why, "unknown event", -EINVAL);
	}
	if (m->id >= nports)
		return fail(why, "port id beyond the ports set up", -ERANGE);
	if (m->event == VCON_PORT_NAME)
		return parse_name(buf + VCON_CTRL_LEN, len - VCON_CTRL_LEN, m->name, why);
	return 0;
}

static bool name_taken(const struct vcon_port_state *ports, uint32_t nports, const char *name)
{
	for (uint32_t i = 0; i < nports; i++)
		if (ports[i].added && strcmp(ports[i].name, name) == 0)
			return true;
	return false;
}

int vcon_ctrl_apply(struct vcon_port_state *ports, uint32_t nports, const struct vcon_msg *m,
		    const char **why)
{
	struct vcon_port_state *p;

	if (m->id >= nports)
		return fail(why, "port id beyond the ports set up", -ERANGE);
	p = &ports[m->id];
	if (m->event == VCON_DEVICE_ADD) {
		if (p->added)
			return fail(why, "port added twice", -EEXIST);
		memset(p, 0, sizeof(*p));
		p->added = true;
		return VCON_ACT_PORT_READY;
	}
	if (!p->added)
		return fail(why, "message for a port never added", -ENOENT);
	switch (m->event) {
	case VCON_DEVICE_REMOVE:
		memset(p, 0, sizeof(*p));
		return VCON_ACT_REMOVED;
	case VCON_CONSOLE_PORT:
		if (m->value == 0 || p->console)
			return 0;
		p->console = true;
		return VCON_ACT_CONSOLE;
	case VCON_PORT_OPEN:
		if (p->host_open == (m->value != 0))
			return 0;
		p->host_open = m->value != 0;
		return VCON_ACT_HOST;
	case VCON_PORT_NAME:
		if (p->name[0] != 0)
			return fail(why, "port named twice", -EEXIST);
		if (name_taken(ports, nports, m->name))
			return fail(why, "name another port has", -EEXIST);
		memcpy(p->name, m->name, sizeof(p->name));
		return VCON_ACT_NAMED;
	default: /* VCON_RESIZE: the size is not used */
		return 0;
	}
}

void vcon_ctrl_encode(uint8_t *out, uint32_t id, uint16_t event, uint16_t value)
{
	for (int i = 0; i < 4; i++)
		out[i] = (uint8_t)(id >> (8 * i));
	out[4] = (uint8_t)event;
	out[5] = (uint8_t)(event >> 8);
	out[6] = (uint8_t)value;
	out[7] = (uint8_t)(value >> 8);
}

/* ---- the shutdown port's lines ---- */

static bool line_done(struct vcon_lines *l)
{
	if (l->len && l->line[l->len - 1] == '\r')
		l->len--;
	l->line[l->len] = 0;
	/* By length: a NUL inside the line must not make it "shutdown". */
	bool request = !l->overlong && l->len == 8 && !memcmp(l->line, "shutdown", 8);
	if (!request) {
		for (uint32_t i = 0; i <= l->len; i++) {
			char c = l->line[i];
			l->bad[i] = (i == l->len) ? 0 : (c < 0x20 || c > 0x7e) ? '?' : c;
		}
	}
	l->len = 0;
	l->overlong = false;
	return request;
}

uint32_t vcon_lines_feed(struct vcon_lines *l, const uint8_t *p, uint32_t n, uint32_t *unknown)
{
	uint32_t requests = 0;

	for (uint32_t i = 0; i < n; i++) {
		if (p[i] != '\n') {
			if (l->len < VCON_LINE_MAX)
				l->line[l->len++] = (char)p[i];
			else
				l->overlong = true;
			continue;
		}
		if (line_done(l))
			requests++;
		else
			(*unknown)++;
	}
	return requests;
}
