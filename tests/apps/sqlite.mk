# SPDX-License-Identifier: MIT
# The SQLite shell from Debian's sqlite3 source package, built with toro-cc
# (docs/apps.md). Not part of `make`/`make all`: `make sqlite` builds
# build/apps/sqlite3.elf, and tests/apps/sqlite.sh runs it. Every step is
# cached in build/: the source is fetched once (tools/fetch-sqlite.sh), the
# amalgamation generated once on the host, the two big objects compiled once;
# a new kernel only relinks.
#   1. tools/fetch-sqlite.sh: Debian's tarballs, checked, patched -> build/sqlite
#   2. the host's configure + `make sqlite3.c shell.c` (tclsh runs
#      tool/mksqlite3c.tcl and tool/mkshellc.tcl) -> build/sqlite-host
#   3. toro-cc -c of sqlite3.c and shell.c, toro-cc link -> build/apps/

SQLITE_TREE  := $(B)/sqlite
SQLITE_STAMP := $(SQLITE_TREE)/.unpacked
SQLITE_HOST  := $(B)/sqlite-host
SQLITE_OUT   := $(B)/apps

# Compile options. Debian's own set (debian/rules' CFLAGS), so the shell in the
# guest and Debian's sqlite3 on the host, which the test compares it with, are
# the same program, with these differences:
#   SQLITE_OMIT_LOAD_EXTENSION  instead of ENABLE_LOAD_EXTENSION: a static
#                               image has no dlopen (.load is left out)
#   SQLITE_THREADSAFE=1         as Debian: the shell is single-threaded, but the
#                               mutexes are Toro's pthread mutexes and cost little
#   no readline/editline        HAVE_READLINE unset: the console has no input yet
#   no zlib                     SQLITE_HAVE_ZLIB unset: the shell's .archive and
#                               zipfile() need it, musl has none
#   (memory-mapped database I/O stays on, as in Debian's build: the test's
#   WAL run sets PRAGMA mmap_size, so reads go through a MAP_SHARED mapping
#   of the database that Toro keeps coherent with SQLite's pwrite()s)

.PHONY: sqlite
sqlite: deps-test $(SQLITE_OUT)/sqlite3.elf

$(SQLITE_STAMP): tools/fetch-sqlite.sh tools/sqlite.sha256
	tools/fetch-sqlite.sh $(B)

# The amalgamation does not depend on configure's findings: the host's
# compiler only builds the generators (lemon, mkkeywordhash, ...) and tclsh
# concatenates. Both files come from one make run (shell.c is made on the way).
$(SQLITE_HOST)/sqlite3.c: $(SQLITE_STAMP)
	rm -rf $(SQLITE_HOST)
	mkdir -p $(SQLITE_HOST)
	cd $(SQLITE_HOST) && CC=gcc ../sqlite/configure --disable-tcl --disable-readline \
	    --disable-editline --disable-load-extension > configure.log 2>&1 || \
	    { tail -n 20 configure.log; exit 1; }
	$(MAKE) -C $(SQLITE_HOST) sqlite3.c shell.c > $(SQLITE_HOST)/amalgamation.log 2>&1 || \
	    { tail -n 20 $(SQLITE_HOST)/amalgamation.log; exit 1; }
$(SQLITE_HOST)/shell.c: $(SQLITE_HOST)/sqlite3.c ;

$(SQLITE_OUT)/sqlite3.o: $(SQLITE_HOST)/sqlite3.c tests/apps/sqlite.mk $(TOROCC)
	@mkdir -p $(dir $@)
	$(TOROCC) $(SQLITE_CFLAGS) -c -o $@ $<
$(SQLITE_OUT)/shell.o: $(SQLITE_HOST)/shell.c tests/apps/sqlite.mk $(TOROCC)
	@mkdir -p $(dir $@)
	$(TOROCC) $(SQLITE_CFLAGS) -c -o $@ $<

# --no-net: musl's getpwuid (the shell looks up the home directory for
# ~/.sqliterc) asks nscd over a socket when /etc/passwd exists but lacks the
# user, so toro-cc would link the network kernel; without it that socket() is
# ENOSYS and getpwuid reports "not found", as on a host without nscd.
$(SQLITE_OUT)/sqlite3.elf: $(SQLITE_OUT)/sqlite3.o $(SQLITE_OUT)/shell.o $(B)/toro.o \
		$(B)/tools/mksyms $(B)/tools/toropack tools/toro.ld $(TOROCC)
	$(TOROCC) --no-net -o $@ $(SQLITE_OUT)/sqlite3.o $(SQLITE_OUT)/shell.o
