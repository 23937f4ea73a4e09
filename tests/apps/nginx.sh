#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/apps/nginx.sh: nginx 1.22 from Debian's nginx source package, built
# with toro-cc (make nginx, tests/apps/nginx.mk), serving a docroot from a FAT
# disk made by `toro mkdisk`. The configuration is on the disk too
# (`nginx -p /site/ -c conf/nginx.conf`: master_process off, daemon off, user
# root, epoll, sendfile); errors go to the console, the access log to the disk.
# On each machine, one boot:
#   - curl: the index page, a small file, a 1 MiB file, a file with a
#     non-ASCII name, a subdirectory's index and a byte range, each byte-exact
#     with the file on the host and with nginx's own length header; a missing
#     file is 404; an autoindex listing names the directory's files;
#   - 1,000 requests on one keep-alive connection, 200 on a connection each
#     and 50 connections at once (tests/net/netclient: every reply whole, the
#     same length), then wrk with 20 connections for a few seconds: no socket
#     error, no status but 200 (microvm only: the slowest part);
#   - SIGTERM to `toro run` (the host's shutdown request): nginx exits 0;
# and where bin/toro has `run --app`, the same on microvm (without wrk) for
# nginx built with musl-gcc -static and run unmodified (make nginx-static);
# after it, on the host: the access log copied out of the image has a line
# per request made (the counts by path; at least as many as wrk counted for
# its path), each in nginx's combined format with the right status and length;
# nginx removed its pid file; fsck.fat -n finds nothing.
#   tests/apps/nginx.sh [--counts FILE] [--keep] [microvm|q35]...
# Prints PASS/FAIL per check and "nginx: N passed, N failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
cd "$ROOT" || exit 2
counts= keep=0 machines=()
while [ $# -gt 0 ]; do
	case "$1" in
	--counts) counts=$2; shift ;;
	--keep) keep=1 ;;
	microvm|q35|pc) machines+=("$1") ;;
	*) echo "usage: $0 [--counts FILE] [--keep] [microvm|q35|pc]..." >&2; exit 2 ;;
	esac
	shift
