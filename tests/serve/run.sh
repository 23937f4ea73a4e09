#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/serve/run.sh: toro serve (tools/serve/, docs/deploy.md "On demand:
# toro serve") driven from the host, on microvm (one case on q35):
#  - one-line errors: bad options, a port in use, a missing image, no QEMU;
#  - the test httpd (build/tests/net/httpd.elf) cold: 100 sequential requests
#    (the first boots the VM), bodies compared, a 10 MiB file byte-exact, a
#    request half-closed by the client; the idle power-off (the program's
#    exit drained), then 50 parallel first connections to the cold serve,
#    each body compared; boots counted from serve's log (2);
#  - echo: 1 MB each way, the client's end of file passed on;
#  - a crashing image (examples/crash) and one that never listens on the
#    port: the waiting clients get a closed connection, one log line each,
#    serve keeps running and boots again for the next client;
#  - --max-vms 2; q35 (the power-off through the ACPI power button);
#  - systemd socket activation (systemd-socket-activate -l);
#  - SIGTERM to serve: the VM powered off, no QEMU left.
# One PASS/FAIL line per check, "serve: N passed, N failed" last.
#   tests/serve/run.sh [--counts FILE]
# Ports 21350-21358.
set -uo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
cd "$ROOT" || exit 2
SERVE=build/tools/toro-serve
HTTPD=build/tests/net/httpd.elf
ECHO=build/examples/echo.elf
CRASH=build/examples/crash.elf
NETC=build/tests/net/netclient
WWW=examples/httpd/www
BIG=build/tests/net/big/big.bin
. tests/net/lib.sh
hosttest_init serve "microvm" "$@"
cfg=microvm
hosttest_need "$SERVE" "$HTTPD" "$ECHO" "$CRASH" "$NETC" "$BIG"
T=${TORO_SERVE_TIMEOUT:-600} # bound on each serve instance

# serve_start LOG ARGS...: toro serve in its own process group, killed at the
# end whatever happens; sets $spid, $slog.
serve_start() {
	slog=$LOGDIR/serve.$1.log
	shift
	: > "$slog" # now: a line of the last run's log must not be read as this one's
	setsid timeout -k 5 "$T" bin/toro serve "$@" >> "$slog" 2>&1 &
	spid=$!
	echo "$spid" >> "$work/pids"
	wait_log "toro serve: listening on" 30 > /dev/null
}
# serve_stop: SIGTERM, then wait for its exit (it powers its VMs off first).
serve_stop() {
	kill -TERM "$spid" 2>/dev/null
	local i
	for i in $(seq 300); do
		kill -0 "$spid" 2>/dev/null || { wait "$spid" 2>/dev/null; return 0; }
		sleep 0.1
	done
	echo "serve still running 30 s after SIGTERM"
	return 1
}
count() { grep -c -- "$1" "$slog"; }
wait_log() { # PATTERN SECONDS
	local i
	for i in $(seq $(($2 * 10))); do
		grep -q -- "$1" "$slog" && return 0
		sleep 0.1
	done
	echo "no '$1' in serve's log after $2 s"
	tail -n 20 "$slog"
	return 1
}

# TORO_SERVE_TIMES=1: each check's seconds on stderr.
if [ -n "${TORO_SERVE_TIMES:-}" ]; then
	eval "orig_$(declare -f check)"
	check() { local t0=$SECONDS; orig_check "$@"; echo "  [$(($SECONDS - t0)) s] $1" >&2; }
fi

