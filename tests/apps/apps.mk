# SPDX-License-Identifier: MIT
# Programs from Debian's source packages built with CC=toro-cc the way their
# own build systems build them (docs/apps.md): not part of `make`; `make hello`
# and `make lua` build them, tests/apps/hello.sh and tests/apps/lua.sh run them.
# The sources are fetched once into build/ (tools/fetch-app.sh: checked
# against tools/NAME.sha256); a new kernel or toro-cc rebuilds.
#   hello: GNU hello 2.10 (autoconf + gnulib), configured twice:
#     build/apps/hello-build   ./configure --host=x86_64-linux-musl CC=toro-cc
#                              (cross mode: configure runs nothing it builds)
#     build/apps/hello-native  TORO_CC_HOST=1 ./configure CC=toro-cc (configure
#                              runs its test programs on the host), then make
#                              without it: Toro images again
#     build/apps/hello-host    the objects of hello-build linked by
#                              TORO_CC_HOST=1 toro-cc: the same program for the
#                              host, the test's reference
#   lua: Lua 5.4.4 (Debian's lua5.4 with its patches but the libtool one),
#     upstream's Makefile, `make linux CC="toro-cc -std=gnu99"`: it links
#     with -lm -Wl,-E -ldl -> build/apps/lua5.4.elf

APPS_OUT    := $(B)/apps
TOROCC_ABS  := $(abspath $(TOROCC))
APP_KERNEL  := $(B)/toro.o $(B)/tools/mksyms $(B)/tools/toropack tools/toro.ld $(TOROCC)

.PHONY: hello lua
hello: deps-test $(APPS_OUT)/hello.elf $(APPS_OUT)/hello-native.elf $(APPS_OUT)/hello-host
lua: deps-test $(APPS_OUT)/lua5.4.elf

$(B)/hello/.unpacked: tools/fetch-app.sh tools/debian-src.sh tools/hello.sha256
	tools/fetch-app.sh hello $(B)
$(B)/lua/.unpacked: tools/fetch-app.sh tools/debian-src.sh tools/lua.sha256
	tools/fetch-app.sh lua $(B)

# configure_hello DIR ENV ARGS: a fresh build directory, configure's log kept.
configure_hello = rm -rf $(1) && mkdir -p $(1) && cd $(1) && \
	$(2) $(abspath $(B))/hello/configure $(3) CC=$(TOROCC_ABS) > configure.log 2>&1 || \
	{ tail -n 20 $(1)/configure.log; exit 1; }

$(APPS_OUT)/hello.elf: $(B)/hello/.unpacked $(APP_KERNEL) tests/apps/apps.mk
	$(call configure_hello,$(APPS_OUT)/hello-build,,--host=x86_64-linux-musl)
	$(MAKE) --no-silent -C $(APPS_OUT)/hello-build > $(APPS_OUT)/hello-build/make.log 2>&1 || \
	    { tail -n 20 $(APPS_OUT)/hello-build/make.log; exit 1; }
	cp $(APPS_OUT)/hello-build/hello $@
$(APPS_OUT)/hello-host: $(APPS_OUT)/hello.elf
	TORO_CC_HOST=1 $(TOROCC) -o $@ $(APPS_OUT)/hello-build/src/hello.o \
	    $(APPS_OUT)/hello-build/lib/libhello.a
$(APPS_OUT)/hello-native.elf: $(B)/hello/.unpacked $(APP_KERNEL) tests/apps/apps.mk
	$(call configure_hello,$(APPS_OUT)/hello-native,TORO_CC_HOST=1,)
	$(MAKE) --no-silent -C $(APPS_OUT)/hello-native > $(APPS_OUT)/hello-native/make.log 2>&1 || \
	    { tail -n 20 $(APPS_OUT)/hello-native/make.log; exit 1; }
	cp $(APPS_OUT)/hello-native/hello $@

# Built in a copy of the tree: upstream's Makefile builds in src/.
$(APPS_OUT)/lua5.4.elf: $(B)/lua/.unpacked $(APP_KERNEL) tests/apps/apps.mk
	rm -rf $(APPS_OUT)/lua-build && mkdir -p $(APPS_OUT) && cp -r $(B)/lua $(APPS_OUT)/lua-build
	$(MAKE) --no-silent -C $(APPS_OUT)/lua-build/src linux CC="$(TOROCC_ABS) -std=gnu99" \
	    > $(APPS_OUT)/lua-build/make.log 2>&1 || { tail -n 20 $(APPS_OUT)/lua-build/make.log; exit 1; }
	cp $(APPS_OUT)/lua-build/src/lua $@
