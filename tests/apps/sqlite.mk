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
#   SQLITE_MAX_MMAP_SIZE=0      no memory-mapped database I/O (PRAGMA mmap_size
#                               stays 0), as SQLite itself does on OpenBSD: it
#                               needs a MAP_SHARED mapping that sees the file's
#                               later write()s, and Toro's is a copy made at
#                               mmap time (docs/files.md), so reads after a WAL
#                               checkpoint returned the old rows (docs/apps.md).
#                               The WAL's -shm file is still mapped: only the
#                               mapping ever writes it
#   HAVE_USLEEP ... HAVE_ISNAN  what configure finds in musl (usleep for the busy
#                               handler, fdatasync, the _r time functions)
# plus upstream's shell options (Makefile.in's SHELL_OPT: FTS4, DBPAGE_VTAB,
# BYTECODE_VTAB, EXPLAIN_COMMENTS, OFFSET_SQL_FUNC).
SQLITE_DEFS := -DSQLITE_SECURE_DELETE -DSQLITE_ENABLE_COLUMN_METADATA \
	-DSQLITE_ENABLE_FTS3 -DSQLITE_ENABLE_FTS3_PARENTHESIS -DSQLITE_ENABLE_FTS4 \
	-DSQLITE_ENABLE_RTREE=1 -DSQLITE_SOUNDEX=1 -DSQLITE_ENABLE_UNLOCK_NOTIFY \
	-DSQLITE_OMIT_LOOKASIDE=1 -DSQLITE_ENABLE_DBSTAT_VTAB -DSQLITE_ALLOW_ROWID_IN_VIEW \
	-DSQLITE_ENABLE_UPDATE_DELETE_LIMIT=1 -DSQLITE_OMIT_LOAD_EXTENSION \
	-DSQLITE_ENABLE_JSON1 -DSQLITE_LIKE_DOESNT_MATCH_BLOBS -DSQLITE_THREADSAFE=1 \
	-DSQLITE_ENABLE_FTS3_TOKENIZER=1 -DSQLITE_USE_URI=1 -DSQLITE_MAX_SCHEMA_RETRY=25 \
	-DSQLITE_ENABLE_PREUPDATE_HOOK -DSQLITE_ENABLE_SESSION -DSQLITE_ENABLE_STMTVTAB \
	-DSQLITE_MAX_VARIABLE_NUMBER=250000 \
	-DSQLITE_ENABLE_EXPLAIN_COMMENTS -DSQLITE_ENABLE_DBPAGE_VTAB \
	-DSQLITE_ENABLE_BYTECODE_VTAB -DSQLITE_ENABLE_OFFSET_SQL_FUNC -DSQLITE_MAX_MMAP_SIZE=0 \
	-DHAVE_USLEEP=1 -DHAVE_FDATASYNC=1 -DHAVE_LOCALTIME_R=1 -DHAVE_GMTIME_R=1 \
	-DHAVE_STRERROR_R=1 -DHAVE_ISNAN=1 -DNDEBUG
SQLITE_CFLAGS := -O2 -fno-strict-aliasing -I$(SQLITE_HOST) $(SQLITE_DEFS)

.PHONY: sqlite
sqlite: deps $(SQLITE_OUT)/sqlite3.elf

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
