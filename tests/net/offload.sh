#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/net/offload.sh: virtio-net checksum offload end to end, over a tap
# with a virtio-net header (QEMU's user network has none, so QEMU offers
# neither CSUM nor GUEST_CSUM there and tests/net/run.sh never sees them).
# Root only: a network namespace of its own holds the tap (10.77.1.1/24, the
# guest 10.77.1.2), QEMU and the clients; nothing outside it changes. Twice:
# with the offloads negotiated (the attach line names csum and guest_csum;
# each TCP segment the guest sends carries NEEDS_CSUM's partial sum, checked in
# a capture to be exactly the pseudo-header sum, so what the host completes is
# right; the host's segments reach the driver partial too and it completes
# them) and with csum=off,guest_csum=off (full checksums on the wire both
# ways). Each time a 10 MiB file and a 1 MB upload come back byte-exact.
#   tests/net/offload.sh [pc|q35|microvm]    (pc by default; SKIP without root or tun)
set -uo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
cd "$ROOT" || exit 2
machine=${1:-pc}
HTTPD=build/tests/net/httpd.elf
KV=build/examples/kv.elf
LOGDIR=build/tests/net/logs
GUEST=10.77.1.2
dev=virtio-net-pci
[ "$machine" = microvm ] && dev=virtio-net-device

