#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/net/disk.sh: the examples on a disk. httpd --root / serves a FAT image
# made by toro mkdisk (byte-exact, index.html, redirects, 404, names with
# spaces); kv --log keeps every answered PUT and DELETE through a power cut
# (QEMU SIGKILLed right after the last answer) and a clean exit, and the disk
# is fsck.fat-clean after the clean exit. "disk: N passed, N failed" last.
#   tests/net/disk.sh [--counts FILE] [MACHINE...]
set -uo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
cd "$ROOT" || exit 2
HTTPD=build/examples/httpd.elf
KV=build/examples/kv.elf
. tests/net/lib.sh
hosttest_init disk "microvm q35" "$@"
hosttest_need "$HTTPD" "$KV"

# The site: an index, a subdirectory, 1 MiB of bytes, a name with a space.
site=$work/site
mkdir -p "$site/sub"
printf '<!doctype html><title>disk</title><p>from the disk\n' > "$site/index.html"
printf 'sub index\n' > "$site/sub/index.html"
printf 'spaced\n' > "$site/a b.txt"
head -c 1048576 /dev/urandom > "$site/big.bin"

get() { curl -sS -m 20 -o "$work/body" -w '%{http_code}' "$(url "$1")"; }
same() { # PATH FILE
	[ "$(get "$1")" = 200 ] && cmp -s "$work/body" "$2" && echo "$(stat -c %s "$2") bytes"
}
redirect() { # PATH LOCATION
	local out
	out=$(curl -sS -m 20 -D - -o /dev/null "$(url "$1")" | tr -d '\r')
	grep -q '^HTTP/1.1 301' <<< "$out" && grep -qx "Location: $2" <<< "$out" && echo "301 to $2"
}
status() { [ "$(get "$1")" = "$2" ] && echo "$2"; }

test_httpd() {
	local img=$work/site.$cfg.img
	bin/toro mkdisk --fat 16 -o "$img" "$site" > /dev/null || { fail "httpd: mkdisk"; return; }
	BOOT_ARGS="--disk $img" boot httpd-disk "$HTTPD" 80 --root / --debug --quiet
	if ! ready curl -sf -m 0.25 -o /dev/null "$(url /)" > /dev/null; then
		fail "httpd --root: no answer within 30 s" "$(tail -n 15 "$glog")"
		finish httpd-disk any
		return
	fi
	check "httpd --root: / is the disk's index.html" same / "$site/index.html"
	check "httpd --root: 1 MiB byte-exact (sendfile)" same /big.bin "$site/big.bin"
	check "httpd --root: 1 MiB again, 4 at once" bash -c "
		for i in 1 2 3 4; do curl -sS -m 30 -o $work/p\$i $(url /big.bin) & done; wait
		for i in 1 2 3 4; do cmp -s $work/p\$i $site/big.bin || exit 1; done; echo 4 copies"
	check "httpd --root: a directory without its slash" redirect /sub /sub/
	check "httpd --root: the directory's index" same /sub/ "$site/sub/index.html"
	check "httpd --root: a name with a space" same "/a%20b.txt" "$site/a b.txt"
	check "httpd --root: 404" status /missing 404
	curl -sS -m 5 -o /dev/null "$(url /debug/exit)"
	finish httpd-disk 0
}

kv_put() { [ "$(curl -sS -m 20 -o /dev/null -w '%{http_code}' -X PUT --data-binary "@$2" "$(url "/k/$1")")" = "$3" ]; }
kv_get() { [ "$(get "/k/$1")" = 200 ] && cmp -s "$work/body" "$2"; }

test_kv() {
	local img=$work/kv.$cfg.img
	bin/toro mkdisk --fat 32 -o "$img" > /dev/null || { fail "kv: mkdisk"; return; }
	head -c 100000 /dev/urandom > "$work/v1"
	printf 'small' > "$work/v2"
	printf 'gone' > "$work/v3"
	printf 'second' > "$work/v4"
	BOOT_ARGS="--disk $img" boot kv-disk "$KV" 80 --log /kv.log --debug --quiet
	if ! ready curl -sf -m 0.25 -o /dev/null "$(url /stats)" > /dev/null; then
		fail "kv --log: no answer within 30 s" "$(tail -n 15 "$glog")"
		finish kv-disk any
		return
	fi
	check "kv --log: PUTs and a DELETE answered" bash -c "
		$(declare -f url kv_put); port=$port
		kv_put a $work/v1 201 && kv_put b $work/v2 201 && kv_put c $work/v3 201 &&
		kv_put b $work/v4 204 && [ \$(curl -sS -m 20 -o /dev/null -w '%{http_code}' -X DELETE $(url /k/c)) = 204 ] &&
		echo '3 PUTs, 1 replace, 1 DELETE'"
	power_cut # right after the last answer: only what was made durable survives
	pass "kv --log: power cut after the last answer"
	BOOT_ARGS="--disk $img" boot kv-disk2 "$KV" 80 --log /kv.log --debug --quiet
	if ! ready curl -sf -m 0.25 -o /dev/null "$(url /stats)" > /dev/null; then
		fail "kv --log: no answer after the power cut" "$(tail -n 15 "$glog")"
		finish kv-disk2 any
		return
	fi
	check "kv --log: 100 kB value back after the cut" bash -c "$(declare -f url get kv_get); port=$port work=$work; kv_get a $work/v1 && echo byte-exact"
	check "kv --log: the replaced value is the new one" bash -c "$(declare -f url get kv_get); port=$port work=$work; kv_get b $work/v4 && echo second"
	check "kv --log: the deleted key stays deleted" status /k/c 404
	check "kv --log: the log was read back" grep -m1 -a 'kv: /kv.log: ' "$glog"
	curl -sS -m 5 -o /dev/null "$(url /debug/exit)"
	finish kv-disk2 0
	local f
	f=$(fsck.fat -n "$img" 2>&1)
	if grep -qiE 'dirty|wrong|lost|reclaim|cross|differ' <<< "$f"; then
		fail "kv --log: fsck.fat after the clean exit" "$f"
	else
		pass "kv --log: fsck.fat clean after the clean exit"
	fi
}

idx=0
for machine in "${machines[@]}"; do
	cfg=$machine smp=1
	report=$work/$cfg.report results=$work/$cfg.results
	port=$((19750 + idx * 2 + ($$ % 20) * 8))
	idx=$((idx + 1))
	: > "$report"
	test_httpd
	test_kv
	cat "$report"
done
hosttest_end
