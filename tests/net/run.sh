#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/net/run.sh: the examples' network tests, driven from the host while
# the guest runs (QEMU user networking, hostfwd). For each of pc, q35,
# microvm (legacy virtio-mmio) and microvm-modern it boots the test httpd
# (build/tests/net/httpd.elf: the example with a 10 MiB file), echo and kv,
# on 1 (pc, microvm-modern), 2 (q35, microvm) and 4 vCPUs (microvm-smp4),
# and checks them with curl and tests/net/netclient. One PASS/FAIL line per
# check, "net: N passed, N failed" last.
#   tests/net/run.sh [-j N] [--counts FILE] [MACHINE...]
# One machine at a time unless -j: two vCPUs per guest already fill the
# host's two cores, and under contention TCG guests slow down sharply.
set -uo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
cd "$ROOT" || exit 2
NETC=build/tests/net/netclient
HTTPD=build/tests/net/httpd.elf
ECHO=build/examples/echo.elf
KV=build/examples/kv.elf
ALL="pc q35 microvm microvm-modern microvm-smp4"
. tests/net/lib.sh
hosttest_init net "$ALL" "$@"

# same_file PATH FILE TYPE: curl fetches PATH byte-exact (sha256) with that type.
same_file() {
	local got want type
	got=$(curl -sS -m 20 -o "$work/$cfg.body" -w '%{http_code} %{content_type}' "$(url "$1")") || return 1
	want=$(sha256sum < "$2" | cut -d' ' -f1)
	[ "$got" = "200 $3" ] || { echo "got '$got', expected '200 $3'"; return 1; }
	[ "$(sha256sum < "$work/$cfg.body" | cut -d' ' -f1)" = "$want" ] ||
		{ echo "sha256 differs"; return 1; }
	echo "$(stat -c %s "$2") bytes, sha256 ${want:0:12}"
}

# status_of REQUEST EXPECTED: the raw request gets that status line.
status_of() {
	local first
	first=$("$NETC" "$port" raw "$1" | head -n 1 | tr -d '\r')
	[ "$first" = "$2" ] || { echo "got '$first', expected '$2'"; return 1; }
	echo "$first"
}

# head_only PATH FILE: HEAD gives FILE's length and no body.
head_only() {
	local out len
	out=$("$NETC" "$port" raw "HEAD $1 HTTP/1.1\\r\\nHost: t\\r\\nConnection: close\\r\\n\\r\\n" && echo .) ||
		return 1
	out=${out%.} # $(...) would drop the final newline
	len=$(printf '%s' "$out" | tr -d '\r' | sed -n 's/^Content-Length: //p')
	[ "$len" = "$(stat -c %s "$2")" ] || { echo "Content-Length '$len'"; return 1; }
	[ "${out: -4}" = $'\r\n\r\n' ] || { echo "bytes after the head"; return 1; }
	echo "Content-Length $len, no body"
}

fds() { curl -sS -m 5 "$(url /debug/fds)"; }

# The descriptor count comes back to what it was or below (closing may take a
# moment; the count before may include a connection of the readiness poll).
fds_back() {
	local i now
	for i in $(seq 50); do
		now=$(fds) || return 1
		[ "$now" -le "$1" ] && { echo "$1 open before, $now after"; return 0; }
		sleep 0.1
	done
	echo "$1 open before, $now after"
	return 1
}

# One log line per request: at least the 2,200 for /index.html above.
access_log() {
	local n
	n=$(grep -ac '"GET /index.html HTTP/1.1" 200 ' "$glog")
	[ "$n" -ge 2200 ] || { echo "$n lines for /index.html"; return 1; }
	echo "$n lines for /index.html"
}

every_core_served() {
	local stats
	stats=$(curl -sS -m 5 "$(url /debug/stats)") || return 1
	local n zero
	n=$(grep -c '^cpu[0-9]* accepted' <<< "$stats")
	zero=$(grep -c '^cpu[0-9]* accepted 0 ' <<< "$stats")
	[ "$n" = "$smp" ] && [ "$zero" = 0 ] || { echo "$stats"; return 1; }
	echo "$(grep '^cpu' <<< "$stats" | sed 's/ requests.*//' | paste -sd, | sed 's/,/, /g')"
}

