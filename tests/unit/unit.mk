# Host unit tests: build/unit/test_NAME from tests/unit/test_NAME.c plus the
# portable sources listed in UNIT_SRCS_test_NAME (and tests/unit/host_stubs.c).
UNIT_SRCS_test_fmt     := lib/fmt.c
UNIT_SRCS_test_cmdline := lib/cmdline.c
UNIT_SRCS_test_bootargs := lib/bootargs.c
UNIT_SRCS_test_symtab  := lib/symtab.c
UNIT_SRCS_test_pmm     := kernel/pmm.c
UNIT_SRCS_test_kheap   := kernel/kheap.c kernel/pmm.c
UNIT_SRCS_test_acpi    := drivers/acpi.c
UNIT_SRCS_test_mptable := drivers/mptable.c
# test_symtab runs tools/mksyms on nm listings (order-only: not linked in).
$(B)/unit/test_symtab: | $(B)/tools/mksyms
UNIT_SRCS_test_bootinfo := kernel/bootinfo.c kernel/bootinfo_linux.c
UNIT_SRCS_test_bootinfo_linux := kernel/bootinfo.c kernel/bootinfo_linux.c
UNIT_SRCS_test_uvm := kernel/uvm.c kernel/pmm.c
UNIT_SRCS_test_random := kernel/random.c
# The conversion of the program's timeouts (a fake user space and clock inside).
UNIT_SRCS_test_utime := kernel/utime.c
# These define the kernel hooks themselves (kernel/sched.c has its own
# pmm_cpu; test_pmm_percpu plays four cores): no host_stubs.c.
UNIT_OWN_STUBS := test_sched test_pmm_percpu
UNIT_SRCS_test_sched := kernel/sched.c
UNIT_SRCS_test_pmm_percpu := kernel/pmm.c
# test_kheap_percpu plays four cores too: its own pmm_cpu, no host_stubs.c.
UNIT_OWN_STUBS += test_kheap_percpu
UNIT_SRCS_test_kheap_percpu := kernel/kheap.c kernel/pmm.c
UNIT_SRCS_test_virtq := drivers/virtio/virtq.c
# net/ on lwIP's headers (fetched into build/lwip) with the fake kernel
# services of tests/unit/net_host.c (kwait on host threads).
UNIT_NET_FLAGS := -Inet -I$(LWIP)/include -pthread
UNIT_SRCS_test_net_sys := net/sys_arch.c kernel/ksem.c tests/unit/net_host.c
$(B)/unit/test_net_sys: UCFLAGS += $(UNIT_NET_FLAGS)
$(B)/unit/test_net_sys: | $(LWIP_STAMP)
# net/netmem.c's cap over the fake kernel heap (malloc).
UNIT_SRCS_test_netmem := net/netmem.c tests/unit/net_host.c kernel/ksem.c
$(B)/unit/test_netmem: UCFLAGS += $(UNIT_NET_FLAGS)
$(B)/unit/test_netmem: | $(LWIP_STAMP)
UNIT_OWN_STUBS += test_netcfg
UNIT_SRCS_test_netcfg := net/netcfg.c lib/cmdline.c lib/fmt.c
$(B)/unit/test_netcfg: UCFLAGS += -Inet
# net/netif.c with lwIP's core built for the host and a fake netdev.
UNIT_SRCS_test_netif := net/netif.c net/steer.c net/flow.c net/sys_arch.c net/loophook.c net/netmem.c net/tcptw.c net/chksum.c \
                        kernel/ksem.c tests/unit/net_host.c \
                        $(addprefix $(LWIP)/,$(LWIP_SRCS))
$(B)/unit/test_netif: UCFLAGS += $(UNIT_NET_FLAGS)
UNIT_SRCS_test_virtio := drivers/virtio/virtio.c drivers/virtio/virtq.c
# drivers/virtio/net.c under the real virtio core and virtq, against the
# simulated device of tests/unit/vnet_sim.c (shared with the fuzz harness).
UNIT_SRCS_test_vnet := drivers/virtio/net.c drivers/virtio/virtio.c drivers/virtio/virtq.c \
                       tests/unit/vnet_sim.c tests/unit/virtio_sim.c lib/fmt.c
