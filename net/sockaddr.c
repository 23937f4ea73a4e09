/* SPDX-License-Identifier: MIT */
/*
 * sockaddr_in as the program passes it (family, port and address in network
 * order, eight bytes of zero), and lwIP's err_t as an errno: the one place
 * where lwIP's errors become the program's. Portable (tests/unit/test_sockaddr).
 */
#include <k/errno.h>
#include <k/string.h>
#include "socket_impl.h"

int net_sockaddr_parse(const void *buf, size_t len, int *family, uint32_t *addr, uint16_t *port)
{
	const uint8_t *b = buf;
	if (len < 2)
		return -EINVAL;
	*family = b[0] | b[1] << 8;
	*addr = 0;
	*port = 0;
	if (*family == NET_AF_UNSPEC)
		return 0;
	if (*family != NET_AF_INET)
		return -EAFNOSUPPORT;
	if (len < NET_SOCKADDR_IN_LEN)
		return -EINVAL;
	*port = (uint16_t)(b[2] << 8 | b[3]);
	*addr = (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7];
	return 0;
}

void net_sockaddr_format(void *buf, uint32_t addr, uint16_t port)
{
	uint8_t *b = buf;
	memset(b, 0, NET_SOCKADDR_IN_LEN);
	b[0] = NET_AF_INET;
	b[2] = (uint8_t)(port >> 8);
	b[3] = (uint8_t)port;
	b[4] = (uint8_t)(addr >> 24);
	b[5] = (uint8_t)(addr >> 16);
	b[6] = (uint8_t)(addr >> 8);
	b[7] = (uint8_t)addr;
}

/* lwIP 2.1's err_t values (lwip/err.h). */
int net_err_errno(int err)
{
	switch (err) {
	case 0: return 0;                 /* ERR_OK */
	case -1: return -ENOMEM;          /* ERR_MEM */
	case -2: return -ENOBUFS;         /* ERR_BUF */
	case -3: return -EAGAIN;          /* ERR_TIMEOUT */
	case -4: return -ENETUNREACH;     /* ERR_RTE: no route */
	case -5: return -EINPROGRESS;     /* ERR_INPROGRESS */
	case -6: return -EINVAL;          /* ERR_VAL */
	case -7: return -EAGAIN;          /* ERR_WOULDBLOCK */
	case -8: return -EADDRINUSE;      /* ERR_USE */
	case -9: return -EALREADY;        /* ERR_ALREADY */
	case -10: return -EISCONN;        /* ERR_ISCONN */
	case -11: return -ENOTCONN;       /* ERR_CONN */
	case -12: return -ENETDOWN;       /* ERR_IF */
	case -13: return -ECONNABORTED;   /* ERR_ABRT */
	case -14: return -ECONNRESET;     /* ERR_RST */
	case -15: return -ENOTCONN;       /* ERR_CLSD */
	case -16: return -EINVAL;         /* ERR_ARG */
	default: return -EIO;
	}
}
