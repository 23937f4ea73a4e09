#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Where a keep-alive HTTP request's guest instructions go, per function:
# boots IMAGE (default build/examples/httpd.elf) on microvm, 1 vCPU, under
# -icount shift=0,sleep=on with the insncount plugin in profile mode
# (bench/tools/insncount.c, profile=PREFIX: per guest instruction address,
# how often it ran). As bench/insn.sh does: a profile p0, N1 requests on one
# keep-alive connection (bench/tools/httpload), p1, N2 requests on a new one,
# p2; per request = ((p2 - p1) - (p1 - p0)) / (N2 - N1), per address, so the
# boot and each connection's set-up and close cancel out. The addresses are
# mapped to functions with IMAGE's symbols (nm -n); prints the total per
# request and the TOP functions, with how often each was entered.
#   bench/insnprof.sh [-n TOP] [-p PORT] [-a 'toro.x=y ...'] [IMAGE [-- ARGS...]]
# -L: the same httpd source on the bench's Linux guest instead (make bench's
# build/bench/linux: its kernel, and an initrd built here with mkguest.sh);
# the program's own functions by name, the kernel's as one "[linux kernel]".
# N1/N2: INSNPROF_N1 (200), INSNPROF_N2 (1200). docs/bench.md.
set -euo pipefail
cd "$(dirname "$0")/.."
top=15 port=${INSNPROF_PORT:-22050} append= linux=0
while getopts n:p:a:L o; do
	case $o in
	n) top=$OPTARG ;; p) port=$OPTARG ;; a) append=$OPTARG ;; L) linux=1 ;;
	*) echo "usage: bench/insnprof.sh [-n TOP] [-p PORT] [-a KERNEL_OPTS] [-L] [IMAGE [-- ARGS...]]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
img=${1:-build/examples/httpd.elf}
[ $# -gt 0 ] && shift
[ "${1:-}" = -- ] && shift
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--quiet --port 80)
n1=${INSNPROF_N1:-200} n2=${INSNPROF_N2:-1200}
[ -f "$img" ] || { echo "insnprof: $img missing (make all)" >&2; exit 1; }
lx=build/bench/linux
if [ $linux = 1 ]; then
	[ -s $lx/vmlinuz ] || bench/linux/mkguest.sh fetch $lx
	bench/linux/mkguest.sh netinitrd $lx httpd-prof "${args[*]}" -Iinclude examples/httpd/*.c \
		build/examples/httpd/www.S > /dev/null
	img=$lx/httpd-prof	# its symbols; the kernel's addresses stay unnamed
	machine=(-M microvm -m 128 -kernel $lx/vmlinuz -initrd $lx/httpd-prof.initrd.gz
		 -append "console=ttyS0 quiet tsc_early_khz=2000000 tsc=reliable panic=-1")
else
	machine=(-M microvm,acpi=off -m 16 -kernel "$img"
		 -append "toro.ip=10.0.2.15/24 toro.gw=10.0.2.2 $append -- ${args[*]}")
fi
tools=build/bench/tools
mkdir -p "$tools"
[ "$tools/insncount.so" -nt bench/tools/insncount.c ] ||
	gcc -O2 -Wall -Wextra -shared -fPIC -o "$tools/insncount.so" bench/tools/insncount.c -lpthread
[ "$tools/httpload" -nt bench/tools/httpload.c ] ||
	gcc -O2 -Wall -Wextra -o "$tools/httpload" bench/tools/httpload.c
tmp=$(mktemp -d /tmp/insnprof.XXXXXX)
qpid=
trap '[ -n "$qpid" ] && kill "$qpid" 2>/dev/null; wait 2>/dev/null; [ -n "${INSNPROF_KEEP:-}" ] || rm -rf "$tmp"' EXIT
mkfifo "$tmp/fifo"
log=$tmp/console
timeout 1800 qemu-system-x86_64 -cpu max -nographic -no-reboot -nodefaults -serial stdio \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 -accel tcg -smp 1,maxcpus=2 \
	-icount shift=0,sleep=on "${machine[@]}" \
	-plugin "$tools/insncount.so,fifo=$tmp/fifo,profile=$tmp/prof" \
	-netdev "user,id=net0,hostfwd=tcp:127.0.0.1:$port-:80" -device virtio-net-device,netdev=net0 \
	> "$log" 2>&1 < /dev/null &
qpid=$!
for _ in $(seq 3000); do
	grep -q "listening on port" "$log" 2>/dev/null && break
	kill -0 "$qpid" 2>/dev/null || { cat "$log"; exit 1; }
	sleep 0.1
done
grep -q "listening on port" "$log" || { echo "insnprof: no listener" >&2; cat "$log"; exit 1; }
# snap K: asks for a count (and profile $tmp/prof.K), waits for its line
snap() {
	timeout 10 sh -c "echo > '$tmp/fifo'"
	for _ in $(seq 400); do
		[ "$(grep -ac '^insncount insns=' "$log" || true)" -gt "$1" ] && return 0
		sleep 0.05
	done
	echo "insnprof: no count" >&2
	exit 1
}
"$tools/httpload" -p "$port" -n 20 > /dev/null	# translates the request path first
snap 0
"$tools/httpload" -p "$port" -n "$n1" > /dev/null
snap 1
"$tools/httpload" -p "$port" -n "$n2" > /dev/null
snap 2
nm -n --defined-only "$img" > "$tmp/syms"
python3 - "$tmp" "$n1" "$n2" "$top" <<'PY'
import bisect, collections, sys
tmp, n1, n2, top = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
syms = []
for l in open(f"{tmp}/syms"):
    f = l.split()
    if len(f) >= 3 and f[1] in "tTwW":
        syms.append((int(f[0], 16), f[2]))
addrs = [a for a, _ in syms]
dup = collections.Counter(n for _, n in syms)   # kernel and musl both have a memcpy
syms = [(a, f"{n}@{a:x}" if dup[n] > 1 else n) for a, n in syms]
def prof(k):
    c = collections.Counter()
    for l in open(f"{tmp}/prof.{k}"):
        a, n = l.split()
        c[int(a, 16)] += int(n)
    return c
p = [prof(k) for k in (0, 1, 2)]
fn = collections.Counter()
calls = collections.Counter()   # executions of a function's first instruction
for a in set(p[0]) | set(p[1]) | set(p[2]):
    d = (p[2][a] - p[1][a]) - (p[1][a] - p[0][a])
    if d:
        i = bisect.bisect_right(addrs, a) - 1
        name = "[linux kernel]" if a >= 1 << 63 else syms[i][1] if i >= 0 else "?"
        fn[name] += d
        if i >= 0 and a == syms[i][0]:
            calls[name] += d
per = n2 - n1
total = sum(fn.values()) / per
print(f"instructions per keep-alive request: {total:.0f} (({n2} - {n1}) requests, profile)")
print("  insns/req      %  calls/req  function")
for name, d in fn.most_common(top):
    print(f"  {d / per:9.1f}  {100 * d / per / total:5.1f}  {calls[name] / per:9.2f}  {name}")
PY