# ---- one-line errors, no VM ----
one_line_error() { # EXPECTED-SUBSTRING ENV/ARGS...
	local want=$1 out rc
	shift
	out=$(timeout 20 "$@" 2>&1 < /dev/null)
	rc=$?
	[ "$rc" = 2 ] || { echo "exit $rc, expected 2: $out"; return 1; }
	[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || { echo "more than one line: $out"; return 1; }
	[[ "$out" == *"$want"* ]] || { echo "'$out' does not say '$want'"; return 1; }
	echo "$out"
}
check "a bad --idle is refused" one_line_error "bad --idle 'soon'" \
	bin/toro serve --listen 127.0.0.1:21350 --idle soon "$HTTPD"
check "an unknown option is refused" one_line_error "unknown option '--bogus'" \
	bin/toro serve --listen 127.0.0.1:21350 --bogus "$HTTPD"
check "a bad --listen is refused" one_line_error "bad --listen '21350'" \
	bin/toro serve --listen 21350 "$HTTPD"
check "no --listen and no systemd socket" one_line_error "--listen HOST:PORT is needed" \
	bin/toro serve "$HTTPD"
check "a missing image" one_line_error "image 'no/such.elf' not found" \
	bin/toro serve --listen 127.0.0.1:21350 no/such.elf
check "words toro run refuses, at start" one_line_error "toro run refused the VM: toro: the kernel command line cannot carry a double quote" \
	bin/toro serve --listen 127.0.0.1:21350 "$HTTPD" -- 'toro.x="'
check "no QEMU on PATH" one_line_error "qemu-system-x86_64 missing" \
	env PATH=/nonexistent TORO_BIN="$ROOT/bin/toro" "$SERVE" --listen 127.0.0.1:21350 "$HTTPD"
port_taken() {
	python3 -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 21351)); s.listen(1); print("up", flush=True); time.sleep(30)' > "$work/holder" &
	local holder=$! i
	for i in $(seq 50); do grep -q up "$work/holder" && break; sleep 0.1; done
	one_line_error "cannot listen on 127.0.0.1:21351: Address already in use" \
		bin/toro serve --listen 127.0.0.1:21351 "$HTTPD"
	local rc=$?
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
	return $rc
}
check "a port in use" port_taken

