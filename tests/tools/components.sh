#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/tools/components.sh: the kernel's link-time components and toro
# inspect (docs/kernel.md, "Components"), checked on the images a user builds:
# hello carries no network, no lwIP, no PCI, no virtio, no poll, no thread,
# signal-handler or app-loader calls (its stripped size is printed), httpd
# carries the network and the drivers and says why; a program that opens
# files gets virtio-blk, one that calls getrandom virtio-rng, sigaction the
# signals, pthread_create the threads; toro-cc --map names what went in and why, --with/--without
# change it, a wrong name is one clear error; toro inspect shows entry
# points, sizes and components, and gives one-line errors for a missing
# file, a file that is not ELF and an ELF that is not a Toro image. No boot.
#   tests/tools/components.sh [--counts FILE] [--keep]
# Prints PASS/FAIL per check and "components: N passed, N failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
B=${TORO_BUILD:-$ROOT/build}
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
passed=0 failed=0
work=$(mktemp -d "${TMPDIR:-/tmp}/components-test.XXXXXX")
[ $keep = 1 ] && echo "keeping $work" || trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2
pass() { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
expect() { # DESCRIPTION FILE REGEX: FILE has a line matching REGEX
	if grep -qE -- "$3" "$2"; then pass "$1"; else
		fail "$1 (no line matching '$3')"; sed 's/^/    /' "$2" | head -n 12; fi
}
refuse() { # DESCRIPTION FILE REGEX: FILE has no line matching REGEX
	if grep -qE -- "$3" "$2"; then fail "$1: $(grep -E -m1 -- "$3" "$2")"; else pass "$1"; fi
}
# The image's functions: from its embedded symbol table (kernel and program).
funcs() { nm "$1" 2>/dev/null | awk '{ print $NF }' > "$2"; }

HELLO=$B/examples/hello.elf HTTPD=$B/examples/httpd.elf
for f in "$HELLO" "$HTTPD"; do [ -f "$f" ] || { echo "FAIL $f missing: run make"; exit 1; }; done

# ---- hello: the core kernel only ----
"$TORO" inspect "$HELLO" > hello.out 2>&1; rc=$?
[ $rc = 0 ] && pass "inspect hello: exit 0" || fail "inspect hello: exit $rc: $(head -n 2 hello.out)"
expect "inspect hello: no optional component" hello.out '^components  none'
refuse "inspect hello: no net, no virtio-net" hello.out '^components .*net'
expect "inspect hello: the ELF entry" hello.out '^entries +ELF entry 0x[0-9a-f]+'
expect "inspect hello: the Multiboot header" hello.out 'Multiboot 1 header at file offset 0x'
expect "inspect hello: the PVH note" hello.out 'PVH note .* to 0x[0-9a-f]+'
expect "inspect hello: kernel, libc, program and symbol bytes" hello.out \
	'^sizes +kernel [1-9][0-9]* \+ libc [1-9][0-9]* \+ program [1-9][0-9]* \+ symbols [1-9][0-9]* bytes'
expect "inspect hello: its command line defaults" hello.out "^cmdline +no defaults built in"
expect "inspect hello: its argv[0]" hello.out "argv\[0\] is 'hello'"
funcs "$HELLO" hello.syms
refuse "hello links no byte of lwIP or net/ (tcp_input, net_init, sys_socket)" hello.syms \
	'^(tcp_input|net_init|sys_socket|vnet_driver|netif_add)$'
refuse "hello links no PCI, no virtio transport or driver, no stats channel" hello.syms \
	'^(pci_scan|virtio_pci_probe|virtio_mmio_probe|virtio_attach|virtq_add|vcon_open|vrng_driver|vcon_driver|kstats_line)$'
refuse "hello links no poll, no clone/futex, no signal frames, no app loader" hello.syms \
	'^(sys_poll|sys_select|sys_clone|sys_futex|push_frame|signal_return|sys_rt_sigaction|app_find|appelf_parse|sys_mremap|uvm_mremap|sys_mprotect)$'
expect "hello keeps the crash report" hello.syms '^(crash_report)$'
refuse "inspect hello: no virtio, no threads, no signals, no mm" hello.out \
	'^components .*(virtio|threads|signals|poll|mm)'
strip -o hello.stripped "$HELLO" && hsize=$(wc -c < hello.stripped) &&
	pass "hello stripped: $hsize bytes (issue 11's target: 49152)" ||
	fail "strip $HELLO"

# ---- httpd: the network, virtio-net, the files, and why ----
"$TORO" inspect "$HTTPD" > httpd.out 2>&1
expect "inspect httpd: net and virtio-net linked" httpd.out '^components .*\bnet\b.*\bvirtio-net\b'
expect "inspect httpd: net, because the program calls a socket function" httpd.out \
	'^ +net +because the program calls [a-z0-9_]+ \(musl.s [a-z0-9_]+\.lo\)'
expect "inspect httpd: virtio-net, needed by net" httpd.out '^ +virtio-net +needed by net'
expect "inspect httpd: files, because it opens files" httpd.out '^ +files +because '
expect "inspect httpd: virtio (PCI, transports), needed by virtio-net" httpd.out '^ +virtio +needed by '
expect "inspect httpd: virtio-console, needed by net" httpd.out '^ +virtio-console +needed by '
funcs "$HTTPD" httpd.syms
expect "httpd links lwIP (tcp_input) and the socket calls" httpd.syms '^tcp_input$'
expect "httpd links PCI discovery and the virtio-console driver" httpd.syms '^(pci_scan|vcon_driver)$'
strip -o httpd.stripped "$HTTPD" && pass "httpd stripped: $(wc -c < httpd.stripped) bytes (target: 163840)" ||
	fail "strip $HTTPD"

# ---- what a program's musl functions bring ----
# mini NAME CODE: NAME.elf from a main that runs CODE, its --map on NAME.map,
# its functions on NAME.syms.
mini() {
	printf '%s\nint main(void) { %s return 0; }\n' "$3" "$2" > "$1.c"
	"$TCC" -O2 --map -o "$1.elf" "$1.c" > "$1.map" 2>&1 || fail "toro-cc $1.c: $(head -n 3 "$1.map")"
	funcs "$1.elf" "$1.syms"
}
mini files 'return open("/x", 0) < 0;' '#include <fcntl.h>'
expect "a program that opens files: files" files.map '^  files +because the program calls open'
expect "... with virtio, virtio-console and virtio-rng, needed by files" files.map '^  virtio +needed by files'
expect "... the virtio-blk driver and PCI discovery in it" files.syms '^(vblk_driver)$'
expect "... and virtio-console's device files" files.syms '^(vcon_open)$'
mini rnd 'char b[8]; return getrandom(b, 8, 0) != 8;' '#include <sys/random.h>'
expect "getrandom brings virtio-rng" rnd.map '^  virtio-rng +because the program calls getrandom'
expect "... and virtio, needed by virtio-rng" rnd.map '^  virtio +needed by virtio-rng'
refuse "... but no files, no virtio-console" rnd.map '^  (files|virtio-console) '
mini mal 'char *p = malloc(100000); p = realloc(p, 1 << 20); free(p);' '#include <stdlib.h>'
expect "malloc brings the mm component" mal.map '^  mm +because the program calls (malloc|realloc|free)'
expect "... and with it mremap" mal.syms '^(sys_mremap)$'
mini sig 'signal(SIGTERM, SIG_IGN);' '#include <signal.h>'
expect "signal() brings the signals component" sig.map '^  signals +because musl.s signal.lo calls'
expect "... and with it the handlers' frames" sig.syms '^(push_frame)$'
mini thr 'pthread_t t; return pthread_create(&t, 0, (void *(*)(void *))0, 0) == 0 && 0;' '#include <pthread.h>'
expect "pthread_create brings the threads component" thr.map '^  threads +because the program calls pthread_create'
expect "... and with it clone and futex" thr.syms '^(sys_clone)$'
"$TCC" -O2 --map --with=virtio-console -o hvc.elf "$ROOT/examples/hello/hello.c" > hvc.map 2>&1
expect "--with=virtio-console on hello: linked because named" hvc.map '^  virtio-console +--with=virtio-console'
expect "... with virtio, needed by it" hvc.map '^  virtio +needed by virtio-console'
mkdir -p q
"$TORO" run --print-qemu q --stats 22001 "$HELLO" > stats.out 2>&1
expect "toro run --stats on hello: warns that nothing will answer" stats.out \
	'warning: .*hello.elf has no virtio-console component: its stats channel will not answer'
"$TORO" run --print-qemu q --stats 22001 hvc.elf > stats2.out 2>&1
refuse "toro run --stats on an image with virtio-console: no warning" stats2.out 'warning'

# ---- toro-cc --map, --with, --without ----
cat > sock.c <<'EOF'
#include <sys/socket.h>
int main(void) { return socket(AF_INET, SOCK_STREAM, 0) < 0; }
EOF
"$TCC" -O2 --map -o sock.elf sock.c > sock.map 2>&1; rc=$?
[ $rc = 0 ] && pass "toro-cc --map links a socket program" || fail "toro-cc --map: exit $rc: $(head -n 3 sock.map)"
expect "--map: net, because the program calls socket" sock.map '^  net +because the program calls socket \(musl.s socket\.lo\)'
expect "--map: virtio-net needed by net" sock.map '^  virtio-net +needed by net'
"$TCC" -O2 --map --without=virtio-net --with=selfcheck -o sockb.elf sock.c > sockb.map 2>&1
expect "--without=virtio-net: said to be left out" sockb.map '^  virtio-net +left out \(--without=virtio-net\)'
expect "--with=selfcheck: linked because named" sockb.map '^  selfcheck +--with=selfcheck'
"$TORO" inspect sockb.elf > sockb.out 2>&1
refuse "inspect: no virtio-net after --without=virtio-net" sockb.out '^components .*virtio-net'
funcs sockb.elf sockb.syms
refuse "--without=virtio-net: no virtio-net driver in the image" sockb.syms '^(vnet_driver|vnet_probe)$'
expect "--without=virtio-net: the stack is still there (net_init)" sockb.syms '^net_init$'
"$TCC" -O2 --with=netz -o bad.elf sock.c > bad.err 2>&1; rc=$?
if [ $rc != 0 ] && [ "$(wc -l < bad.err)" = 1 ] && grep -q -- '--with=netz: no such component (components: net ' bad.err &&
   [ ! -e bad.elf ]; then pass "--with=netz: one line naming the components, no image"
else fail "--with=netz: exit $rc, $(head -c 200 bad.err)"; fi
"$TCC" -O2 --no-net -o nonet.elf sock.c > nonet.err 2>&1
"$TORO" inspect nonet.elf > nonet.out 2>&1
refuse "--no-net: no net in a socket program" nonet.out '^components .*net'

# ---- --pvh-only: no Multiboot header ----
"$TCC" -O2 --pvh-only -o pvh.elf sock.c > /dev/null 2>&1
"$TORO" inspect pvh.elf > pvh.out 2>&1
expect "inspect a --pvh-only image: no Multiboot header" pvh.out 'no Multiboot header'

# ---- a program packed by toro pack --app: its built-in words ----
if command -v musl-gcc > /dev/null && [ -f "$B/toro-app.elf" ]; then
	printf '#include <stdio.h>\nint main(void) { return puts("x") < 0; }\n' > st.c
	musl-gcc -static -O2 -o st st.c && "$TORO" pack --app st -o st.img -- GREETING=hi -- one 'two words' \
		> pack.err 2>&1
	"$TORO" inspect st.img > st.out 2>&1
	expect "inspect a packed program: its name and word counts" st.out \
		"^cmdline +packed by toro pack --app: argv\[0\] 'st', 1 variable\(s\), 2 argument\(s\)"
	expect "inspect a packed program: its variable" st.out '^ +env  GREETING=hi$'
	expect "inspect a packed program: an argument with a blank" st.out '^ +arg  two words$'
	expect "inspect a packed program: the loader's and the program's bytes" st.out \
		'^sizes +the loader .* [1-9][0-9]* \+ program [1-9][0-9]* bytes'
else
	fail "musl-gcc or $B/toro-app.elf missing: no packed image to inspect"
fi

# ---- one-line errors ----
err() { # DESCRIPTION REGEX ARGS...: exit 2 and one line matching REGEX
	local what=$1 re=$2 rc; shift 2
	"$TORO" inspect "$@" > err.out 2>&1; rc=$?
	if [ $rc = 2 ] && [ "$(wc -l < err.out)" = 1 ] && grep -qE -- "$re" err.out; then pass "$what"
	else fail "$what: exit $rc: $(head -c 200 err.out)"; fi
}
err "inspect a missing image: one line" '^toro inspect: nothere.elf: no such file$' nothere.elf
echo 'not an image' > text.elf
err "inspect a text file: one line" 'text.elf: not an ELF file' text.elf
cp /bin/true host.elf
err "inspect a host program: not a Toro image" 'host.elf: not a Toro image' host.elf
err "inspect without an image: usage" '^usage: toro inspect IMAGE'
"$TORO" inspect --help > help.out 2>&1; rc=$?
[ $rc = 0 ] && grep -q '^usage: toro inspect IMAGE' help.out && pass "inspect --help: usage, exit 0" ||
	fail "inspect --help: exit $rc"

echo "components: $passed passed, $failed failed"
[ -n "$counts" ] && echo "$passed $failed" > "$counts"
[ "$failed" = 0 ]