test_httpd() {
	local long headers before
	# The access log costs console time (about 2 ms a line under TCG): it is
	# checked on microvm, the machine of make run, and off elsewhere.
	local quiet=--quiet ms
	[ "$cfg" = microvm ] && quiet=
	boot httpd "$HTTPD" 80 --debug $quiet
	if ! ms=$(ready curl -sf -m 0.25 -o /dev/null "$(url /debug/fds)"); then
		fail "httpd: no HTTP answer within 30 s" "$(tail -n 15 "$glog")"
		finish httpd any
		return
	fi
	pass "httpd: answers $ms ms after QEMU started (readiness poll)"
	before=$(fds)
	check "httpd: index.html byte-exact" same_file / examples/httpd/www/index.html "text/html; charset=utf-8"
	check "httpd: style.css byte-exact" same_file /style.css examples/httpd/www/style.css "text/css; charset=utf-8"
	check "httpd: logo.png byte-exact" same_file /logo.png build/examples/httpd/gen/logo.png image/png
	check "httpd: 10 MiB file byte-exact" same_file /big.bin build/tests/net/big/big.bin application/octet-stream
	check "httpd: HEAD" head_only /index.html examples/httpd/www/index.html
	check "httpd: 404" status_of 'GET /missing HTTP/1.1\r\nHost: t\r\n\r\n' "HTTP/1.1 404 Not Found"
	check "httpd: 405 for POST" status_of 'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi' "HTTP/1.1 405 Method Not Allowed"
	check "httpd: 501 for an unknown method" status_of 'BREW / HTTP/1.1\r\nHost: t\r\n\r\n' "HTTP/1.1 501 Not Implemented"
	check "httpd: 400 for a malformed request line" status_of 'GET  / HTTP/1.1\r\nHost: t\r\n\r\n' "HTTP/1.1 400 Bad Request"
	check "httpd: 400 for binary junk" status_of '\x00\x01\x02\xff\r\n\r\n' "HTTP/1.1 400 Bad Request"
	check "httpd: 400 for a folded header" status_of 'GET / HTTP/1.1\r\nHost: t\r\nX: a\r\n b\r\n\r\n' "HTTP/1.1 400 Bad Request"
	check "httpd: 400 for a path with .." status_of 'GET /../etc/passwd HTTP/1.1\r\nHost: t\r\n\r\n' "HTTP/1.1 400 Bad Request"
	check "httpd: 505 for HTTP/2.0" status_of 'GET / HTTP/2.0\r\nHost: t\r\n\r\n' "HTTP/1.1 505 HTTP Version Not Supported"
	long=$(printf 'a%.0s' $(seq 5000))
	check "httpd: 414 for a 5000-byte target" status_of "GET /$long HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n" "HTTP/1.1 414 URI Too Long"
	headers=$(for i in $(seq 60); do printf 'X-%d: %d\\r\\n' "$i" "$i"; done)
	check "httpd: 431 for 61 header fields" status_of "GET / HTTP/1.1\\r\\nHost: t\\r\\n$headers\\r\\n" "HTTP/1.1 431 Request Header Fields Too Large"
	check "httpd: serves on after the bad requests" same_file / examples/httpd/www/index.html "text/html; charset=utf-8"
	check "httpd: 1000 sequential requests" "$NETC" "$port" seq 1000 /index.html
	check "httpd: 1000 requests on one keep-alive connection" "$NETC" "$port" keepalive 1000 /index.html
	check "httpd: 100 pipelined requests" "$NETC" "$port" pipeline 100 /style.css
	check "httpd: 200 parallel requests" "$NETC" "$port" par 200 /index.html
	check "httpd: clients leaving mid-request and mid-reply" "$NETC" "$port" abort
	if [ -n "$before" ]; then
		check "httpd: no descriptor leaked" fds_back "$before"
	else
		fail "httpd: /debug/fds did not answer"
	fi
	[ "$smp" -gt 1 ] && check "httpd: every core accepted connections" every_core_served
	curl -s -m 2 -o /dev/null "$(url /debug/exit)"
	finish httpd 0
	# The console is complete once the guest is gone.
	[ -z "$quiet" ] && check "httpd: access log" access_log
}

test_echo() {
	boot echo "$ECHO" 7 --quiet
	local ms
	if ! ms=$(ready timeout 0.25 "$NETC" "$port" echo 16); then
		fail "echo: no echo within 30 s" "$(tail -n 15 "$glog")"
		finish echo any
		return
	fi
	pass "echo: echoes $ms ms after QEMU started (readiness poll)"
	check "echo: 1 MiB round trip" "$NETC" "$port" echo 1048576
	finish echo any
}

