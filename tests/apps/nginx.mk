# SPDX-License-Identifier: MIT
# nginx from Debian's nginx source package, built with toro-cc (docs/apps.md).
# Not part of `make`/`make all`: `make nginx` builds build/apps/nginx.elf, and
# tests/apps/nginx.sh runs it. Every step is cached in build/: the source is
# fetched once, configured once, compiled once; a new kernel only relinks.
#   1. tools/fetch-nginx.sh: Debian's tarballs, checked, patched -> build/nginx
#   2. nginx's ./configure with --with-cc=musl-gcc -> build/nginx-obj: its
#      test programs are compiled, linked and run on the host, and since they
#      are linked against the same musl libc.a that toro-cc links, what they
#      find (epoll, accept4, pread, sendfile, ...) holds in the guest too
#   3. make with CC=toro-cc: the same objects compiled against musl's headers,
#      the image linked with the kernel -> build/apps/nginx.elf
# `make nginx-static` builds the same source with the same options as an
# ordinary static Linux program (musl-gcc -static, no Toro in it) ->
# build/apps/nginx-static, for `toro run --app` (docs/static.md).

NGINX_TREE  := $(B)/nginx
NGINX_STAMP := $(NGINX_TREE)/.unpacked
NGINX_OBJ   := $(abspath $(B))/nginx-obj
NGINX_SHIM  := $(abspath $(B))/nginx-shim

# What a static file server needs: the core, the static, index and autoindex
# modules, the access log, charset, try_files. No PCRE (so no rewrite module:
# its regular expressions need it), no zlib (gzip), no SSL, no upstreams; the
# epoll event method only. Paths are relative to the prefix, which `nginx -p`
# changes at run time; the error log goes to stderr (the console) until the
# configuration names another. The temporary directory of request bodies
# lands in /tmp (RAM) with the default prefix /.
NGINX_CONFIGURE := --with-cc=musl-gcc --with-cc-opt=-I$(NGINX_SHIM) \
	--builddir=$(NGINX_OBJ) --prefix=/ --conf-path=conf/nginx.conf \
	--error-log-path=stderr --http-log-path=logs/access.log \
	--pid-path=logs/nginx.pid --lock-path=logs/nginx.lock \
	--http-client-body-temp-path=tmp/body \
	--without-pcre --without-http_rewrite_module --without-http_gzip_module \
	--without-http-cache --without-http_proxy_module --without-http_fastcgi_module \
	--without-http_uwsgi_module --without-http_scgi_module --without-http_grpc_module \
	--without-http_memcached_module --without-http_ssi_module \
	--without-http_userid_module --without-http_auth_basic_module \
	--without-http_mirror_module --without-http_geo_module --without-http_map_module \
	--without-http_split_clients_module --without-http_referer_module \
	--without-http_limit_conn_module --without-http_limit_req_module \
	--without-http_empty_gif_module --without-http_browser_module \
	--without-http_upstream_hash_module --without-http_upstream_ip_hash_module \
	--without-http_upstream_least_conn_module --without-http_upstream_random_module \
	--without-http_upstream_keepalive_module --without-http_upstream_zone_module \
	--without-select_module --without-poll_module

.PHONY: nginx
nginx: deps $(B)/apps/nginx.elf

$(NGINX_STAMP): tools/fetch-nginx.sh tools/nginx.sha256
	tools/fetch-nginx.sh $(B)

# Debian's musl-dev has no <crypt.h> (musl declares crypt() in <unistd.h>),
# which nginx's Linux header includes unconditionally: a one-line stand-in.
$(NGINX_SHIM)/crypt.h: tests/apps/nginx.mk
	@mkdir -p $(dir $@)
	printf '/* musl declares crypt() in <unistd.h> */\n#include <unistd.h>\n' > $@

$(NGINX_OBJ)/Makefile: $(NGINX_STAMP) $(NGINX_SHIM)/crypt.h tests/apps/nginx.mk
	rm -rf $(NGINX_OBJ)
	cd $(NGINX_TREE) && ./configure $(NGINX_CONFIGURE) > configure.log 2>&1 || \
	    { tail -n 20 configure.log; exit 1; }

# nginx's own Makefile compiles (each object once) and links with $(CC):
# toro-cc links the kernel in. The link is redone when the kernel changed.
$(B)/apps/nginx.elf: $(NGINX_OBJ)/Makefile $(B)/toro.o $(B)/tools/mksyms \
		$(B)/tools/toropack tools/toro.ld $(TOROCC)
	@mkdir -p $(dir $@)
	rm -f $(NGINX_OBJ)/nginx
	$(MAKE) -C $(NGINX_TREE) -f $(NGINX_OBJ)/Makefile CC=$(abspath $(TOROCC)) \
	    > $(NGINX_OBJ)/build.log 2>&1 || { tail -n 20 $(NGINX_OBJ)/build.log; exit 1; }
	cp $(NGINX_OBJ)/nginx $@

# The unmodified static program: its own configure run (in its own directory;
# after the first one, as both rewrite the tree's top-level Makefile, which
# neither uses) and musl-gcc throughout.
NGINX_SOBJ := $(abspath $(B))/nginx-static-obj

.PHONY: nginx-static
nginx-static: deps $(B)/apps/nginx-static

$(NGINX_SOBJ)/Makefile: $(NGINX_STAMP) $(NGINX_SHIM)/crypt.h tests/apps/nginx.mk | $(NGINX_OBJ)/Makefile
	rm -rf $(NGINX_SOBJ)
	cd $(NGINX_TREE) && ./configure $(subst --builddir=$(NGINX_OBJ),--builddir=$(NGINX_SOBJ),$(NGINX_CONFIGURE)) \
	    --with-ld-opt=-static > configure-static.log 2>&1 || { tail -n 20 configure-static.log; exit 1; }

$(B)/apps/nginx-static: $(NGINX_SOBJ)/Makefile
	@mkdir -p $(dir $@)
	$(MAKE) -C $(NGINX_TREE) -f $(NGINX_SOBJ)/Makefile > $(NGINX_SOBJ)/build.log 2>&1 || \
	    { tail -n 20 $(NGINX_SOBJ)/build.log; exit 1; }
	cp $(NGINX_SOBJ)/nginx $@
