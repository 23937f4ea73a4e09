#!/bin/bash
# SPDX-License-Identifier: MIT
# Guest instructions per HTTP request, per vCPU: examples/httpd on microvm
# under `-icount shift=0,sleep=off` (the vCPUs take turns on one host thread,
# so the counts are work, not waiting or contention) with the vcpu_insns
# plugin (bench/tools/vcpu_insns.c) counting each vCPU's instructions.
# CONNS curl clients at once, each making REQS keep-alive requests (or, with
# close, REQS connections of one request each); the counts before and after
# them, and the kernel's stats line (ipis, remote_wakes, core lock) likewise.
# An idle window of the same host time is measured first and printed alone.
#   bench/net-insns.sh SMP PORT [CONNS] [REQS] [keepalive|close]
# NET_INSNS_APPEND: more kernel options (toro.net.steer=0); NET_INSNS_IMG: the image;
# NET_INSNS_SLEEP=off: -icount sleep=off (idle timers then run back to back).
# PORT and PORT+1 (the stats channel) on 127.0.0.1. docs/network.md, "Cores".
set -euo pipefail
cd "$(dirname "$0")/.."
smp=${1:?usage: bench/net-insns.sh SMP PORT [CONNS] [REQS] [keepalive|close]}
port=${2:?port}
conns=${3:-8} reqs=${4:-50} mode=${5:-keepalive}
img=${NET_INSNS_IMG:-build/examples/httpd.elf}
so=build/vcpu_insns.so
[ "$so" -nt bench/tools/vcpu_insns.c ] ||
	gcc -O2 -shared -fPIC -o "$so" bench/tools/vcpu_insns.c -lpthread
tmp=$(mktemp -d /tmp/net-insns.XXXXXX)
trap 'kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null; rm -rf "$tmp"' EXIT
counts="$tmp/counts"

TORO_ACCEL=tcg,thread=single bin/toro run "$img" --smp "$smp" --mem 64 --timeout 900 \
	--net "user:$port:80" --stats $((port + 1)) \
	--qemu-arg -icount --qemu-arg "shift=0,sleep=${NET_INSNS_SLEEP:-on}" \
	--qemu-arg -plugin --qemu-arg "$(pwd)/$so,out=$counts" \
	-- toro.ip=10.0.2.15/24 toro.gw=10.0.2.2 ${NET_INSNS_APPEND:-} -- --quiet --port 80 > "$tmp/console" 2>&1 &
qpid=$!
for _ in $(seq 600); do
	grep -q "listening on port" "$tmp/console" 2>/dev/null && break
	kill -0 "$qpid" 2>/dev/null || { cat "$tmp/console"; exit 1; }
	sleep 0.1
done
grep -q "listening on port" "$tmp/console" || { echo "no listener"; cat "$tmp/console"; exit 1; }
url="http://127.0.0.1:$port/"
curl -s -o /dev/null --max-time 60 "$url" # the first request translates the code path
sleep 1

snap() { cat "$counts"; bin/toro stats $((port + 1)) | tr ' ' '\n' | grep -E '^(ipis|remote_wakes|core_locks|core_lock_waits|rx_frames)='; }
# delta FILE1 FILE2: "key value" differences
delta() { awk 'NR==FNR { split($0, a, /[ =]/); v[a[1]] = a[2]; next }
	{ split($0, a, /[ =]/); printf "%s %d\n", a[1], a[2] - v[a[1]] }' "$1" "$2"; }

snap > "$tmp/a"; sleep 2; snap > "$tmp/b"
echo "idle 2 s (host time):"; delta "$tmp/a" "$tmp/b" | sed 's/^/  /'

hdr=()
[ "$mode" = close ] && hdr=(-H "Connection: close")
snap > "$tmp/a"
t0=$(date +%s.%N)
for c in $(seq "$conns"); do
	args=()
	for _ in $(seq "$reqs"); do args+=("$url"); done
	curl -s --max-time 300 "${hdr[@]+"${hdr[@]}"}" -o /dev/null -w '%{http_code}\n' "${args[@]}" > "$tmp/codes.$c" &
done
wait $(jobs -p | grep -v "^$qpid$") 2>/dev/null || true
t1=$(date +%s.%N)
sleep 1
snap > "$tmp/b"
ok=$(cat "$tmp"/codes.* | grep -c '^200$' || true)
n=$((conns * reqs))
echo "smp=$smp mode=$mode requests=$n ok=$ok host_s=$(echo "$t1 - $t0" | bc) load=\"$(cut -d' ' -f1-3 /proc/loadavg)\""
delta "$tmp/a" "$tmp/b" | awk -v n="$n" '
	/^vcpu/ { tot += $2; printf "  %s %d insns, %d per request\n", $1, $2, $2 / n; next }
	{ printf "  %s %d (%.2f per request)\n", $1, $2, $2 / n }
	END { printf "  all vcpus %d per request\n", tot / n }'
