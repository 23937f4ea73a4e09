#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/tools/toro-cc.sh: toro-cc as a drop-in CC (docs/apps.md), each flag checked
# by what a user would see: --version and -v name Toro and the gcc underneath;
# -dumpmachine, -print-file-name= and -print-libgcc-file-name answer; -lm,
# -lpthread, -lrt, -ldl, -lcrypt, -lutil link musl (never glibc's archives)
# and the image computes what the host computes; objects compiled with -fPIC,
# -fpic, -fPIE and -fpie link into a bootable image; -shared and -pie are one
# clear line and no file; -M, -MM, -MD/-MF/-MT, -MMD/-MP write what gcc
# writes; @response files (quotes, nested, a -c inside) are read and a bad one
# refused; -Wl, reaches the linker; -c, -S, -E give an object, assembly and
# preprocessed text; TORO_CC_HOST=1 links a static musl program that runs on
# the host. Two boots (QEMU, pc).
#   tests/tools/toro-cc.sh [--counts FILE] [--keep]
# Prints PASS/FAIL per check and "toro-cc: N passed, N failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
counts= keep=0
while [ $# -gt 0 ]; do
	case "$1" in
	--counts) counts=$2; shift ;;
	--keep) keep=1 ;;
	*) echo "usage: $0 [--counts FILE] [--keep]" >&2; exit 2 ;;
	esac
	shift
done
TCC=$ROOT/bin/toro-cc
TORO=$ROOT/bin/toro
MUSL_LIB=/usr/lib/x86_64-linux-musl
passed=0 failed=0
work=$(mktemp -d "${TMPDIR:-/tmp}/toro-cc-test.XXXXXX")
[ $keep = 1 ] && echo "keeping $work" || trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2