# ---- httpd: cold, sequential, idle power-off, cold again in parallel ----
P=21352
url() { echo "http://127.0.0.1:$P$1"; }
get_same() { # PATH FILE OUT
	curl -sS -m 300 -o "$3" "$(url "$1")" && cmp -s "$3" "$2"
}
sequential() {
	local i bad=0
	for i in $(seq 100); do
		get_same /index.html "$WWW/index.html" "$work/seq.body" || bad=$((bad + 1))
	done
	[ "$bad" = 0 ] || { echo "$bad of 100 answers wrong or missing"; return 1; }
	echo "100 of 100 bodies equal to $WWW/index.html"
}
big_file() {
	curl -sS -m 300 -o "$work/big" "$(url /big.bin)" || return 1
	cmp "$work/big" "$BIG" || return 1
	echo "$(stat -c %s "$work/big") bytes byte-exact"
}
half_closed() { # the request, then the client's FIN: the whole answer comes back
	local out
	out=$(timeout 60 "$NETC" "$P" raw 'GET /index.html HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n' |
		tr -d '\r' | sed '1,/^$/d') || return 1
	[ "$out" = "$(cat "$WWW/index.html")" ] || { echo "body differs"; return 1; }
	echo "body whole after a half-close"
}
parallel() {
	local i bad=0 pids=()
	for i in $(seq 50); do
		(get_same /index.html "$WWW/index.html" "$work/par.$i" && echo ok > "$work/par.$i.ok") &
		pids+=($!)
	done
	wait "${pids[@]}" # not serve, also a child of this shell
	for i in $(seq 50); do [ -f "$work/par.$i.ok" ] || bad=$((bad + 1)); done
	[ "$bad" = 0 ] || { echo "$bad of 50 answers wrong or missing"; tail -n 5 "$slog"; return 1; }
	echo "50 of 50 bodies equal"
}
idle_off() {
	wait_log "vm 1: no connection for 3 s: powering off" 60 || return 1
	wait_log "vm 1: powered off" 60 || return 1
	grep -q "vm 1| toro: shutdown requested by the host" "$slog" ||
		{ echo "the guest did not see the request"; return 1; }
	grep -q "vm 1| toro: exit status" "$slog" || { echo "no exit status from the guest"; return 1; }
	! grep -q "did not stop within" "$slog" || { echo "QEMU had to be stopped"; return 1; }
	grep "powered off" "$slog" | head -n 1 | sed 's/^toro serve: //'
}
boots_are() {
	local n
	n=$(count "vm 1: booting")
	[ "$n" = "$1" ] || { echo "$n boots in serve's log, expected $1"; return 1; }
	echo "$n boot(s)"
}
serve_start httpd --listen 127.0.0.1:$P --idle 3 "$HTTPD"
check "httpd: no VM before the first connection" bash -c "sleep 1; ! grep -q booting '$slog' && echo none"
check "httpd: 100 sequential connections, the first cold" sequential
check "httpd: the 10 MiB file through serve" big_file
check "httpd: a half-closed request" half_closed
check "httpd: one boot for all of them" boots_are 1
check "httpd: powered off after 3 s idle, the exit drained" idle_off
check "httpd: 50 parallel first connections to the cold serve" parallel
check "httpd: booted again, once" boots_are 2
vm_qemu() { # the pid of the QEMU of serve's last boot (its hostfwd port is in the log)
	local h
	h=$(sed -n 's/.*: booting (boot [0-9]*; 127.0.0.1:\([0-9]*\) .*/\1/p' "$slog" | tail -n 1)
	[ -n "$h" ] && pgrep -f "hostfwd=tcp:127.0.0.1:$h-:"
}
no_qemu_left() { # none of the hostfwd ports serve booted with is still held by a QEMU
	local h left=0
	for h in $(sed -n 's/.*: booting (boot [0-9]*; 127.0.0.1:\([0-9]*\) .*/\1/p' "$slog"); do
		pgrep -af "hostfwd=tcp:127.0.0.1:$h-:" && left=$((left + 1))
	done
	[ "$left" = 0 ] && echo none
}
# A connection that comes while the VM powers off waits, then a new boot
# answers it. QEMU is stopped (SIGSTOP) before the idle power-off begins, so
# the request sits in its monitor until SIGCONT and the connection surely
# comes during the power-off.
during_off() {
	local q cpid
	q=$(vm_qemu) || { echo "no QEMU found for the running VM"; return 1; }
	kill -STOP "$q"
	# The second power-off (the first was idle_off's), seen as it is written.
	local n=0 line
	while IFS= read -r -t 60 line; do
		[[ "$line" == *"vm 1: no connection for 3 s: powering off"* ]] && ((++n == 2)) && break
	done < <(exec tail --pid="$spid" -n +1 -f "$slog")
	rm -f "$work/off.ok"
	(get_same /index.html "$WWW/index.html" "$work/off.body" && echo ok > "$work/off.ok") &
	cpid=$!
	sleep 1
	kill -CONT "$q"
	wait "$cpid"
	[ -f "$work/off.ok" ] || { echo "wrong or no answer"; return 1; }
	grep -q "1 connection held while the VMs powered off: given a VM now" "$slog" ||
		{ echo "the connection was not held during the power-off"; return 1; }
	boots_are 3 > /dev/null || { boots_are 3; return 1; }
	echo "held during the power-off, answered by boot 3"
}
check "httpd: a connection while the VM powers off" during_off
check "httpd: serve stops on SIGTERM" serve_stop
check "httpd: no QEMU left" no_qemu_left

# ---- --max-vms 2 --conns-per-vm 1: a second VM for a second open connection ----
P=21357
two_vms() {
	exec 5<> /dev/tcp/127.0.0.1/$P || return 1
	wait_log "vm 1: guest listening" 60 > /dev/null || { echo "vm 1 did not boot"; return 1; }
	exec 6<> /dev/tcp/127.0.0.1/$P || return 1
	wait_log "vm 2: guest listening" 60 > /dev/null || { echo "no second VM"; return 1; }
	local r=$'GET /index.html HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n' a b
	printf '%s' "$r" >&5
	printf '%s' "$r" >&6
	a=$(timeout 60 cat <&5 | tr -d '\r' | sed '1,/^$/d')
	b=$(timeout 60 cat <&6 | tr -d '\r' | sed '1,/^$/d')
	exec 5>&- 6>&-
	[ "$a" = "$(cat "$WWW/index.html")" ] && [ "$b" = "$a" ] || { echo "bodies differ"; return 1; }
	echo "two connections held open, two VMs, both answers whole"
}
serve_start maxvms --listen 127.0.0.1:$P --max-vms 2 --conns-per-vm 1 --idle 30 "$HTTPD"
check "--max-vms 2: a second VM boots for a second held connection" two_vms
check "--max-vms 2: serve stops on SIGTERM, both VMs off" serve_stop
check "--max-vms 2: both powered off" bash -c "[ \$(grep -c 'powered off' '$slog') = 2 ] && echo 2"
check "--max-vms 2: no QEMU left" no_qemu_left

