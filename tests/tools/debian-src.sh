#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/tools/debian-src.sh: tools/debian-src.sh finds the Debian archive in
# sample apt source files as apt would read them: one-line and deb822 forms,
# options in brackets, comments, Enabled: no, continuation lines, a mirror,
# several files read in apt's order, the security archive and other vendors'
# repositories passed over, an -updates suite giving its release; no Debian
# entry gives deb.debian.org and a note. Then `fetch` through a mirror
# address that does not answer: a clear error naming it, and the previous
# download left as it was. No network needed.
#   tests/tools/debian-src.sh [--counts FILE]
# Prints PASS/FAIL per check and "debian-src: N passed, N failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
counts=
[ "${1:-}" = --counts ] && counts=$2
HELPER=$ROOT/tools/debian-src.sh
passed=0 failed=0
work=$(mktemp -d "${TMPDIR:-/tmp}/toro-debsrc.XXXXXX")
trap 'rm -rf "$work"' EXIT

pass() { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }

# case NAME WANT: the sources in $work/NAME (sources.list, parts/) must give WANT
case_is() {
	local name=$1 want=$2 d=$work/$1 got note
	got=$(TORO_APT_SOURCES_LIST=$d/sources.list TORO_APT_SOURCES_PARTS=$d/parts \
		"$HELPER" mirror 2> "$d.err")
	note=$(cat "$d.err")
	if [ "$got" = "$want" ] && { [ "$want" != "http://deb.debian.org/debian bookworm" ] || [ -n "$note" ]; }; then
		pass "$name: '$got'${note:+ (note: ${note:0:60}...)}"
	else
		fail "$name: got '$got', want '$want'${note:+ (stderr: $note)}"
	fi
}
mk() { mkdir -p "$work/$1/parts"; }

mk oneline-mirror
cat > "$work/oneline-mirror/sources.list" <<'EOF'
# deb http://deb.debian.org/debian bookworm main
deb http://mirror.example.net/debian/ bookworm main contrib non-free-firmware
deb-src http://mirror.example.net/debian/ bookworm main
EOF
case_is oneline-mirror "http://mirror.example.net/debian bookworm"

mk oneline-options
cat > "$work/oneline-options/sources.list" <<'EOF'
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://security.debian.org/debian-security bookworm-security main
deb [ arch=amd64 signed-by=/usr/share/keyrings/vendor.gpg ] https://packages.vendor.example/apt stable-vendor main
deb http://10.1.2.3:3142/debian bookworm contrib   # no main: not this one
deb [arch=amd64,i386 trusted=no] http://10.1.2.3:3142/debian bookworm-updates main  # a proxy-style mirror
EOF
case_is oneline-options "http://10.1.2.3:3142/debian bookworm"

mk deb822
cat > "$work/deb822/parts/debian.sources" <<'EOF'
Types: deb
URIs: https://deb.nodesource.com/node_20.x
Suites: nodistro
Components: main

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: trixie-security
Components: main

# the old one, switched off
Types: deb deb-src
URIs: http://old.example.org/debian
Suites: trixie
Components: main
Enabled: no

Types: deb deb-src
URIs: http://ftp.de.debian.org/debian/
Suites: trixie trixie-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
case_is deb822 "http://ftp.de.debian.org/debian trixie"

mk continuation
cat > "$work/continuation/parts/mirror.sources" <<'EOF'
Types: deb
URIs:
 http://mirror.local:8080/debian
Suites: stable
Components:
 contrib
 main
EOF
case_is continuation "http://mirror.local:8080/debian stable"

# Several files: sources.list first, then the parts by name; .disabled ignored.
mk several
echo 'deb http://security.debian.org/debian-security bookworm-security main' > "$work/several/sources.list"
echo 'deb http://first.example.org/debian bookworm main' > "$work/several/parts/00-old.list.disabled"
echo 'deb https://packages.cloud.example/apt cloud-sdk main' > "$work/several/parts/a-vendor.list"
printf 'Types: deb\nURIs: http://b-mirror.example.org/debian\nSuites: bookworm\nComponents: main\n' \
	> "$work/several/parts/b-mirror.sources"
echo 'deb http://z-mirror.example.org/debian bookworm main' > "$work/several/parts/z.list"
case_is several "http://b-mirror.example.org/debian bookworm"

mk none
echo 'deb https://packages.cloud.example/apt cloud-sdk main' > "$work/none/sources.list"
printf 'Types: deb\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\nComponents: main\n' \
	> "$work/none/parts/sec.sources"
case_is none "http://deb.debian.org/debian bookworm"

mk empty
case_is empty "http://deb.debian.org/debian bookworm"

# ---- fetch through a mirror that does not answer (a port nobody listens on) ----
mk deadmirror
echo 'deb http://127.0.0.1:5109/debian bookworm main' > "$work/deadmirror/sources.list"
mkdir -p "$work/out/src"
echo keep > "$work/out/src/previous"
echo "0000000000000000000000000000000000000000000000000000000000000000  hello_2.10-3.dsc" > "$work/sums"
TORO_APT_SOURCES_LIST=$work/deadmirror/sources.list TORO_APT_SOURCES_PARTS=$work/deadmirror/parts \
	timeout 120 "$HELPER" fetch --name t --sums "$work/sums" --suite bookworm --apt-dir "$work/out/apt" \
	--out "$work/out/src" hello=2.10-3 > "$work/fetch.out" 2>&1
rc=$?
if [ $rc = 1 ] && grep -q '127.0.0.1:5109/debian' "$work/fetch.out" &&
   grep -q '^debian-src: apt-get update of the private deb-src list' "$work/fetch.out" &&
   [ "$(cat "$work/out/src/previous" 2>/dev/null)" = keep ] &&
   [ -z "$(find "$work/out" -maxdepth 1 -name 't-dl.*')" ] &&
   grep -q '^URIs: http://127.0.0.1:5109/debian$' "$work/out/apt/sources/t.sources"; then
	pass "fetch through an unreachable mirror: exit 1, the error names it, the previous download intact"
else
	fail "fetch through an unreachable mirror: exit $rc"; tail -n 5 "$work/fetch.out" | sed 's/^/    /'
fi
# A usage error is a message, not a half-run download.
"$HELPER" fetch --name t > "$work/usage.out" 2>&1; rc=$?
if [ $rc = 1 ] && grep -q '^debian-src: fetch: usage' "$work/usage.out"; then
	pass "fetch without its options: exit 1, usage"
else
	fail "fetch without its options: exit $rc: $(head -c 200 "$work/usage.out")"
fi

echo "debian-src: $passed passed, $failed failed"
[ -n "$counts" ] && echo "$passed $failed" > "$counts"
[ "$failed" = 0 ]