done
[ ${#machines[@]} = 0 ] && machines=(microvm q35)
ELF=${TORO_NGINX_ELF:-build/apps/nginx.elf}  # another build of nginx to test
STATIC=build/apps/nginx-static               # musl-gcc -static, for toro run --app
PORT=${TORO_NGINX_PORT:-5150}                # host ports PORT, PORT+1, ...
NETCLIENT=build/tests/net/netclient
TIMEOUT=${TORO_NGINX_TIMEOUT:-240}
. tests/apps/lib.sh
app_init nginx
gpid=
app_cleanup() { [ -n "$gpid" ] && kill -KILL -- "-$gpid" 2>/dev/null; }

# ---- the build (cached in build/: about a minute the first time) ----
app_build "$LOGS/nginx-build.log" nginx "$NETCLIENT"
pass "build: $ELF ($build_s s)"
app_need curl wrk fsck.fat mcopy

# ---- the disk: configuration, docroot, an empty logs/ ----
NONASCII='héllo wörld.txt'
NONASCII_URL='h%C3%A9llo%20w%C3%B6rld.txt'
make_files() { # DIR
	local s=$1/site
	mkdir -p "$s/conf" "$s/html/sub" "$s/html/files" "$s/logs" "$s/tmp"
	cp build/nginx/conf/mime.types "$s/conf/"
	cat > "$s/conf/nginx.conf" <<-'EOF'
	# One process (no master, no fork), in the foreground. Toro has one user,
	# root: `user root` keeps nginx from chown()ing its temporary directory to
	# nobody (Toro refuses owners other than root, docs/files.md).
	user root;
	master_process off;
	daemon off;
	worker_processes 1;
	error_log stderr notice;
	events { worker_connections 512; }
	http {
	    include mime.types;
	    default_type application/octet-stream;
	    access_log logs/access.log;
	    sendfile on;
	    tcp_nopush on;
	    tcp_nodelay on;
	    server {
	        listen 80;
	        root html;
	        index index.html;
	        location /files/ { autoindex on; }
	    }
	}
	EOF
	printf '<html><body>nginx on Toro</body></html>\n' > "$s/html/index.html"
	printf 'a small file\n' > "$s/html/small.txt"
	printf 'w\n' > "$s/html/w.txt"
	head -c 1048576 /dev/urandom > "$s/html/big.bin"
	printf 'non-ASCII name: h\xc3\xa9llo w\xc3\xb6rld\n' > "$s/html/$NONASCII"
	printf '<p>sub</p>\n' > "$s/html/sub/index.html"
	printf 'alpha\n' > "$s/html/files/alpha.txt"
	printf 'beta beta\n' > "$s/html/files/beta.dat"
}

# get NAME PATH FILE: curl gets http://.../PATH with status 200, the body equal
# to FILE's bytes and Content-Length equal to its size
get() {
	local name=$1 path=$2 file=$3 out=$work/got st len size
	st=$(curl -sS -m 60 -o "$out" -D "$out.h" -w '%{http_code}' "http://127.0.0.1:$port/$path" 2>&1)
	len=$(tr -d '\r' < "$out.h" | sed -n 's/^[Cc]ontent-[Ll]ength: //p')
	size=$(stat -c %s "$file")
	if [ "$st" != 200 ]; then
		fail "$cfg: GET /$path: status $st"
	elif ! cmp -s "$out" "$file"; then
		fail "$cfg: GET /$path: the body differs from the file ($(stat -c %s "$out") bytes, $size expected)"
	elif [ "$len" != "$size" ]; then
		fail "$cfg: GET /$path: Content-Length '$len', the file has $size bytes"
	else
		pass "$cfg: GET /$path: 200, $size bytes, byte-exact"
		want_log+=("GET /$path HTTP/1.1\" 200 $size")
	fi
}

curl_checks() {
	local h=$work/disk/site/html st out=$work/got
	get "$cfg" "" "$h/index.html"
	get "$cfg" small.txt "$h/small.txt"
	get "$cfg" big.bin "$h/big.bin"
	get "$cfg" "$NONASCII_URL" "$h/$NONASCII"
	get "$cfg" sub/ "$h/sub/index.html"
	# A range: nginx reads it at an offset (pread, or sendfile from one).
	st=$(curl -sS -m 30 -o "$out" -r 300000-300999 -w '%{http_code}' "http://127.0.0.1:$port/big.bin")
	if [ "$st" = 206 ] && cmp -s "$out" <(tail -c +300001 "$h/big.bin" | head -c 1000); then
		pass "$cfg: GET /big.bin bytes 300000-300999: 206, byte-exact"
	else
		fail "$cfg: GET /big.bin with a range: status $st, $(stat -c %s "$out") bytes"
	fi
	st=$(curl -sS -m 30 -o "$out" -w '%{http_code}' "http://127.0.0.1:$port/no/such/file.txt")
	if [ "$st" = 404 ]; then
		pass "$cfg: GET /no/such/file.txt: 404"
	else
		fail "$cfg: GET /no/such/file.txt: status $st, not 404"
	fi
	st=$(curl -sS -m 30 -o "$out" -w '%{http_code}' "http://127.0.0.1:$port/files/")
	if [ "$st" = 200 ] && grep -q 'href="alpha.txt"' "$out" && grep -q 'href="beta.dat"' "$out" &&
		grep -q '<title>Index of /files/</title>' "$out"; then
		pass "$cfg: GET /files/: 200, autoindex lists alpha.txt and beta.dat"
	else
		fail "$cfg: GET /files/: status $st, listing: $(head -c 300 "$out" | tr '\n' ' ')"
	fi
}

# load_checks: netclient's counted requests, then wrk (microvm only)
load_checks() {
	local out
	if out=$("$NETCLIENT" "$port" keepalive 1000 /small.txt 2>&1) && grep -q '^keepalive: 1000 of 1000' <<< "$out"; then
		pass "$cfg: ${out#keepalive: }"
	else
		fail "$cfg: 1,000 keep-alive requests: $(tail -n 2 <<< "$out" | tr '\n' ' ')"
	fi
	if out=$("$NETCLIENT" "$port" seq 200 /index.html 2>&1) && grep -q '^seq: 200 of 200' <<< "$out"; then
		pass "$cfg: ${out#seq: }"
	else
		fail "$cfg: 200 requests, a connection each: $(tail -n 2 <<< "$out" | tr '\n' ' ')"
	fi
	if out=$("$NETCLIENT" "$port" par 50 /sub/ 2>&1) && grep -q '50 of 50' <<< "$out"; then
		pass "$cfg: 50 connections at once: $(tail -n 1 <<< "$out")"
	else
		fail "$cfg: 50 connections at once: $(tail -n 2 <<< "$out" | tr '\n' ' ')"
	fi
	[ "$1" = full ] || return 0
	wrk -t2 -c20 -d4s --timeout 20s "http://127.0.0.1:$port/w.txt" > "$work/wrk.out" 2>&1
	wrk_n=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$work/wrk.out")
	if [ -z "$wrk_n" ] || [ "$wrk_n" = 0 ]; then
		fail "$cfg: wrk: no requests completed"; sed 's/^/    /' "$work/wrk.out"
	elif grep -qE 'Socket errors|Non-2xx' "$work/wrk.out"; then
		fail "$cfg: wrk: $(grep -E 'Socket errors|Non-2xx' "$work/wrk.out" | tr -s ' ')"
	else
		pass "$cfg: wrk, 20 connections, 4 s: $wrk_n requests, no error ($(sed -n 's/^Requests\/sec: *//p' "$work/wrk.out") req/s)"
	fi
}

# log_checks IMG: the access log nginx wrote to the disk, read on the host
log_checks() {
	local img=$1 log=$work/access.log n w line
	export MTOOLS_SKIP_CHECK=1
	if ! mcopy -n -i "$img" ::/site/logs/access.log "$log" 2> "$work/mcopy.err"; then
		fail "$cfg: no logs/access.log on the disk: $(cat "$work/mcopy.err")"
		return
	fi
	cp "$log" "$LOGS/nginx.${cfg%% *}.access.log"
	local missing=0 bad
	for w in "${want_log[@]}"; do
		grep -qF -- "$w" "$log" || { fail "$cfg: access log: no line with '$w'"; missing=1; }
	done
	n=$(grep -cF '"GET /small.txt HTTP/1.1" 200 13 ' "$log")
	[ "$n" = 1001 ] || { fail "$cfg: access log: $n lines of GET /small.txt, 1,001 made"; missing=1; }
	n=$(grep -cF '"GET /index.html HTTP/1.1" 200 ' "$log")
	[ "$n" = 200 ] || { fail "$cfg: access log: $n lines of GET /index.html, 200 made"; missing=1; }
	n=$(grep -cF '"GET /sub/ HTTP/1.1" 200 ' "$log")
	[ "$n" = 51 ] || { fail "$cfg: access log: $n lines of GET /sub/, 51 made"; missing=1; }
	grep -qF '"GET /no/such/file.txt HTTP/1.1" 404 ' "$log" ||
		{ fail "$cfg: access log: no 404 line"; missing=1; }
	n=$(grep -cF '"GET /w.txt HTTP/1.1" 200 2 ' "$log")
	if [ -n "${wrk_n:-}" ] && [ "$n" -lt "$wrk_n" ]; then
		fail "$cfg: access log: $n lines of wrk's GET /w.txt, wrk counted $wrk_n"; missing=1
	fi
	# nginx's combined format: address, user, time, request, status, length, referer, agent
	bad=$(grep -cvE '^10\.0\.2\.2 - - \[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9:]{8} \+0000\] "[A-Z]+ [^"]+ HTTP/1\.[01]" [0-9]{3} [0-9]+ "[^"]*" "[^"]*"$' "$log")
	[ "$bad" = 0 ] || { fail "$cfg: access log: $bad lines not in the combined format, e.g. $(grep -vE '^10\.0\.2\.2 ' "$log" | head -n 1)"; missing=1; }
	[ $missing = 0 ] && pass "$cfg: access log on the disk: $(wc -l < "$log") lines, one per request made, combined format"
	if mdir -i "$img" ::/site/logs/nginx.pid > /dev/null 2>&1; then
		fail "$cfg: logs/nginx.pid left on the disk (nginx did not exit cleanly)"
	else
		local why
		if why=$(fsck_clean "$img"); then
			pass "$cfg: nginx removed its pid file, fsck.fat -n clean"
		else
			fail "$cfg: $why"
		fi
	fi
}

fsck_clean() { # IMAGE: fsck.fat -n says nothing beyond its version and summary
	local out
	out=$(fsck.fat -n "$1" 2>&1) || { echo "fsck.fat -n exit $?: $out"; return 1; }
	out=$(printf '%s\n' "$out" | grep -vE '^fsck\.fat [0-9.]+ |: [0-9]+ files, [0-9]+/[0-9]+ clusters$')
	[ -z "$out" ] || { echo "fsck.fat -n: $out"; return 1; }
}

# console_trouble LOG: the first line of a kernel failure or of an nginx
# alert, critical or emergency message. One alert is expected while the
# kernel has no socketpair (ENOSYS): nginx's start-up probe of EPOLLRDHUP,
# which it then does without.
console_trouble() {
	grep -vF '[alert] 1#0: socketpair() failed (38: ' "$1" |
		grep -m1 -E '^toro: (panic|kernel panic|kernel fault)|\[(alert|emerg|crit)\]'
}

# run_machine MACHINE PORT full|short [static]
run_machine() {
	cfg=$1 port=$2
	local glog=$LOGS/nginx.$1.log img=$work/$1.img i rc t0=$SECONDS
	want_log=() wrk_n=
	bin/toro mkdisk --fat 16 --size 16M -o "$img" "$work/disk" > /dev/null ||
		{ fail "$cfg: toro mkdisk"; return; }
	if [ "${4:-}" = static ]; then
		# The unmodified static program: toro run --app loads it as it is.
		cfg="$1 (musl-gcc -static, toro run --app)" glog=$LOGS/nginx.$1.static.log
		setsid bin/toro run --app "$STATIC" --timeout "$TIMEOUT" --machine "$1" --mem 64 \
			--net "user:$port:80" --disk "$img" -- -p /site/ -c conf/nginx.conf > "$glog" 2>&1 &
	else
		setsid bin/toro run --timeout "$TIMEOUT" --machine "$1" --mem 64 --net "user:$port:80" \
			--disk "$img" "$ELF" -- -- -p /site/ -c conf/nginx.conf > "$glog" 2>&1 &
	fi
	gpid=$!
	# Short attempts: QEMU's hostfwd accepts before the guest listens.
	for i in $(seq 600); do
		curl -s -m 2 -o /dev/null "http://127.0.0.1:$port/w.txt" && break
		kill -0 "$gpid" 2>/dev/null || break
		sleep 0.1
	done
	if ! kill -0 "$gpid" 2>/dev/null; then
		fail "$cfg: nginx exited at start"; tail -n 15 "$glog" | sed 's/^/    /'
		gpid=; return
	fi
	want_log+=('GET /w.txt HTTP/1.1" 200 2')
	pass "$cfg: nginx answers ($(( SECONDS - t0 )) s after the boot began)"
	curl_checks
	load_checks "$3"
	kill -TERM "$gpid"
	wait "$gpid"
	rc=$? gpid=
	if [ "$rc" != 0 ]; then
		fail "$cfg: after SIGTERM: exit status $rc, not 0"; tail -n 15 "$glog" | sed 's/^/    /'
	elif [ -n "$(console_trouble "$glog")" ]; then
		fail "$cfg: console: $(console_trouble "$glog")"
	else
		pass "$cfg: SIGTERM (the host's shutdown request): nginx exited 0, no alert on the console ($(( SECONDS - t0 )) s in all)"
	fi
	log_checks "$img"
}

# free_port P: P or the next port after it nobody listens on (another
# worktree's test may hold P)
free_port() {
	local p=$1
	while timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$p" 2>/dev/null; do p=$((p + 1)); done
	echo "$p"
}

make_files "$work/disk"
p=$PORT
for m in "${machines[@]}"; do
	p=$(free_port "$p")
	case $m in
	microvm) run_machine microvm "$p" full ;;
	*) run_machine "$m" "$p" short ;;
	esac
	p=$((p + 1))
done
# The same nginx built as an ordinary static Linux program (musl-gcc -static)
# and run unmodified, where bin/toro has `run --app` (issue 10, part 2).
usage=$(bin/toro 2>&1)
if grep -q -- 'toro run --app' <<< "$usage"; then
	if make -s -j2 nginx-static > "$LOGS/nginx-static-build.log" 2>&1; then
		run_machine microvm "$(free_port "$p")" short static
	else
		fail "build: make nginx-static (last lines of $LOGS/nginx-static-build.log:)"
		tail -n 20 "$LOGS/nginx-static-build.log" | sed 's/^/    /'
	fi
fi
finish