# poll/epoll interest lists and the pipe ring (kernel/), sockaddr parsing (net/).
UNIT_SRCS_test_epoll_set := kernel/epoll_set.c
UNIT_SRCS_test_pipe_ring := kernel/pipe_ring.c
UNIT_SRCS_test_sockaddr := net/sockaddr.c
# The Internet checksum's sum (net/chksum.c) against a reference.
UNIT_SRCS_test_chksum := net/chksum.c
$(B)/unit/test_chksum: UCFLAGS += -Inet -I$(LWIP)/include
$(B)/unit/test_chksum: | $(LWIP_STAMP)
$(B)/unit/test_sockaddr: UCFLAGS += -Inet
# The HTTP request parser of examples/httpd (examples/kv uses it too).
UNIT_SRCS_test_http := examples/httpd/http.c
$(B)/unit/test_http: UCFLAGS += -Iexamples/httpd
# virtio-console control messages (drivers/virtio/console.c's portable half).
UNIT_SRCS_test_vcon_ctrl := drivers/virtio/console_ctrl.c
# The stats channel's line over faked kernel counts.
UNIT_SRCS_test_kstats := kernel/kstats.c lib/fmt.c
# fs/: the block cache over tests/unit/fs_host.c's RAM disk and kernel fakes.
UNIT_SRCS_test_bcache := fs/bcache.c tests/unit/fs_host.c
# The block device layer over the RAM disk of tests/unit/ramblk.c (which the
# file system tests build on too) and a fake driver of the test's own.
UNIT_SRCS_test_blkdev := drivers/blkdev.c tests/unit/ramblk.c
# The raw device file (/dev/vda) over the RAM disk.
UNIT_SRCS_test_blkfile := drivers/blkdev_file.c drivers/blkdev.c kernel/ksem.c tests/unit/ramblk.c
# drivers/virtio/blk.c under the real virtio core, virtq and block layer,
# against the simulated device of tests/unit/vblk_sim.c (shared with the
# fuzz harness).
UNIT_SRCS_test_vblk := drivers/virtio/blk.c drivers/virtio/virtio.c drivers/virtio/virtq.c \
                       drivers/blkdev.c tests/unit/vblk_sim.c tests/unit/virtio_sim.c lib/fmt.c
# fs/fat*.c: names, times and boot sectors alone; the rest over the block
# cache, the vnode table and tests/unit/fs_host.c's RAM disk, with images
# made by mkfs.fat/mcopy and checked by fsck.fat (tests/unit/fat_test.c).
FAT_SRCS := $(wildcard fs/fat*.c) fs/bcache.c fs/vnode.c tests/unit/fs_host.c tests/unit/fat_test.c \
            tests/unit/fat_check.c
UNIT_SRCS_test_fat_name := fs/fat_name.c fs/fat_time.c fs/fat_bpb.c tests/unit/fs_host.c
UNIT_SRCS_test_fat_read := $(FAT_SRCS)
UNIT_SRCS_test_fat_write := $(FAT_SRCS)
UNIT_SRCS_test_fat_meta := $(FAT_SRCS)
UNIT_SRCS_test_fat_crash := $(FAT_SRCS)
UNIT_SRCS_test_fat_corrupt := $(FAT_SRCS)
UNIT_SRCS_test_fat_ncache := $(FAT_SRCS)
UNIT_SRCS_test_mbr := drivers/blkdev_mbr.c
# Ctrl-Alt-Del in i8042 bytes (the shutdown request of VMs without ACPI).
UNIT_SRCS_test_kbd := drivers/kbd.c
# kernel/exit.c against recording stubs of everything it calls (its own).
UNIT_OWN_STUBS += test_exit
UNIT_SRCS_test_exit := kernel/exit.c
UNIT_SRCS_test_appelf := lib/appelf.c
