#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/apps/static.sh: unmodified static Linux programs under `toro run --app`
# (docs/static.md).
#   C: tests/apps/static/prog.c (arguments and environment, a file in /tmp,
#      four threads with a mutex, a TCP connection to itself over loopback,
#      signals: a handler, a blocked one, a fault caught with siglongjmp; exit
#      status 7), built three ways: musl-gcc -static (run on microvm), gcc
#      -static with glibc (pc), gcc -static-pie with glibc (q35). Each build's
#      output under Toro, without the kernel's own "toro:" lines, must equal
#      its output on the host, line for line, and so must the exit status;
#      the kernel's self-check (called by the program under Toro) must pass.
#   Go: tests/apps/static/server.go built with CGO_ENABLED=0 (Debian's
#      golang-go), a net/http server: curl gets /hello (its arguments and
#      environment), 64 KiB POSTed to /echo come back byte-exact, 20 requests
#      in a row are answered, /quit answers and the VM exits with status 5.
#   Packed arguments: `toro pack -- VAR=... -- ARGS` (quotes, a newline) reach
#      main as on the host; toro run's own arguments and variables win.
#   Refusals: packing a dynamically linked program or a file that is not ELF
#      fails with a message naming the fix; the loader image booted without a
#      program says so and exits 2.
# Builds are cached in build/tests/apps/static/ (rebuilt when a source changes).
#   tests/apps/static.sh [--counts FILE] [c] [go] [refuse]
# Prints PASS/FAIL per check and "static: N passed, N failed". Host ports 5120-5129.
set -uo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
cd "$ROOT" || exit 2
counts= parts=()
while [ $# -gt 0 ]; do
	case "$1" in
	--counts) counts=$2; shift ;;
	c|go|refuse) parts+=("$1") ;;
	*) echo "usage: $0 [--counts FILE] [c] [go] [refuse]" >&2; exit 2 ;;
	esac
	shift
