# SPDX-License-Identifier: MIT
# Redis from Debian's redis source package (7.0.15), built with toro-cc
# (docs/apps.md). Not part of `make`/`make all`: `make redis` builds
# build/apps/redis-server.elf, and tests/apps/redis.sh runs it;
# `make redis-linux` builds the same source with `musl-gcc -static` for the
# bench's Linux guest (bench/redis.sh). Every step is cached in build/: the
# source is fetched once (tools/fetch-redis.sh), each build tree compiles its
# objects once (Redis's own Makefile, incremental); a new kernel only relinks.
#   1. tools/fetch-redis.sh: Debian's tarballs, checked, patched -> build/redis
#   2. a copy per compiler -> build/redis-toro, build/redis-linux
#   3. Redis's Makefile with CC=toro-cc: its bundled hiredis, lua,
#      hdr_histogram and linenoise, then redis-server -> build/apps/
# The redis-cli and redis-benchmark the tests drive are Debian's (redis-tools
# on the host).

REDIS_TREE  := $(B)/redis
REDIS_STAMP := $(REDIS_TREE)/.unpacked
REDIS_OUT   := $(B)/apps

# Redis's Makefile, as Debian builds it (debian/rules) but for:
#   MALLOC=libc        musl's malloc, no jemalloc (Debian links the system's)
#   USE_SYSTEMD=no     no libsystemd (no sd_notify in a unikernel)
#   BUILD_TLS=no       no OpenSSL
#   FINAL_LIBS=        musl's libc.a holds libm, libpthread, librt, libdl:
#                      Redis's -lm -ldl -pthread -lrt are not needed (and
#                      -lm would find glibc's libm.a before musl's)
#   LDFLAGS=-L<musl>   for the lua interpreter the deps build on the way
#                      (not used by redis-server): its -lm finds musl's
#                      empty libm.a, not glibc's (until toro-cc puts musl's
#                      directory first itself)
#   FINAL_LDFLAGS=-g   without Redis's -rdynamic: a static image exports
#                      nothing (its crash report has no symbol names; Toro's
#                      own backtrace has them)
REDIS_MAKEVARS = MALLOC=libc USE_SYSTEMD=no BUILD_TLS=no FINAL_LIBS= OPTIMIZATION=-O2 \
		 LDFLAGS=-L/usr/lib/x86_64-linux-musl

.PHONY: redis redis-linux
redis: deps $(REDIS_OUT)/redis-server.elf
redis-linux: $(REDIS_OUT)/redis-server.linux

$(REDIS_STAMP): tools/fetch-redis.sh tools/redis.sha256
	tools/fetch-redis.sh $(B)

# A build tree per compiler, copied from the patched source when it changes.
$(B)/redis-%/.copied: $(REDIS_STAMP)
	rm -rf $(B)/redis-$*
	cp -r $(REDIS_TREE) $(B)/redis-$*
	touch $@

# redis_build TREE CC LDFLAGS: the bundled libraries (Redis's own Makefile
# builds them only when its settings change, and ignores their failures),
# then redis-server, in build/redis-TREE.
define redis_build
	$(MAKE) -C $(B)/redis-$(1)/deps CC=$(2) $(REDIS_MAKEVARS) hiredis linenoise lua \
	    hdr_histogram > $(B)/redis-$(1)/build.log 2>&1 || \
	    { tail -n 20 $(B)/redis-$(1)/build.log; exit 1; }
	$(MAKE) -C $(B)/redis-$(1)/src CC=$(2) $(REDIS_MAKEVARS) FINAL_LDFLAGS=$(3) \
	    redis-server >> $(B)/redis-$(1)/build.log 2>&1 || \
	    { tail -n 20 $(B)/redis-$(1)/build.log; exit 1; }
endef

# Redis's Makefile keeps its objects; the link is made again whenever the
# kernel objects change (its own rule would not see them).
$(REDIS_OUT)/redis-server.elf: $(B)/redis-toro/.copied tests/apps/redis.mk $(B)/toro.o \
		$(B)/tools/mksyms $(B)/tools/toropack tools/toro.ld $(TOROCC)
	@mkdir -p $(dir $@)
	rm -f $(B)/redis-toro/src/redis-server
	$(call redis_build,toro,$(abspath $(TOROCC)),-g)
	cp $(B)/redis-toro/src/redis-server $@

$(REDIS_OUT)/redis-server.linux: $(B)/redis-linux/.copied tests/apps/redis.mk
	@mkdir -p $(dir $@)
	$(call redis_build,linux,musl-gcc,-static)
	cp $(B)/redis-linux/src/redis-server $@
	strip $@
