# SPDX-License-Identifier: MIT
# Toro build. `make` builds the kernel object, toro-cc's pieces, the examples and
# the guest tests into build/. `make run`, `make test`, `make bench`: see README.md.

B        := build
CC       := gcc
LD       := ld
OBJCOPY  := objcopy

KCFLAGS  := -std=gnu11 -Os -g -ffreestanding -fno-pie -fno-stack-protector \
            -fno-builtin-printf -mgeneral-regs-only -mno-red-zone -mcmodel=small \
            -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
            -ffunction-sections -fdata-sections -fno-common \
            -Wall -Wextra -Wno-unused-parameter -Werror=implicit-function-declaration \
            -Iinclude -MMD -MP
KASFLAGS := -Iinclude -MMD -MP

KSRCS := $(wildcard arch/x86_64/*.S arch/x86_64/*.c kernel/*.c drivers/*.c drivers/virtio/*.c lib/*.c fs/*.c)
KOBJS := $(patsubst %,$(B)/k/%.o,$(KSRCS))

EXAMPLES    := $(notdir $(wildcard examples/*))
EXAMPLE_ELF := $(foreach e,$(EXAMPLES),$(B)/examples/$(e).elf)
GUEST_TESTS := $(basename $(notdir $(wildcard tests/guest/*.c)))
GUEST_ELF   := $(foreach t,$(GUEST_TESTS),$(B)/tests/guest/$(t).elf $(B)/tests/guest/$(t).pvh.elf)

TOROCC := bin/toro-cc

.PHONY: all kernel examples guest-tests net-tests unit-tests run test bench bench-serve deps clean fuzz sysfuzz soak
.PHONY: deps-build deps-run deps-test deps-bench deps-fuzz
all: deps-build kernel examples guest-tests net-tests sysfuzz-image

# tools/deps.sh: the Debian packages of each kind of work, installed when
# missing (as root); `make` needs only the build's, so it works as any user.
deps:
	@tools/deps.sh all
deps-build deps-run deps-test deps-bench deps-fuzz:
	@tools/deps.sh $(@:deps-%=%)

kernel: $(B)/toro.o $(B)/tools/mksyms $(B)/tools/toropack $(B)/toro-app.elf \
	$(B)/tools/toroapp $(B)/tools/listen-backlog.so $(B)/tools/toro-serve

$(B)/k/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -c $< -o $@

$(B)/k/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(KASFLAGS) -c $< -o $@

# ---- network: lwIP (Debian's source package, fetched into build/lwip) + net/ ----
LWIP      := $(B)/lwip/src
LWIP_STAMP := $(B)/lwip/.unpacked
LWIP_SRCS := $(addprefix core/,def.c dns.c inet_chksum.c init.c ip.c mem.c memp.c netif.c \
               pbuf.c raw.c stats.c sys.c tcp.c tcp_in.c tcp_out.c timeouts.c udp.c) \
             $(addprefix core/ipv4/,dhcp.c etharp.c icmp.c ip4.c ip4_addr.c ip4_frag.c) \
             $(addprefix api/,api_lib.c api_msg.c err.c netbuf.c tcpip.c) netif/ethernet.c
LWIP_OBJS := $(patsubst %.c,$(B)/net/lwip/%.c.o,$(LWIP_SRCS))
NET_SRCS  := $(wildcard net/*.c net/arch/*.c)
NET_OBJS  := $(patsubst %,$(B)/net/%.o,$(NET_SRCS))
# lwIP and net/ see only the compiler's freestanding headers, net/libc/ (the
# few C library headers lwIP includes) and the kernel's.
NCFLAGS   := $(KCFLAGS) -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
             -Inet/libc -Inet -I$(LWIP)/include -fmacro-prefix-map=$(LWIP)/=lwip/

$(LWIP_STAMP): tools/fetch-lwip.sh tools/lwip.sha256 $(wildcard tools/lwip-patches/*.patch)
	tools/fetch-lwip.sh $(B)

$(B)/net/lwip/%.c.o: $(LWIP)/%.c $(LWIP_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(NCFLAGS) -c $< -o $@

$(B)/net/net/%.c.o: net/%.c $(LWIP_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(NCFLAGS) -c $< -o $@

# Explicit targets (a pattern rule would make them intermediate: deleted after use).
$(addprefix $(LWIP)/,$(LWIP_SRCS)): $(LWIP_STAMP) ;

# The kernel, compiled once: one relocatable object whose only global symbols
# are its entry points and its components' tables (tools/toro.syms), so the
# kernel's memcpy & co. never meet musl's. Every component (the network with
# lwIP, the files, each optional driver and system call group) is in it; the
# final link keeps those toro-cc names (--require-defined=toro_sysgroup_X,
# tools/components.tab) and --gc-sections drops the rest (docs/kernel.md,
# "Components"). Allocated sections get a .toro prefix so the linker script can
# give kernel pages their own (supervisor) protections.
$(B)/toro.o: $(KOBJS) $(NET_OBJS) $(LWIP_OBJS) tools/toro.syms
	$(LD) -r --unique -o $(B)/toro-full.o $(KOBJS) $(NET_OBJS) $(LWIP_OBJS)
	tools/check-undef.sh $(B)/toro-full.o
	$(OBJCOPY) --keep-global-symbols=tools/toro.syms --prefix-alloc-sections=.toro \
	    $(B)/toro-full.o $@

$(B)/tools/mksyms: tools/mksyms.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -Iinclude -o $@ $<

$(B)/tools/toropack: tools/toropack.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -o $@ $<

# The loader image of `toro pack --app` (docs/static.md): every component.
$(B)/tools/toroapp: tools/toroapp.c lib/appelf.c include/k/appelf.h
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -DTORO_HOST -Iinclude -o $@ tools/toroapp.c lib/appelf.c
$(B)/toro-app.elf: tools/apploader.c $(B)/toro.o $(B)/tools/mksyms \
		   $(B)/tools/toropack tools/toro.ld $(TOROCC)
	$(TOROCC) -O2 --net --with=all --app-loader -o $@ tools/apploader.c
# Preloaded into QEMU by bin/toro: hostfwd's listen backlog of 1 raised
# (tools/listen-backlog.c, docs/network.md).
$(B)/tools/listen-backlog.so: tools/listen-backlog.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -shared -fPIC -o $@ $< -ldl

# toro serve (tools/serve/, docs/deploy.md): bin/toro serve execs it.
$(B)/tools/toro-serve: $(wildcard tools/serve/*.c tools/serve/*.h)
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -o $@ $(filter %.c,$^)

examples: $(EXAMPLE_ELF)
# toro-cc arguments of an example beyond its own examples/NAME/*.c: sources it
# shares with another example, files the build generates.
EXAMPLE_ARGS_httpd := $(B)/examples/httpd/www.S
EXAMPLE_ARGS_kv    := -Iexamples/httpd examples/httpd/http.c examples/httpd/server.c
# What an example depends on beyond its directory: those files, and the
# headers beside the shared sources. (A function: a % written in the rule
# itself would be taken for the stem.)
example_deps = $(filter-out -%,$(EXAMPLE_ARGS_$(1))) \
               $(wildcard $(addsuffix *.h,$(sort $(dir $(filter %.c,$(EXAMPLE_ARGS_$(1)))))))
.SECONDEXPANSION:
$(B)/examples/%.elf: $$(wildcard examples/$$*/*.[ch]) $$(call example_deps,$$*) \
		     $(B)/toro.o $(B)/tools/mksyms $(B)/tools/toropack tools/toro.ld $(TOROCC)
	@mkdir -p $(dir $@)
	$(TOROCC) -O2 -o $@ $(wildcard examples/$*/*.c) $(EXAMPLE_ARGS_$*)

# httpd's site, linked into the image: examples/httpd/www/ and a logo that
# tools/mkpng draws, turned into .incbin lines by tools/mkembed.
HTTPD_WWW := examples/httpd/www $(shell find examples/httpd/www -type f 2>/dev/null)
$(B)/examples/httpd/gen/logo.png: $(B)/tools/mkpng
	@mkdir -p $(dir $@)
	$(B)/tools/mkpng $@
$(B)/examples/httpd/www.S: $(B)/tools/mkembed $(HTTPD_WWW) $(B)/examples/httpd/gen/logo.png
	$(B)/tools/mkembed -o $@ examples/httpd/www $(B)/examples/httpd/gen

$(B)/tools/mkembed: tools/mkembed.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -o $@ $<

$(B)/tools/mkpng: tools/mkpng.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -o $@ $<

# ---- network tests (tests/net/run.sh): the host's client and a test httpd
# whose site also has a 10 MiB file (a counting pattern, made by mkembed).
NET_T := $(B)/tests/net
net-tests: $(NET_T)/httpd.elf $(NET_T)/netclient $(NET_T)/overload $(NET_T)/memprobe.elf $(NET_T)/exitsrv.elf
$(NET_T)/big/big.bin: $(B)/tools/mkembed
	@mkdir -p $(dir $@)
	$(B)/tools/mkembed --pattern $@ 10485760
$(NET_T)/www.S: $(B)/tools/mkembed $(HTTPD_WWW) $(B)/examples/httpd/gen/logo.png $(NET_T)/big/big.bin
	$(B)/tools/mkembed -o $@ examples/httpd/www $(B)/examples/httpd/gen $(NET_T)/big
$(NET_T)/httpd.elf: $(wildcard examples/httpd/*.c examples/httpd/*.h) $(NET_T)/www.S \
		    $(B)/toro.o $(B)/tools/mksyms $(B)/tools/toropack tools/toro.ld $(TOROCC)
	$(TOROCC) -O2 -o $@ $(wildcard examples/httpd/*.c) $(NET_T)/www.S
# exitsrv: the server of tests/net/exitdrain.sh (answers, closes, returns from main).
$(NET_T)/exitsrv.elf: tests/net/exitsrv.c $(B)/toro.o $(B)/tools/mksyms \
		      $(B)/tools/toropack tools/toro.ld $(TOROCC)
	$(TOROCC) -O2 -o $@ $<
$(NET_T)/netclient: tests/net/netclient.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -pthread -o $@ $<
$(NET_T)/overload: tests/net/overload.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -pthread -o $@ $<
# The guest half of tests/net/mem.sh's stats test.
$(NET_T)/memprobe.elf: tests/net/memprobe.c $(B)/toro.o $(B)/tools/mksyms 		       $(B)/tools/toropack tools/toro.ld $(TOROCC)
	@mkdir -p $(dir $@)
	$(TOROCC) -O2 -o $@ $<

guest-tests: $(GUEST_ELF)
# A test's "// toro-cc: OPTIONS" line: toro-cc options of its own (a component
# its musl functions do not bring, e.g. --with=signals for a bare rt_sigreturn).
guest_torocc = $(shell sed -n 's|^// toro-cc: ||p' $(1))
$(B)/tests/guest/%.elf: tests/guest/%.c $(B)/toro.o $(B)/tools/mksyms $(B)/tools/toropack tools/toro.ld $(TOROCC)
	@mkdir -p $(dir $@)
	$(TOROCC) -O2 $(call guest_torocc,$<) -o $@ $<
# PVH-only variant: no Multiboot header, so QEMU takes the PVH note.
$(B)/tests/guest/%.pvh.elf: tests/guest/%.c $(B)/toro.o $(B)/tools/mksyms $(B)/tools/toropack tools/toro.ld $(TOROCC)
	@mkdir -p $(dir $@)
	$(TOROCC) --pvh-only -O2 $(call guest_torocc,$<) -o $@ $<

# ---- the system call fuzzer (tests/sysfuzz, docs/testing.md): every optional
# group, the network kernel and the kernel's self-check linked in.
SYSFUZZ := $(B)/tests/sysfuzz/sysfuzz.elf
.PHONY: sysfuzz-image
sysfuzz-image: $(SYSFUZZ)
$(SYSFUZZ): $(wildcard tests/sysfuzz/*.[ch]) $(B)/toro.o $(B)/tools/mksyms \
	    $(B)/tools/toropack tools/toro.ld $(TOROCC)
	@mkdir -p $(dir $@)
	$(TOROCC) -O2 --net --with=all -o $@ $(wildcard tests/sysfuzz/*.c)

# ---- host unit tests (cmocka, sanitizers) ----
include tests/boot/boot.mk
include tests/unit/unit.mk
UNIT_TESTS := $(basename $(notdir $(wildcard tests/unit/test_*.c)))
UNIT_BINS  := $(foreach t,$(UNIT_TESTS),$(B)/unit/$(t))
UCFLAGS := -std=gnu11 -g -O1 -DTORO_HOST -Iinclude -Wall -Wextra -Wno-unused-parameter \
           -fsanitize=address,undefined -fno-sanitize-recover=all
.SECONDEXPANSION:
$(B)/unit/%: tests/unit/%.c $$(UNIT_SRCS_$$*) $$(if $$(filter $$*,$$(UNIT_OWN_STUBS)),,tests/unit/host_stubs.c)
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -o $@ $^ -lcmocka
unit-tests: $(UNIT_BINS)
$(UNIT_BINS): | deps-test

# ---- third-party programs built with toro-cc (not in `all`): make sqlite ----
include tests/apps/sqlite.mk
include tests/apps/apps.mk
include tests/apps/nginx.mk
include tests/apps/redis.mk

# The file server on microvm, its port 80 reachable as 127.0.0.1:8080 on the host.
run: deps-run all
	@echo "make run: examples/httpd on QEMU microvm, 2 cores; try: curl http://127.0.0.1:8080/ (Ctrl-C stops it)"
	bin/toro run --machine microvm --smp 2 --net user:8080:80 $(B)/examples/httpd.elf

test: deps-test all unit-tests
	@tests/run-all.sh

bench: deps-bench all
	@bench/run.sh

# Only the toro serve rows of make bench (bench/serve.sh, docs/deploy.md).
bench-serve: all
	@bench/serve.sh

# The libFuzzer harnesses, then long runs of the system call fuzzer with fresh
# seeds (SYSFUZZ_RUNS runs of SYSFUZZ_SECONDS each, over q35, microvm and pc,
# 1 and 2 vCPUs); `make sysfuzz` runs only the latter.
SYSFUZZ_RUNS ?= 6
SYSFUZZ_SECONDS ?= 120
fuzz: deps-fuzz sysfuzz-image
	@tests/fuzz/run.sh; r=$$?; tests/sysfuzz/run.sh --long $(SYSFUZZ_RUNS) --seconds $(SYSFUZZ_SECONDS) && exit $$r

sysfuzz: deps-fuzz sysfuzz-image
	@tests/sysfuzz/run.sh --long $(SYSFUZZ_RUNS) --seconds $(SYSFUZZ_SECONDS)

# Long runs under load over a tap device (root; SKIP otherwise), outside
# make test: SOAK_SECONDS=N for a shorter one (600 by default).
soak: all
	@tests/soak/run.sh

clean:
	rm -rf $(B)

-include $(shell find $(B)/k $(B)/net -name '*.d' 2>/dev/null)