done
[ ${#parts[@]} = 0 ] && parts=(c go refuse)
OUT=build/tests/apps/static
PORT=${TORO_STATIC_PORT:-5120}
TIMEOUT=${TORO_STATIC_TIMEOUT:-240}
mkdir -p "$OUT"
. tests/apps/lib.sh
app_init static
show() { sed 's/^/    /' "$@" | tail -n 25; }

# build NAME CMD...: run CMD (which writes $OUT/NAME) unless NAME is newer than its sources.
build() {
	local name=$1; shift
	if [ "$OUT/$name" -nt tests/apps/static/prog.c ] && [ "$OUT/$name" -nt tests/apps/static/server.go ]; then
		return 0
	fi
	"$@" > "$work/build-$name.log" 2>&1 || { fail "build $name: $*"; show "$work/build-$name.log"; return 1; }
}

# One C build: the host's output and status, then Toro's on MACHINE.
run_c() { # NAME MACHINE CC FLAGS...
	local name=$1 machine=$2; shift 2
	build "$name" "$@" -O2 -o "$OUT/$name" tests/apps/static/prog.c -lpthread || return
	(cd "$work" && STATIC_TEST='x y' "$ROOT/$OUT/$name" 'a b' c) > "$work/$name.host" 2>&1
	local want=$? t0=$SECONDS
	bin/toro run --app "$OUT/$name" --machine "$machine" --mem 128 --timeout "$TIMEOUT" \
		-- STATIC_TEST='x y' TORO_SELFCHECK=1 -- 'a b' c > "$work/$name.toro.all" 2> "$work/$name.stderr"
	local rc=$?
	grep -v '^toro: ' "$work/$name.toro.all" > "$work/$name.toro"
	if [ "$rc" = "$want" ] && cmp -s "$work/$name.host" "$work/$name.toro" &&
	   grep -q '^toro: selfcheck ok' "$work/$name.toro.all" &&
	   ! grep -q 'toro: panic' "$work/$name.toro.all"; then
		pass "$name on $machine: $(wc -l < "$work/$name.toro") lines and exit status $rc as on the host, kernel selfcheck ok ($((SECONDS - t0)) s)"
	else
		fail "$name on $machine: exit $rc (host $want); diff host toro:"
		diff "$work/$name.host" "$work/$name.toro" | show
		show "$work/$name.toro.all" "$work/$name.stderr"
	fi
}

# toro pack with arguments and variables: the image starts the program with
# them (an argument with quotes and a newline, which no kernel command line
# carries); toro run's arguments replace them and its variables win.
run_packed() { # NAME (built by run_c)
	local name=$1 img=$work/$1.img
	[ -x "$OUT/$name" ] || return
	local nl=$'two\nlines' q='say "hi"'
	if ! bin/toro pack --app "$OUT/$name" -o "$img" -- STATIC_TEST=packed -- "$q" "$nl" 2> "$work/pack.err"; then
		fail "toro pack $name with arguments"; show "$work/pack.err"; return
	fi
	(cd "$work" && STATIC_TEST=packed "$ROOT/$OUT/$name" "$q" "$nl") > "$work/p1.host" 2>&1
	(cd "$work" && STATIC_TEST=boot "$ROOT/$OUT/$name" z) > "$work/p2.host" 2>&1
	bin/toro run "$img" --mem 64 --timeout "$TIMEOUT" 2>&1 | grep -v '^toro: ' > "$work/p1.toro"
	bin/toro run "$img" --mem 64 --timeout "$TIMEOUT" -- STATIC_TEST=boot -- z 2>&1 |
		grep -v '^toro: ' > "$work/p2.toro"
	if cmp -s "$work/p1.host" "$work/p1.toro" && cmp -s "$work/p2.host" "$work/p2.toro"; then
		pass "$name packed with a quoted and a two-line argument and a variable: as on the host; boot arguments replace them, its variable wins"
	else
		fail "$name packed with arguments: diff host toro:"
		diff "$work/p1.host" "$work/p1.toro" | show
		diff "$work/p2.host" "$work/p2.toro" | show
	fi
}

part_c() {
	command -v musl-gcc > /dev/null || { fail "musl-gcc missing (musl-tools)"; return; }
	run_c musl-static microvm musl-gcc -static
	run_c glibc-static pc gcc -static
	run_c glibc-static-pie q35 gcc -static-pie
	run_packed musl-static
}

# curl with retries: hostfwd accepts before the guest listens (DESIGN.md).
get() { # URL [curl args]: body on stdout
	local url=$1; shift
	for _ in $(seq 1 600); do
		curl -sf -m 5 "$@" "$url" && return 0
		kill -0 "$qpid" 2> /dev/null || return 1
		sleep 0.2
	done
	return 1
}

part_go() {
	command -v go > /dev/null || { fail "go missing (golang-go)"; return; }
	export GOCACHE=$ROOT/build/go-cache GOPATH=$ROOT/build/go-path GO111MODULE=off
	build go-server env CGO_ENABLED=0 go build -o "$OUT/go-server" tests/apps/static/server.go || return
	local t0=$SECONDS log=$work/go.log
	bin/toro run --app "$OUT/go-server" --machine microvm --mem 256 --smp 2 \
		--net "user:$PORT:8080" --timeout "$TIMEOUT" -- GO_TEST=ok -- one two > "$log" 2>&1 &
	qpid=$!
	local body
	body=$(get "http://127.0.0.1:$PORT/hello")
	if [ "$body" = "hello from go, args [one two], env GO_TEST [ok]" ]; then
		pass "go: GET /hello answered: $body ($((SECONDS - t0)) s after boot)"
	else
		fail "go: GET /hello: '$body'"
	fi
	head -c 65536 /dev/urandom > "$work/payload"
	get "http://127.0.0.1:$PORT/echo" --data-binary "@$work/payload" > "$work/echoed"
	if cmp -s "$work/payload" "$work/echoed"; then
		pass "go: 64 KiB POSTed to /echo came back byte-exact"
	else
		fail "go: /echo returned $(wc -c < "$work/echoed") bytes, not the 65,536 sent"
	fi
	local ok=0
	for i in $(seq 1 20); do
		[ "$(curl -sf -m 10 "http://127.0.0.1:$PORT/hello")" = "$body" ] && ok=$((ok + 1))
	done
	if [ "$ok" = 20 ]; then pass "go: 20 of 20 requests in a row answered"; else fail "go: $ok of 20 requests answered"; fi
	body=$(curl -sf -m 10 "http://127.0.0.1:$PORT/quit")
	wait "$qpid"
	local rc=$?
	if [ "$body" = bye ] && [ "$rc" = 5 ] && ! grep -q 'toro: panic' "$log"; then
		pass "go: /quit answered 'bye' and the VM exited with status 5 ($((SECONDS - t0)) s in all)"
	else
		fail "go: /quit answered '$body', exit status $rc (want bye, 5)"
		show "$log"
	fi
}

part_refuse() {
	printf 'int main(void) { return 0; }\n' > "$work/dyn.c"
	gcc -o "$work/dyn" "$work/dyn.c"
	if ! bin/toro pack --app "$work/dyn" -o "$work/dyn.img" 2> "$work/dyn.err" &&
	   grep -q 'dynamically linked.*-static' "$work/dyn.err" && [ ! -e "$work/dyn.img" ]; then
		pass "a dynamically linked program is refused: $(cat "$work/dyn.err")"
	else
		fail "a dynamically linked program was not refused clearly"; show "$work/dyn.err"
	fi
	if ! bin/toro pack --app tests/apps/static/prog.c -o "$work/c.img" 2> "$work/c.err" &&
	   grep -q 'not an ELF file' "$work/c.err"; then
		pass "a file that is not ELF is refused: $(cat "$work/c.err")"
	else
		fail "a C source was not refused clearly"; show "$work/c.err"
	fi
	bin/toro run --timeout 60 build/toro-app.elf > "$work/loader.out" 2>&1
	local rc=$?
	if [ "$rc" = 2 ] && grep -q 'carries no program' "$work/loader.out"; then
		pass "the loader image alone says it carries no program and exits 2"
	else
		fail "the loader image alone: exit $rc"; show "$work/loader.out"
	fi
}

for p in "${parts[@]}"; do "part_$p"; done
finish
