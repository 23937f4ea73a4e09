#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/bench/tools.sh: the pieces make bench's rounds rows stand on, checked for
# what they report (no timing): the minimal epoll server (bench/epollsrv.c, on the
# host) answers keep-alive, pipelined and closing requests; httpload counts
# requests and body bytes and fails on a refused port; the insncount plugin
# prints a count on demand and at exit (one hello boot under -icount); httpd
# --bulk serves the generated body whole and refuses a bad size with a clear
# error (Toro guests).
#   tests/bench/tools.sh [--counts FILE]     (run after make all)
set -uo pipefail
cd "$(dirname "$(readlink -f "$0")")/../.." || exit 2

counts=
[ "${1:-}" = --counts ] && counts=$2
passed=0 failed=0
work=$(mktemp -d "${TMPDIR:-/tmp}/toro-benchtools.XXXXXX")
pids=()
cleanup() {
	local p
	for p in "${pids[@]+"${pids[@]}"}"; do kill "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT

check() {	# NAME CMD...: PASS if CMD succeeds
	local name=$1; shift
	if "$@"; then echo "PASS $name"; passed=$((passed + 1))
	else echo "FAIL $name"; failed=$((failed + 1)); fi
}
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_line() {	# FILE PATTERN SECONDS
	local i
	for ((i = 0; i < $3 * 10; i++)); do grep -qa "$2" "$1" && return 0; sleep 0.1; done
	return 1
}
QEMU=(qemu-system-x86_64 -accel tcg -smp 1,maxcpus=2 -cpu max -nographic -no-reboot -nodefaults
      -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04 -M microvm,acpi=off)

gcc -O2 -Wall -Wextra -Werror -Iinclude -o "$work/epollsrv" bench/epollsrv.c -lpthread &&
	gcc -O2 -Wall -Wextra -Werror -o "$work/httpload" bench/tools/httpload.c &&
	gcc -O2 -Wall -Wextra -Werror -shared -fPIC -o "$work/insncount.so" bench/tools/insncount.c -lpthread
check "epollsrv, httpload and insncount.so build without warnings" test -x "$work/httpload" -a -f "$work/insncount.so"

# ---- the minimal server and httpload, on the host ----
"$work/epollsrv" --port 0 > "$work/eps.log" 2>&1 &
pids+=($!)
wait_line "$work/eps.log" "listening on port" 5
port=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$work/eps.log")
check "epollsrv --port 0 prints the port it listens on" test -n "$port"
out=$("$work/httpload" -p "${port:-1}" -n 100)
check "httpload: 100 keep-alive requests, 92,700 body bytes (927 each)" \
	grep -q '^requests=100 bytes=92700 us=[0-9]*$' <<<"$out"
# Both requests in one write; the reply stream ends when the server closes.
pipelined=$(timeout 10 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
print(data.count(b"HTTP/1.1 200 OK"))' "${port:-1}")
check "epollsrv: two pipelined requests, two replies, closed after 'Connection: close'" \
	test "$pipelined" = 2
"$work/epollsrv" --port 80 --body -1 > "$work/bad.log" 2>&1
rc=$?
check "epollsrv --body -1: exit status 2 and the usage" \
	eval '[ $rc = 2 ] && grep -q usage "$work/bad.log"'
kill "${pids[0]}" 2>/dev/null
"$work/httpload" -p "${port:-1}" -n 1 > "$work/refused.out" 2>&1
rc=$?
check "httpload on a closed port: exit status 1 and a message" \
	eval '[ $rc = 1 ] && grep -q "httpload: " "$work/refused.out"'

# ---- insncount: a count on demand and at exit ----
if [ -f build/examples/hello.elf ]; then
	mkfifo "$work/fifo"
	timeout 60 "${QEMU[@]}" -icount shift=0,sleep=on -m 16 \
		-plugin "$work/insncount.so,fifo=$work/fifo" -kernel build/examples/hello.elf \
		-append "-- world" > "$work/hello.log" 2>&1
	check "insncount: hello boots with the plugin and its exit count is above 0" \
		grep -q '^insncount insns=[1-9][0-9]*$' "$work/hello.log"
	timeout 60 "${QEMU[@]}" -icount shift=0,sleep=on -m 16 \
		-plugin "$work/insncount.so,profile=$work/prof" -kernel build/examples/hello.elf \
		-append "-- world" > "$work/hello-prof.log" 2>&1
	total=$(grep -a '^insncount insns=' "$work/hello-prof.log" | tail -1 | cut -d= -f2)
	summed=$(awk '{ s += $2 } END { print s + 0 }' "$work/prof.0" 2>/dev/null)
	main_at=$(nm build/examples/hello.elf | awk '$3 == "main" { sub(/^0+/, "", $1); print $1 }')
	check "insncount profile=: the exit's profile sums to the exit's count and main ran once" \
		eval '[ -n "$total" ] && [ "$summed" = "$total" ] && grep -q "^$main_at 1\$" "$work/prof.0"'
	timeout 60 "${QEMU[@]}" -icount shift=0,sleep=on -m 16 \
		-plugin "$work/insncount.so,bogus=1" -kernel build/examples/hello.elf > "$work/bogus.log" 2>&1
	rc=$?
	check "insncount: an unknown argument stops QEMU with a message" \
		eval '[ $rc != 0 ] && grep -q "insncount: unknown argument bogus=1" "$work/bogus.log"'
else
	echo "FAIL build/examples/hello.elf missing (make all)"; failed=$((failed + 1))
fi

# ---- httpd --bulk on Toro ----
if [ -f build/examples/httpd.elf ]; then
	hport=$(free_port)
	rm -f "$work/fifo"; mkfifo "$work/fifo"
	"${QEMU[@]}" -m 32 -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$hport-:80" \
		-icount shift=0,sleep=on -plugin "$work/insncount.so,fifo=$work/fifo" \
		-device virtio-net-device,netdev=n0 -kernel build/examples/httpd.elf \
		-append "toro.ip=10.0.2.15/24 toro.gw=10.0.2.2 -- --quiet --port 80 --bulk 2" \
		< /dev/null > "$work/httpd.log" 2>&1 &
	pids+=($!)
	wait_line "$work/httpd.log" "listening on port" 60
	out=$("$work/httpload" -p "$hport" -P /bulk -t 60)
	check "httpd --bulk 2: /bulk is 2 MiB on a keep-alive connection" \
		grep -q '^requests=1 bytes=2097152 ' <<<"$out"
	want=$(python3 -c 'import sys, hashlib
n = 2 << 20
print(hashlib.md5(bytes(97 + (i * 7 + i // 4096) % 26 for i in range(n))).hexdigest())')
	got=$(curl -s --max-time 60 "http://127.0.0.1:$hport/bulk" | md5sum | cut -d' ' -f1)
	check "httpd --bulk 2: the body is the documented pattern, byte for byte" test "$want" = "$got"
	check "httpd --bulk 2: / is still the site" \
		eval 'curl -s --max-time 30 "http://127.0.0.1:$hport/" | grep -qi "<html"'
	counts_now() { timeout 10 sh -c "echo > '$work/fifo'"; sleep 1; grep -ac '^insncount insns=' "$work/httpd.log"; }
	c1=$(counts_now)
	"$work/httpload" -p "$hport" -n 10 > /dev/null
	c2=$(counts_now)
	i1=$(grep -a '^insncount insns=' "$work/httpd.log" | sed -n 1p | cut -d= -f2)
	i2=$(grep -a '^insncount insns=' "$work/httpd.log" | sed -n 2p | cut -d= -f2)
	check "insncount: a count each time the FIFO is written, 10 requests between them add instructions" \
		eval '[ "$c1" = 1 ] && [ "$c2" = 2 ] && [ "${i2:-0}" -gt "${i1:-0}" ]'
	kill "${pids[-1]}" 2>/dev/null
	timeout 60 "${QEMU[@]}" -m 16 -netdev user,id=n0 -device virtio-net-device,netdev=n0 \
		-kernel build/examples/httpd.elf \
		-append "toro.ip=10.0.2.15/24 toro.gw=10.0.2.2 -- --port 80 --bulk 0" \
		< /dev/null > "$work/bulk0.log" 2>&1
	check "httpd --bulk 0: a clear error, exit status 2, no panic" \
		eval 'grep -q "httpd: --bulk 0: 1 to 1024 MiB" "$work/bulk0.log" &&
		      grep -q "exit status 2" "$work/bulk0.log" && ! grep -q "panic" "$work/bulk0.log"'
else
	echo "FAIL build/examples/httpd.elf missing (make all)"; failed=$((failed + 1))
fi

echo "bench tools: $passed passed, $failed failed"
[ -n "$counts" ] && echo "$passed $failed" > "$counts"
[ "$failed" = 0 ]
