#!/usr/bin/env bash
# Guest instructions per keep-alive HTTP request and per MiB of a bulk
# download, exact and free of host noise: QEMU under -icount shift=0,sleep=off
# (the guest TSC counts executed instructions plus the time skipped over
# halts), the kernel's stats channel (k/kstats.h) giving tsc= and idle_tsc=
# before and after; busy instructions = delta tsc - delta idle_tsc.
#   bench/insn_net.sh [REQUESTS] [DOWNLOADS]   (defaults 2000 and 6 x 10 MiB)
# INSN_PROFILE=1 adds where the download's time goes: QEMU's RIP read over
# QMP (`info registers`) every 2 ms of host time, symbolized with the image's
# symbols (host time, not instructions: a rough breakdown; halted samples out).
# Needs `make net-tests` (build/tests/net/httpd.elf serves /big.bin, 10 MiB).
set -euo pipefail
cd "$(dirname "$0")/.."
REQ=${1:-2000}
DL=${2:-6}
PORT=${INSN_PORT:-21050}
SPORT=${INSN_STATS_PORT:-21051}
ELF=${INSN_ELF:-build/tests/net/httpd.elf}
[ -f "$ELF" ] || { echo "insn_net: $ELF missing (make net-tests)" >&2; exit 1; }
LOG=$(mktemp)
QMP=$LOG.qmp
trap 'kill $QPID 2>/dev/null; rm -f "$LOG" "$QMP"' EXIT
bin/toro run --timeout 3000 --net "user:$PORT:80" --stats "$SPORT" \
	--qemu-arg -icount --qemu-arg shift=0,sleep=off \
	--qemu-arg -qmp --qemu-arg "unix:$QMP,server=on,wait=off" "$ELF" -- --quiet > "$LOG" 2>&1 &
QPID=$!
python3 - "$PORT" "$SPORT" "$REQ" "$DL" "${INSN_PROFILE:-0}" "$ELF" "$QMP" <<'PY'
import bisect, collections, http.client, json, os, re, socket, subprocess, sys, threading, time
port, sport, nreq, ndl, prof = (int(a) for a in sys.argv[1:6])
elf, qmp_path = sys.argv[6:8]
def stats():
    s = socket.create_connection(("127.0.0.1", sport), timeout=60)
    s.sendall(b"\n"); buf = b""
    while not buf.endswith(b"\n"):
        buf += s.recv(4096)
    s.close()
    w = dict(x.split("=", 1) for x in buf.decode().split()[1:])
    return int(w["tsc"]), int(w["idle_tsc"])
for i in range(600):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        c.request("GET", "/"); r = c.getresponse(); r.read()
        if r.status == 200: break
    except Exception: time.sleep(0.5)
else:
    sys.exit("insn_net: no answer from httpd")
def busy(fn):
    t0, i0 = stats(); fn(); t1, i1 = stats()
    return (t1 - t0) - (i1 - i0)
# Under sleep=off the guest's clock jumps over its idle time to the next timer,
# so timer work while the guest waits for this client counts too, more of it
# the slower the host: requests go in pipelined batches (the guest is busy
# through a batch) and the figure is the least batch's, with the median.
class Conn:
    def __init__(self):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=120)
        self.f = self.s.makefile("rb")
    def response(self):
        st = self.f.readline()
        if not st:
            raise ConnectionError("closed")   # the guest's idle timeout
        if not st.startswith(b"HTTP/1.1 200"):
            sys.exit(f"insn_net: bad response {st!r}")
        n = 0
        while (h := self.f.readline()) not in (b"\r\n", b""):
            if h.lower().startswith(b"content-length:"):
                n = int(h.split(b":")[1])
        return len(self.f.read(n))
    def batch(self, path, k):
        self.s.sendall((f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n" * k).encode())
        return sum(self.response() for _ in range(k))
    def close(self):
        self.f.close(); self.s.close()
K = 50
def run(label, fn):
    per = []
    for _ in range(max(1, nreq // K)):
        c = Conn()   # a fresh connection per batch: no idle timeout in between
        try:
            c.batch("/", 1)
            per.append(busy(lambda: fn(c)) / K)
        except (ConnectionError, OSError):
            pass     # closed by the idle timeout: the batch is left out
        c.close()
    per.sort()
    print(f"keep-alive GET /, {len(per)} batches of {K} {label}: {int(per[0])} instructions"
          f" per request (least batch), {int(per[len(per) // 2])} median")
run("requests one at a time", lambda c: [c.batch("/", 1) for _ in range(K)])
run("pipelined requests", lambda c: c.batch("/", K))
size = 0
def dls():
    global size
    size += c.batch("/big.bin", ndl)
class Sampler(threading.Thread):
    """RIP every 2 ms over QMP while the download runs."""
    def __init__(self):
        super().__init__(daemon=True)
        self.s = socket.socket(socket.AF_UNIX); self.s.connect(qmp_path)
        self.f = self.s.makefile("rw")
        self.f.readline(); self.cmd({"execute": "qmp_capabilities"})
        self.rips, self.stop = [], False
    def cmd(self, c):
        self.f.write(json.dumps(c) + "\n"); self.f.flush()
        while "return" not in (r := json.loads(self.f.readline())) and "error" not in r:
            pass
        return r.get("return")
    def run(self):
        while not self.stop:
            out = self.cmd({"execute": "human-monitor-command",
                            "arguments": {"command-line": "info registers"}})
            m = re.search(r"RIP=([0-9a-f]+)", out or "")
            if m and "HLT=1" not in out:
                self.rips.append(int(m.group(1), 16))
            time.sleep(0.002)
def report(rips):
    syms = []
    for l in subprocess.run(["nm", "-n", "--defined-only", elf], capture_output=True,
                            text=True).stdout.splitlines():
        a, t, n = l.split()[:3]
        if t in "tTwW":
            syms.append((int(a, 16), n))
    addrs = [a for a, _ in syms]
    hits = collections.Counter(syms[bisect.bisect_right(addrs, r) - 1][1] if r >= addrs[0]
                               else "?" for r in rips)
    print(f"where the download's busy time goes ({len(rips)} samples, host time):")
    for n, k in hits.most_common(20):
        print(f"  {100 * k / len(rips):5.1f}%  {n}")
c = Conn()
sampler = Sampler() if prof else None
if sampler: sampler.start()
b = busy(dls)
if sampler:
    sampler.stop = True; sampler.join()
mib = size / 1048576
print(f"bulk GET /big.bin: {mib:.0f} MiB, {b} busy instructions, {int(b / mib)} per MiB")
if sampler and sampler.rips:
    report(sampler.rips)
PY