pass() { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
check() { # DESCRIPTION COMMAND...: passes when the command succeeds
	local what=$1; shift
	if "$@" > check.out 2>&1; then pass "$what"; else
		fail "$what"; tail -n 8 check.out | sed 's/^/    /'; fi
}
boot() { # IMAGE ARGS...: prints the program's console lines and "exit N"
	local rc
	"$TORO" run --timeout 120 --machine pc --mem 32 "$@" > boot.raw 2>&1
	rc=$?
	grep -v '^toro: ' boot.raw | tr -d '\r'
	echo "exit $rc"
}
same_as_ref() { # WHAT FILE: FILE's lines equal the host reference's
	if cmp -s "$2" ref.out; then pass "$1: $(head -n 1 "$2" | cut -c1-50)... as on the host"
	else fail "$1: differs from the host's glibc build"; diff ref.out "$2" | head -n 8 | sed 's/^/    /'; fi
}

# ---- the programs ----
# math.c: libm, threads, a thread-local variable, a function pointer
# and a global reached through the GOT when compiled as PIC.
cat > math.c <<'EOF'
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
extern int counter;
extern __thread int tls_value;
int bump(int by);
static void *worker(void *arg) { tls_value += 100; return (void *)(long)bump(*(int *)arg); }
int main(int argc, char **argv)
{
	pthread_t t;
	int by = 5;
	void *r;
	if (pthread_create(&t, NULL, worker, &by) || pthread_join(t, &r)) return 2;
	printf("sin %.9f exp %.9f pow %.9f lgamma %.9f\n", sin(argc + 0.5), exp(argc * 1.25),
	       pow(2.0, argc + 0.5), lgamma(argc * 3.5));
	printf("thread %ld tls %d counter %d\n", (long)r, tls_value, counter);
	return 7;
}
EOF
cat > lib.c <<'EOF'
int counter = 40;
__thread int tls_value = 3;
int (*bump_ptr)(int);
static int bump_impl(int by) { counter += by; return counter; }
int bump(int by) { bump_ptr = bump_impl; return bump_ptr(by); }
EOF
# What the host's glibc computes for the same source (a reference not built by toro-cc).
if gcc -O2 -o ref math.c lib.c -lm -lpthread 2>ref.err; then
	./ref a b > ref.out; echo "exit $?" >> ref.out
else
	fail "host reference build: gcc math.c lib.c -lm -lcrypt"; sed 's/^/    /' ref.err
fi

# ---- queries ----
out=$("$TCC" --version 2>&1); rc=$?
gccv=$(gcc --version | head -n 1)
if [ $rc = 0 ] && echo "$out" | head -n 1 | grep -q '^toro-cc (Toro ' &&
   echo "$out" | grep -qxF "$gccv"; then
	pass "--version: '$(echo "$out" | head -n 1 | cut -c1-60)...' and '$gccv'"
else
	fail "--version (exit $rc): $(echo "$out" | head -n 2 | tr '\n' '|')"
fi
out=$("$TCC" -v 2>&1); rc=$?
if [ $rc = 0 ] && echo "$out" | grep -q '^toro-cc (Toro ' && echo "$out" | grep -q '^gcc version '; then
	pass "-v: Toro's line and gcc's 'gcc version' line"
else
	fail "-v (exit $rc): $(echo "$out" | head -n 3 | tr '\n' '|')"
fi
check "-dumpmachine says x86_64-linux-musl" test "$("$TCC" -dumpmachine)" = x86_64-linux-musl
check "-print-file-name=libc.a is musl's" test "$("$TCC" -print-file-name=libc.a)" = "$MUSL_LIB/libc.a"
check "-print-file-name= among other options (as libtool asks) is musl's" \
	test "$("$TCC" -O2 -fPIC -print-file-name=libc.a)" = "$MUSL_LIB/libc.a"
check "-v -O2 without input: Toro's line and gcc's version" \
	sh -c "'$TCC' -v -O2 2>&1 | grep -q '^toro-cc (Toro ' && '$TCC' -v -O2 2>&1 | grep -q '^gcc version '"
check "-print-file-name=libm.a is musl's" test "$("$TCC" -print-file-name=libm.a)" = "$MUSL_LIB/libm.a"
check "-print-libgcc-file-name is the compiler's" test "$("$TCC" -print-libgcc-file-name)" = "$(gcc -print-libgcc-file-name)"
check "-dumpversion is gcc's" test "$("$TCC" -dumpversion)" = "$(gcc -dumpversion)"

# ---- -l: every POSIX library name resolves inside musl ----
if "$TCC" -O2 -o math.elf --map=math.map math.c lib.c -lm -lpthread -lrt -ldl -lcrypt -lutil \
		> link.err 2>&1; then
	if grep -q 'x86_64-linux-gnu/lib[a-z]*\.a' math.map; then
		fail "-lm -lpthread -lrt -ldl -lcrypt -lutil: the map names a glibc archive"
		grep -o '/usr/lib/x86_64-linux-gnu/lib[a-z]*\.a' math.map | sort -u | sed 's/^/    /'
	else
		pass "-lm -lpthread -lrt -ldl -lcrypt -lutil link, and no glibc archive in the map"
	fi
	boot math.elf -- a b > math.out
	same_as_ref "the -lm image in QEMU (exit status, libm, a thread, TLS)" math.out
else
	fail "-lm -lpthread -lrt -ldl -lcrypt -lutil: the link fails"; tail -n 5 link.err | sed 's/^/    /'
fi

# ---- position-independent code: accepted when compiling, linked static ----
pic_ok=1
for f in -fPIC -fpic -fPIE -fpie; do
	"$TCC" -O2 "$f" -Wa,-mrelax-relocations=no -c -o "lib$f.o" lib.c > pic.err 2>&1 &&
	"$TCC" -O2 "$f" -c -o "math$f.o" math.c >> pic.err 2>&1 || {
		fail "$f: compiling refused"; sed 's/^/    /' pic.err; pic_ok=0; }
done
if [ $pic_ok = 1 ]; then
	# One image from the four kinds of object (the relaxations off in lib:
	# GOT entries stay, the linker script must place them).
	if "$TCC" -o pic.elf math-fPIC.o lib-fpic.o -lm -lcrypt > pic.err 2>&1 &&
	   "$TCC" -o pie.elf math-fpie.o lib-fPIE.o -lm -lcrypt >> pic.err 2>&1; then
		pass "-fPIC, -fpic, -fPIE, -fpie objects compile and link"
		boot pic.elf -- a b > pic.out
		same_as_ref "the -fPIC/-fpic image in QEMU" pic.out
	else
		fail "linking -fPIC/-fpie objects"; tail -n 5 pic.err | sed 's/^/    /'
	fi
fi

# ---- refused: one line, exit 1, no file ----
for f in -shared -pie -static-pie; do
	"$TCC" "$f" -o refused.out lib.c > refused.err 2>&1; rc=$?
	if [ $rc = 1 ] && [ "$(wc -l < refused.err)" = 1 ] && grep -q "^toro-cc: $f: " refused.err &&
	   [ ! -e refused.out ]; then
		pass "$f: exit 1, one line: $(cut -c1-70 refused.err)..."
	else
		fail "$f: exit $rc, $(wc -l < refused.err) lines, file made: $([ -e refused.out ] && echo yes || echo no)"
		head -n 3 refused.err | sed 's/^/    /'
	fi
	rm -f refused.out
done

# ---- dependency output, as gcc writes it ----
echo '#include "dep.h"' > dep.c; echo 'int dep;' > dep.h
check "-M prints the rule with the musl headers" \
	sh -c "'$TCC' -M math.c > m.d && grep -q '^math.o: math.c ' m.d && grep -q x86_64-linux-musl/math.h m.d &&
	       test ! -e math.o"
check "-MM prints the user's headers only" test "$("$TCC" -MM dep.c)" = "dep.o: dep.c dep.h"
mkdir -p deps
check "-MD -MF -MT write the named file with the named target" \
	sh -c "'$TCC' -MD -MF deps/x.d -MT obj/dep.o -c -o dep.o dep.c &&
	       grep -q '^obj/dep.o: dep.c ' deps/x.d && grep -q ' dep.h' deps/x.d && test -f dep.o"
check "-MMD -MP add a phony target per header" \
	sh -c "'$TCC' -MMD -MP -c -o dep2.o dep.c && grep -qx 'dep.h:' dep2.d"

# ---- response files ----
mkdir -p "a dir"
printf -- "-O2 '-DNAME=\"quoted value\"' @inner.rsp\n" > outer.rsp
printf -- "-c 'r.c'\n-o 'a dir/r.o'\n" > inner.rsp
echo 'const char *name = NAME;' > r.c
check "@FILE: nested, quoted, a -c inside (an object, no image)" \
	sh -c "'$TCC' @outer.rsp && file 'a dir/r.o' | grep -q relocatable &&
	       strings 'a dir/r.o' | grep -qx 'quoted value' && test ! -e a.out"
printf -- "-c 'lib.c\n" > bad.rsp
"$TCC" @bad.rsp > bad.err 2>&1; rc=$?
if [ $rc = 1 ] && grep -q "^toro-cc: @bad.rsp: .*unmatched quote" bad.err; then
	pass "@FILE with an unmatched quote: exit 1, '$(cut -c1-60 bad.err)'"
else
	fail "@FILE with an unmatched quote: exit $rc: $(head -c 200 bad.err)"
fi

# ---- -Wl, reaches the linker ----
check "-Wl,-Map=FILE,--defsym: the map is written, the symbol defined" \
	sh -c "'$TCC' -o wl.elf -Wl,-Map=wl.map,--defsym=toro_test_sym=0x1234 lib.c -Wl,-u,main math.c -lm -lcrypt &&
	       grep -q toro_test_sym wl.map && nm wl.elf | grep -q '^0000000000001234 A toro_test_sym'"

# ---- -c, -S, -E ----
printf '#ifdef __toro__\nint on_toro;\n#endif\n#include <stdio.h>\nint x = BUFSIZ;\nconst char *s = NAME;\n' > e.c
check "-c: a relocatable object" sh -c "'$TCC' -DNAME='\"n\"' -c e.c && file e.o | grep -q 'ELF 64-bit LSB relocatable'"
check "-S: assembly" sh -c "'$TCC' -DNAME=0 -S -o e.s e.c && grep -q '\.globl.*on_toro' e.s"
check "-E: preprocessed with musl's headers and __toro__" \
	sh -c "'$TCC' -DNAME=0 -E -P e.c | grep -q 'int x = 1024;' && '$TCC' -DNAME=0 -E e.c | grep -q 'int on_toro;' &&
	       '$TCC' -DNAME=0 -E e.c | grep -q x86_64-linux-musl/stdio.h"
"$TCC" > noinput.err 2>&1; rc=$?
if [ $rc != 0 ] && grep -q "no input files" noinput.err; then pass "no arguments: gcc's 'no input files', exit $rc"
else fail "no arguments: exit $rc: $(head -c 200 noinput.err)"; fi

# ---- TORO_CC_HOST=1: a static musl program for the host ----
if TORO_CC_HOST=1 "$TCC" -O2 -o hostprog math.c lib.c -lm -lpthread -lcrypt > host.err 2>&1; then
	{ ./hostprog a b; echo "exit $?"; } > host.out
	same_as_ref "TORO_CC_HOST=1 program run on the host" host.out
	nm hostprog > host.nm; readelf -lW hostprog > host.phdrs
	# musl's start-up has libc_start_main_stage2; glibc's static one has _dl_relocate_static_pie.
	if file hostprog | grep -q 'statically linked' && ! grep -q INTERP host.phdrs &&
	   grep -q ' libc_start_main_stage2$' host.nm && ! grep -qE '_dl_relocate_static_pie|_dl_x86' host.nm &&
	   ! grep -q toro_app_name host.nm; then
		pass "TORO_CC_HOST=1: static, no interpreter, musl's start-up, no Toro kernel"
	else
		fail "TORO_CC_HOST=1: not a static musl host program: $(file -b hostprog | cut -c1-80)"
	fi
else
	fail "TORO_CC_HOST=1 link"; tail -n 5 host.err | sed 's/^/    /'
fi
TORO_CC_HOST=yes "$TCC" -o x lib.c > hostbad.err 2>&1; rc=$?
if [ $rc = 1 ] && grep -q '^toro-cc: TORO_CC_HOST=yes' hostbad.err; then pass "TORO_CC_HOST=yes: a clear error"
else fail "TORO_CC_HOST=yes: exit $rc: $(head -c 200 hostbad.err)"; fi

echo "toro-cc: $passed passed, $failed failed"
[ -n "$counts" ] && echo "$passed $failed" > "$counts"
[ "$failed" = 0 ]
