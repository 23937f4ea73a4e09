/* SPDX-License-Identifier: MIT */
/*
 * lwIP's build options for Toro: threads (NO_SYS=0) with the core lock taken
 * by callers (LWIP_TCPIP_CORE_LOCKING), the netconn API under our own socket
 * layer, IPv4 with ARP, ICMP, UDP, TCP, DHCP and DNS. Pools are sized for a
 * microservice with a few hundred connections; docs/network.md has the cost.
 */
#ifndef TORO_LWIPOPTS_H
#define TORO_LWIPOPTS_H

/* ---- system ---- */
#define NO_SYS                          0
#define LWIP_TCPIP_CORE_LOCKING         1
#define LWIP_TCPIP_CORE_LOCKING_INPUT   1
#define SYS_LIGHTWEIGHT_PROT            1
#define LWIP_ASSERT_CORE_LOCKED()       net_assert_core_locked()
void net_assert_core_locked(void);
#define TCPIP_MBOX_SIZE                 256
#define TCPIP_THREAD_NAME               "tcpip"
#define DEFAULT_TCP_RECVMBOX_SIZE       64
#define DEFAULT_UDP_RECVMBOX_SIZE       64
#define DEFAULT_RAW_RECVMBOX_SIZE       16
#define DEFAULT_ACCEPTMBOX_SIZE         256
#define LWIP_ERRNO_INCLUDE              <k/errno.h>

/* ---- APIs: netconn only; the POSIX socket calls are Toro's own ---- */
#define LWIP_NETCONN                    1
#define LWIP_SOCKET                     0
#define LWIP_NETIF_API                  0
#define LWIP_TCP_KEEPALIVE              1
#define SO_REUSE                        1

/* ---- memory: lwIP's heap and all its pools come from the kernel heap
 * (net/netmem.c), so nothing is reserved at boot and there is no fixed count
 * of connections or buffers; the counts below only size lwIP's checks. ---- */
#include <stddef.h>
void *net_mem_malloc(size_t size);
void *net_mem_calloc(size_t count, size_t size);
void net_mem_free(void *p);
#define MEM_LIBC_MALLOC                 1
#define MEMP_MEM_MALLOC                 1
#define mem_clib_malloc                 net_mem_malloc
#define mem_clib_calloc                 net_mem_calloc
#define mem_clib_free                   net_mem_free
#define MEM_ALIGNMENT                   8
#define MEMP_NUM_PBUF                   256           /* PBUF_REF/ROM */
#define MEMP_NUM_RAW_PCB                4
#define MEMP_NUM_UDP_PCB                32
#define MEMP_NUM_TCP_PCB                256
#define MEMP_NUM_TCP_PCB_LISTEN         16
#define MEMP_NUM_TCP_SEG                1024
#define MEMP_NUM_REASSDATA              8
#define MEMP_NUM_FRAG_PBUF              32
#define MEMP_NUM_ARP_QUEUE              64
#define MEMP_NUM_NETBUF                 256
#define MEMP_NUM_NETCONN                (MEMP_NUM_TCP_PCB + MEMP_NUM_TCP_PCB_LISTEN + \
					 MEMP_NUM_UDP_PCB)
#define MEMP_NUM_TCPIP_MSG_API          64
#define MEMP_NUM_TCPIP_MSG_INPKT        64
#define PBUF_POOL_SIZE                  256           /* received frames */
#define PBUF_POOL_BUFSIZE               1536          /* a whole frame, VLAN tag included */

/* ---- link and IPv4 ---- */
#define LWIP_IPV4                       1
#define LWIP_IPV6                       0
#define LWIP_ARP                        1
#define LWIP_ETHERNET                   1
#define ARP_TABLE_SIZE                  32
#define ARP_QUEUEING                    1
#define ETH_PAD_SIZE                    0
#define IP_REASSEMBLY                   1
#define IP_FRAG                         1
#define LWIP_ICMP                       1
#define LWIP_RAW                        1 /* toro.net.ping's echo replies (net.c) */
#define LWIP_IGMP                       0
#define LWIP_AUTOIP                     0
#define LWIP_HAVE_LOOPIF                1
#define LWIP_NETIF_LOOPBACK             1
#define LWIP_NETIF_STATUS_CALLBACK      1
#define LWIP_NETIF_LINK_CALLBACK        0
#define LWIP_NUM_NETIF_CLIENT_DATA      0
/* Ends ACK ping-pong between two zero-window local connections (net/loophook.c). */
struct pbuf;
struct netif;
int net_ip4_input_hook(struct pbuf *p, struct netif *inp);
#define LWIP_HOOK_IP4_INPUT(p, inp)     net_ip4_input_hook(p, inp)