skip() { echo "SKIP offload $machine: $1"; echo "offload: 0 passed, 0 failed (skipped)"; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root (a tap device)"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
command -v ip > /dev/null || skip "no ip(8)"
command -v tcpdump > /dev/null || skip "no tcpdump"
for f in "$HTTPD" "$KV"; do [ -f "$f" ] || { echo "FAIL offload: $f missing (make net-tests examples)"; exit 1; }; done

ns=toro-offload-$$
work=$(mktemp -d "${TMPDIR:-/tmp}/toro-offload.XXXXXX")
mkdir -p "$LOGDIR"
gpid=
cleanup() {
	[ -n "$gpid" ] && kill -0 "$gpid" 2>/dev/null && kill -- "-$gpid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
in_ns() { ip netns exec "$ns" "$@"; }

ip netns add "$ns" || skip "cannot make a network namespace"
in_ns ip link set lo up
in_ns ip tuntap add dev ttap0 mode tap || skip "cannot make a tap device"
in_ns ip addr add 10.77.1.1/24 dev ttap0
in_ns ip link set ttap0 up

passed=0 failed=0
pass() { echo "PASS offload $machine $cfg: $*"; passed=$((passed + 1)); }
fail() {
	echo "FAIL offload $machine $cfg: $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | tail -n 15 | sed 's/^/    /'
	failed=$((failed + 1))
}

# boot IMAGE PROPS ARGS...: the guest on the tap, in its own process group.
boot() {
	local image=$1 props=$2
	shift 2
	glog=$LOGDIR/offload.$machine.$cfg.$(basename "$image" .elf).log
	in_ns setsid bin/toro run --timeout 120 --machine "$machine" --mem 64 \
		--qemu-arg -netdev --qemu-arg "tap,id=n0,ifname=ttap0,script=no,downscript=no,vnet_hdr=on" \
		--qemu-arg -device --qemu-arg "$dev,netdev=n0$props" \
		"$image" -- "toro.ip=$GUEST/24" toro.gw=10.77.1.1 "$@" > "$glog" 2>&1 &
	gpid=$!
	local i
	for i in $(seq 300); do
		in_ns curl -sf -m 0.25 -o /dev/null "http://$GUEST/$ready_path" && return 0
		kill -0 "$gpid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

finish() {
	in_ns curl -s -m 2 -o /dev/null "http://$GUEST/debug/exit"
	local i
	for i in $(seq 50); do kill -0 "$gpid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$gpid" 2>/dev/null && kill -- "-$gpid" 2>/dev/null
	wait "$gpid" 2>/dev/null
	gpid=
	if grep -aqE 'toro: (kernel )?panic|toro: kernel fault|bad frame|toro: virtq' "$glog"; then
		fail "kernel or driver complaint on the console" "$(grep -aE 'panic|fault|bad frame|virtq' "$glog")"
	fi
}

# The TCP segments from (or to) the guest in a capture: "partial N full M bad K".
# NEEDS_CSUM leaves the pseudo-header sum (not inverted) in the field; a
# device completing it over the segment then gets the right checksum exactly
# when that sum is right. A full checksum sums to 0xffff with the pseudo header.
# A segment whose full checksum happens to equal the pseudo-header sum fits
# both readings and is left out.
csum_kinds() {
	python3 - "$1" "$GUEST" "$2" <<'EOF'
import struct, sys
data = open(sys.argv[1], 'rb').read()
guest = bytes(int(x) for x in sys.argv[2].split('.'))
at = 26 if sys.argv[3] == 'from' else 30
def fold(s):
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s
def sum16(b):
    if len(b) % 2:
        b += b'\0'
    return sum(struct.unpack('!%dH' % (len(b) // 2), b))
le = data[:4] == b'\xd4\xc3\xb2\xa1'
off, kinds = 24, {'partial': 0, 'full': 0, 'bad': 0}
while off + 16 <= len(data):
    incl = struct.unpack('<I' if le else '>I', data[off + 8:off + 12])[0]
    f = data[off + 16:off + 16 + incl]
    off += 16 + incl
    if len(f) < 34 or f[12:14] != b'\x08\x00' or f[23] != 6 or f[at:at + 4] != guest:
        continue
    ihl = (f[14] & 15) * 4
    total = struct.unpack('!H', f[16:18])[0]
    tcp = f[14 + ihl:14 + total]
    pseudo = sum16(f[26:34]) + 6 + len(tcp)
    field = struct.unpack('!H', tcp[16:18])[0]
    partial = fold(pseudo) == field or (field == 0xffff and fold(pseudo) == 0)
    full = fold(pseudo + sum16(tcp)) == 0xffff
    if partial and full:
        continue  # both readings hold (1 segment in 65,536): says nothing
    kinds['partial' if partial else 'full' if full else 'bad'] += 1
print('partial %d full %d bad %d' % (kinds['partial'], kinds['full'], kinds['bad']))
EOF
}

# run CFG PROPS WANT_LINE WANT_KIND: both directions, the attach line, the capture.
run() {
	cfg=$1
	local props=$2 want_line=$3 want_kind=$4 kinds
	ready_path=index.html
	if ! boot "$HTTPD" "$props" --quiet --debug; then
		fail "httpd: no answer within 30 s" "$(tail -n 15 "$glog")"
		finish
		return
	fi
	local line
	line=$(grep -a 'toro: virtio-net eth0' "$glog")
	if [[ "$line" == *"$want_line"* ]]; then pass "attach line: ${line#toro: }"; else fail "attach line: '$line', expected '$want_line'"; fi
	in_ns tcpdump -q -i ttap0 -c 1000 -w "$work/cap" "tcp and host $GUEST" 2> /dev/null &
	local tpid=$!
	sleep 0.5
	local got want
	want=$(sha256sum < build/tests/net/big/big.bin)
	got=$(in_ns curl -sS -m 60 "http://$GUEST/big.bin" | sha256sum)
	if [ "$got" = "$want" ]; then pass "10 MiB file byte-exact"; else fail "10 MiB file differs"; fi
	sleep 0.3
	kill "$tpid" 2>/dev/null
	wait "$tpid" 2>/dev/null
	local dir
	for dir in from to; do
		kinds=$(csum_kinds "$work/cap" "$dir")
		if [[ "$kinds" =~ ^partial\ ([0-9]+)\ full\ ([0-9]+)\ bad\ ([0-9]+)$ ]] &&
		   [ "${BASH_REMATCH[3]}" = 0 ] && { { [ "$want_kind" = partial ] &&
		   [ "${BASH_REMATCH[2]}" = 0 ] && [ "${BASH_REMATCH[1]}" -gt 50 ]; } ||
		   { [ "$want_kind" = full ] && [ "${BASH_REMATCH[1]}" = 0 ] &&
		   [ "${BASH_REMATCH[2]}" -gt 50 ]; }; }; then
			pass "TCP checksums $dir the guest all $want_kind and right ($kinds)"
		else
			fail "TCP checksums $dir the guest: $kinds, expected all $want_kind"
		fi
	done
	finish
	ready_path=stats
	if ! boot "$KV" "$props" --quiet --debug; then
		fail "kv: no answer within 30 s" "$(tail -n 15 "$glog")"
		finish
		return
	fi
	head -c 1000000 /dev/urandom > "$work/value"
	got=$(in_ns curl -sS -m 30 -o /dev/null -w '%{http_code}' -X PUT --data-binary "@$work/value" "http://$GUEST/k/v")
	if [ "$got" = 201 ] && in_ns curl -sS -m 30 -o "$work/value.got" "http://$GUEST/k/v" &&
	   cmp -s "$work/value" "$work/value.got"; then
		pass "1 MB upload and download byte-exact"
	else
		fail "1 MB upload: PUT $got, or the value read back differs"
	fi
	finish
}

run offload "" "(csum, guest_csum" partial
run csum-off ",csum=off,guest_csum=off" "" full
grep -aq "csum" "$LOGDIR/offload.$machine.csum-off.httpd.log" &&
	fail "csum=off,guest_csum=off: the attach line still names csum"
echo "offload: $passed passed, $failed failed"
[ "$failed" = 0 ]