# ---- q35: the power-off through the ACPI power button ----
P=21358
acpi_off() {
	get_same /index.html "$WWW/index.html" "$work/q35.body" || { echo "wrong answer"; return 1; }
	wait_log "vm 1: powered off" 60 > /dev/null || return 1
	grep -q "vm 1| toro: shutdown requested by the host (ACPI power button)" "$slog" ||
		{ echo "no ACPI shutdown line"; return 1; }
	grep "powered off" "$slog" | sed 's/^toro serve: //'
}
cfg=q35
serve_start q35 --listen 127.0.0.1:$P --machine q35 --idle 1 "$HTTPD"
check "httpd: answered, powered off through the ACPI power button after 1 s idle" acpi_off
check "httpd: serve stops on SIGTERM" serve_stop
cfg=microvm

# ---- echo: bytes both ways, end of file passed on ----
P=21353
serve_start echo --listen 127.0.0.1:$P --port 7 --idle 30 "$ECHO"
check "echo: 1 MB each way, then end of file" timeout 300 "$NETC" "$P" echo 1000000
check "echo: serve stops on SIGTERM" serve_stop

# ---- a VM that fails to boot ----
closed_fast() { # curl gets a closed connection (no reply), not a hang
	local rc
	curl -sS -m 120 -o /dev/null "$(url /)" 2> "$work/curl.err"
	rc=$?
	[ "$rc" = 52 ] || [ "$rc" = 56 ] || { echo "curl exit $rc: $(cat "$work/curl.err")"; return 1; }
	echo "curl: $(cat "$work/curl.err")"
}
P=21354
serve_start crash --listen 127.0.0.1:$P --idle 30 "$CRASH"
check "crash: the client gets a closed connection" closed_fast
check "crash: one log line" bash -c "n=\$(grep -c 'failed to boot' '$slog'); [ \$n = 1 ] && grep 'failed to boot' '$slog'"
check "crash: the next client boots it again" closed_fast
check "crash: serve still running, 2 boots" bash -c "kill -0 $spid && [ \$(grep -c 'vm 1: booting' '$slog') = 2 ] && echo yes"
check "crash: serve stops on SIGTERM" serve_stop
P=21355
serve_start never --listen 127.0.0.1:$P --port 80 --boot-timeout 5 --idle 30 "$ECHO"
check "never listens on the port: closed after --boot-timeout 5" closed_fast
check "never listens: one log line" wait_log "did not listen on port 80 within 5 s; 1 waiting connection closed" 5
check "never listens: serve stops on SIGTERM" serve_stop

# ---- systemd socket activation ----
P=21356
activated() {
	slog=$LOGDIR/serve.systemd.log
	: > "$slog"
	setsid timeout -k 5 "$T" systemd-socket-activate -l 127.0.0.1:$P \
		bin/toro serve --idle 30 "$HTTPD" >> "$slog" 2>&1 &
	spid=$!
	echo "$spid" >> "$work/pids"
	wait_log "Listening on 127.0.0.1:$P" 30 || return 1
	# systemd-socket-activate starts serve at the first connection.
	get_same /index.html "$WWW/index.html" "$work/sd.body" || { echo "wrong answer"; return 1; }
	grep -q "toro serve: socket from systemd" "$slog" || { echo "serve did not take the socket"; return 1; }
	echo "answered through the socket systemd-socket-activate passed"
}
if command -v systemd-socket-activate > /dev/null; then
	check "systemd: LISTEN_FDS socket" activated
	check "systemd: serve stops on SIGTERM" serve_stop
else
	fail "systemd-socket-activate missing (apt-get install systemd)"
fi

hosttest_end