kv_round_trip() {
	local v=$work/$cfg.value got
	head -c 1000000 /dev/urandom > "$v"
	got=$(curl -sS -m 10 -o /dev/null -w '%{http_code}' -X PUT --data-binary "@$v" "$(url /k/some%20key)")
	[ "$got" = 201 ] || { echo "PUT: $got, expected 201"; return 1; }
	got=$(curl -sS -m 10 -o /dev/null -w '%{http_code}' -X PUT --data-binary "@$v" "$(url /k/some%20key)")
	[ "$got" = 204 ] || { echo "second PUT: $got, expected 204"; return 1; }
	curl -sS -m 10 -o "$v.got" "$(url /k/some%20key)" && cmp -s "$v" "$v.got" ||
		{ echo "GET: not the value put"; return 1; }
	grep -qx 'keys 1' <(curl -sS -m 5 "$(url /stats)") || { echo "stats: not 1 key"; return 1; }
	got=$(curl -sS -m 10 -o /dev/null -w '%{http_code}' -X DELETE "$(url /k/some%20key)")
	[ "$got" = 204 ] || { echo "DELETE: $got, expected 204"; return 1; }
	got=$(curl -sS -m 10 -o /dev/null -w '%{http_code}' "$(url /k/some%20key)")
	[ "$got" = 404 ] || { echo "GET after DELETE: $got, expected 404"; return 1; }
	got=$(curl -sS -m 10 -o /dev/null -w '%{http_code}' -X DELETE "$(url /k/some%20key)")
	[ "$got" = 404 ] || { echo "second DELETE: $got, expected 404"; return 1; }
	echo "1 MB value: PUT 201, PUT 204, GET byte-exact, DELETE 204, GET 404"
}

test_kv() {
	boot kv "$KV" 80 --debug --quiet
	local ms
	if ! ms=$(ready curl -sf -m 0.25 -o /dev/null "$(url /stats)"); then
		fail "kv: no HTTP answer within 30 s" "$(tail -n 15 "$glog")"
		finish kv any
		return
	fi
	pass "kv: answers $ms ms after QEMU started (readiness poll)"
	check "kv: PUT/GET/DELETE round trip" kv_round_trip
	check "kv: 405 for POST" status_of 'POST /k/a HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nx' "HTTP/1.1 405 Method Not Allowed"
	check "kv: 411 for PUT without a length" status_of 'PUT /k/a HTTP/1.1\r\nHost: t\r\n\r\n' "HTTP/1.1 411 Length Required"
	check "kv: 413 for a value over 1 MiB" status_of 'PUT /k/a HTTP/1.1\r\nHost: t\r\nContent-Length: 2000000\r\n\r\n' "HTTP/1.1 413 Content Too Large"
	curl -s -m 2 -o /dev/null "$(url /debug/exit)"
	finish kv 0
}

run_machine() {
	cfg=$1 idx=$2
	report=$work/$cfg.report results=$work/$cfg.results
	: > "$report"
	: > "$results"
	machine=${cfg%-modern}
	machine=${machine%-smp4}
	# q35 and microvm run with two vCPUs (httpd and kv then serve from two
	# threads on two cores, each with its own SO_REUSEPORT listener), pc and
	# microvm-modern with one, microvm-smp4 with four; TORO_NET_SMP=N sets
	# the count of q35 and microvm.
	case "$cfg" in
	pc|microvm-modern) smp=1 ;;
	microvm-smp4) smp=4 ;;
	*) smp=${TORO_NET_SMP:-2} ;;
	esac
	BOOT_ARGS=
	[ "$cfg" = microvm-modern ] && BOOT_ARGS="--qemu-arg -global --qemu-arg virtio-mmio.force-legacy=false"
	# Ports 18400-18783: one per machine and image, and a block per run
	# picked from the runner's pid so that two runs at once rarely meet.
	port=$((18400 + idx * 4 + ($$ % 24) * 16))
	test_httpd
	port=$((port + 1))
	test_echo
	port=$((port + 1))
	test_kv
}

hosttest_need "$NETC" "$HTTPD" "$ECHO" "$KV"
command -v curl > /dev/null || { echo "FAIL net tests: curl missing (tools/deps.sh installs it)";
	hosttest_counts 0 1; exit 1; }

i=0
for m in "${machines[@]}"; do
	case " $ALL " in *" $m "*) ;; *) echo "run.sh: unknown machine '$m' ($ALL)" >&2; exit 2 ;; esac
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
	(run_machine "$m" "$i"; cat "$work/$m.report") &
	i=$((i + 1))
done
wait
hosttest_end
