/* SPDX-License-Identifier: MIT */
/*
 * The network as a link-time component (k/component.h, docs/kernel.md
 * "Components"): toro-cc names toro_sysgroup_net when the program calls
 * musl's socket functions (tools/components.tab), and this table brings in
 * the socket system calls, the start of the stack (after the drivers and the
 * stats channel) and the exit's drain. Without it no byte of net/ or lwIP is
 * in the image. The virtio-net driver is a component of its own
 * (toro_sysgroup_virtio_net, drivers/virtio/net.c): without it the stack runs
 * over the loopback interface only.
 */
#include <k/component.h>
#include <k/net.h>
#include "../kernel/sys.h"

#include "net_impl.h"

/* Before the unix group's in the sorted tables: this shutdown(2) also takes
 * the descriptors that are not sockets of the network (socketpair's). */
SYSGROUP(net) = {
	SYSOPT_HOOK(SYSOPT_START, net_init),
	SYSOPT_HOOK(SYSOPT_EXIT, net_drain),
	SYSOPT_CALL(41, sys_socket), SYSOPT_CALL(42, sys_connect), SYSOPT_CALL(43, sys_accept),
	SYSOPT_CALL(44, sys_sendto), SYSOPT_CALL(45, sys_recvfrom), SYSOPT_CALL(46, sys_sendmsg),
	SYSOPT_CALL(47, sys_recvmsg), SYSOPT_CALL(48, sys_shutdown), SYSOPT_CALL(49, sys_bind),
	SYSOPT_CALL(50, sys_listen), SYSOPT_CALL(51, sys_getsockname),
	SYSOPT_CALL(52, sys_getpeername), SYSOPT_CALL(54, sys_setsockopt),
	SYSOPT_CALL(55, sys_getsockopt), SYSOPT_CALL(288, sys_accept4),
};