/* ---- DHCP and DNS ---- */
#define LWIP_DHCP                       1
/* No ARP probe of the offered address: it would delay every boot by 0.5-1 s,
 * and on a VMM's virtual network the DHCP server hands out unique addresses. */
#define DHCP_DOES_ARP_CHECK             0
#define LWIP_DHCP_MAX_DNS_SERVERS       2
#define LWIP_DNS                        1
#define DNS_MAX_SERVERS                 2
#define DNS_TABLE_SIZE                  8
#define LWIP_DNS_SECURE                 (LWIP_DNS_SECURE_RAND_XID | \
					 LWIP_DNS_SECURE_NO_MULTIPLE_OUTSTANDING | \
					 LWIP_DNS_SECURE_RAND_SRC_PORT)

/* ---- UDP and TCP ---- */
#define LWIP_UDP                        1
#define LWIP_TCP                        1
#define TCP_MSS                         1460
#define TCP_WND                         (8 * TCP_MSS)
#define TCP_SND_BUF                     (8 * TCP_MSS)
#define TCP_SND_QUEUELEN                ((4 * TCP_SND_BUF + TCP_MSS - 1) / TCP_MSS)
#define TCP_QUEUE_OOSEQ                 1
#define TCP_OOSEQ_MAX_PBUFS             8
#define TCP_LISTEN_BACKLOG              1
#define TCP_DEFAULT_LISTEN_BACKLOG      255
#define LWIP_TCP_TIMESTAMPS             0
#define TCP_MSL                         30000UL /* TIME_WAIT 2 MSL = 60 s, as Linux */

/* ---- checksums: per netif, so a device's offloads switch them off (net/netif.c) ---- */
#define LWIP_CHECKSUM_CTRL_PER_NETIF    1
#define CHECKSUM_GEN_IP                 1
#define CHECKSUM_GEN_UDP                1
#define CHECKSUM_GEN_TCP                1
#define CHECKSUM_GEN_ICMP               1
#define CHECKSUM_CHECK_IP               1
#define CHECKSUM_CHECK_UDP              1
#define CHECKSUM_CHECK_TCP              1
#define CHECKSUM_CHECK_ICMP             1
#define LWIP_CHECKSUM_ON_COPY           1
/* TCP data is copied (and summed) by net/sockio.c: a source may be the
 * program's memory, read only through user_copy_in. */
unsigned short net_chksum_copy(void *dst, const void *src, unsigned short len);
#define LWIP_CHKSUM_COPY(dst, src, len) net_chksum_copy(dst, src, len)
/* The plain sum, a word at a time (net/chksum.c). */
unsigned short net_chksum(const void *data, int len);
#define LWIP_CHKSUM net_chksum

/* ---- the kernel's random generator ---- */
#define LWIP_RAND()                     net_rand()
unsigned int net_rand(void);
/* Initial sequence numbers from the kernel's ChaCha20 generator (lwIP's own
 * are a counter starting at 6510, which lets anyone guess them, RFC 6528). */
#define LWIP_HOOK_TCP_ISN(local_ip, local_port, remote_ip, remote_port) net_rand()

/* ---- statistics and debugging: off unless built with -DTORO_LWIP_DEBUG ---- */
#define LWIP_STATS                      0
#ifdef TORO_LWIP_DEBUG
#define LWIP_DEBUG                      1
#define LWIP_DBG_TYPES_ON               LWIP_DBG_ON
#define DHCP_DEBUG                      LWIP_DBG_ON
#define NETIF_DEBUG                     LWIP_DBG_ON
#define TCPIP_DEBUG                     LWIP_DBG_ON
#endif

#endif
